"""The Redis backend's subscription, against private redis-servers: one connection for all
of a process's listeners, silent when idle, and honest about an outage."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from parley.kv import Gap, RedisKV
from tests.redis_server import RedisServer, running_redis

TTL = 60.0
WAIT = 30.0


@pytest.fixture
async def server() -> AsyncIterator[RedisServer]:
    with running_redis() as redis_server:
        yield redis_server


def subscribers(server: RedisServer) -> list[dict[str, str]]:
    with contextlib.closing(server.client()) as client:
        return [c for c in client.client_list(_type="pubsub")]


async def test_two_hundred_listeners_on_fifty_channels_share_one_connection(
    server: RedisServer,
) -> None:
    kv = RedisKV.from_url(server.url)
    try:
        async with contextlib.AsyncExitStack() as stack:
            listeners = [
                await stack.enter_async_context(kv.listen(f"progress:c{i % 50}"))
                for i in range(200)
            ]
            assert len(subscribers(server)) == 1
            with contextlib.closing(server.client()) as client:
                assert client.pubsub_numsub("progress:c7") == [(b"progress:c7", 1)]
            await kv.set("progress:c7", b"v", TTL, publish="progress:c7")
            hearing = [listener for i, listener in enumerate(listeners) if i % 50 == 7]
            assert [await listener.next(WAIT) for listener in hearing] == [b"v"] * 4
        with contextlib.closing(server.client()) as client:  # the last listener unsubscribed
            for _ in range(3000):
                if client.pubsub_numsub("progress:c7") == [(b"progress:c7", 0)]:
                    break
                await asyncio.sleep(0.01)
            assert client.pubsub_numsub("progress:c7") == [(b"progress:c7", 0)]
    finally:
        await kv.aclose()


async def test_an_idle_subscription_sends_no_commands(server: RedisServer) -> None:
    kv = RedisKV.from_url(server.url)
    try:
        async with kv.listen("progress:idle") as listener:
            with contextlib.closing(server.client()) as client:
                before = int(client.info("stats")["total_commands_processed"])
                # three of the reader's waits pass with nothing to hear
                assert await listener.next(3.5) is None
                after = int(client.info("stats")["total_commands_processed"])
            assert after - before == 1  # the INFO that read `before`
    finally:
        await kv.aclose()


@contextlib.asynccontextmanager
async def restartable() -> AsyncIterator[tuple[RedisServer, RedisKV]]:
    """A private redis-server the test may stop and start again on its port, and a store
    on it; both gone afterwards."""
    redis_server = RedisServer()
    redis_server.start()
    kv = RedisKV.from_url(redis_server.url)
    try:
        yield redis_server, kv
    finally:
        await kv.aclose()
        redis_server.close()


async def test_a_restarted_server_is_reported_to_listeners_then_heard_again() -> None:
    async with restartable() as (redis_server, kv), kv.listen("progress:r") as listener:
        await kv.set("progress:r", b"before", TTL, publish="progress:r")
        assert await listener.next(WAIT) == b"before"
        redis_server.stop()
        assert await listener.next(WAIT) is Gap.LOST
        redis_server.start()  # the same port
        assert await listener.next(WAIT) is Gap.BACK
        await kv.set("progress:r", b"after", TTL, publish="progress:r")
        assert await listener.next(WAIT) == b"after"


async def test_a_listener_that_comes_during_an_outage_leaves_the_others_subscribed() -> None:
    async with restartable() as (redis_server, kv), kv.listen("progress:old") as old:
        redis_server.stop()
        assert await old.next(WAIT) is Gap.LOST
        redis_server.start()
        async with kv.listen("progress:new") as new:  # waits for the reader's return
            assert await old.next(WAIT) is Gap.BACK
            await kv.set("progress:old", b"o", TTL, publish="progress:old")
            await kv.set("progress:new", b"n", TTL, publish="progress:new")
            assert await old.next(WAIT) == b"o"
            heard = await new.next(WAIT)
            if heard is Gap.BACK:  # subscribed by the reader's return, with the others
                heard = await new.next(WAIT)
            assert heard == b"n"
