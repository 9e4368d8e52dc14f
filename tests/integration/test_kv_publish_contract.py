"""Writes that publish what they wrote, and listeners that hear them: one contract, on the
memory backend, a real redis-server and a Redis Cluster alike."""

from __future__ import annotations

import asyncio

from parley.kv import KV, Gap
from tests.conftest import CONTRACT_TTL

TTL = CONTRACT_TTL
WAIT = 30.0  # generous: a busy machine delays delivery, never loses it


async def test_a_write_that_publishes_is_heard_by_every_listener_in_order(kv: KV) -> None:
    async with kv.listen("progress:c1") as first, kv.listen("progress:c1") as second:
        await kv.set("progress:c1", b"one", TTL, publish="progress:c1")
        assert await kv.set_nx("progress:c1", b"never", TTL, publish="progress:c1") is False
        assert await kv.set_if_prefix("progress:c1", b"on", b"two", TTL, publish="progress:c1")
        assert not await kv.set_if_prefix("progress:c1", b"x", b"never", TTL, publish="progress:c1")
        await kv.delete("progress:c1")
        assert await kv.set_nx("progress:c1", b"three", TTL, publish="progress:c1")
        for listener in (first, second):
            got = [await listener.next(WAIT) for _ in range(3)]
            assert got == [b"one", b"two", b"three"]
    assert await kv.get("progress:c1") == b"three"


async def test_a_write_without_publish_or_on_another_channel_is_not_heard(kv: KV) -> None:
    async with kv.listen("progress:c2") as listener:
        await kv.set("progress:c2", b"quiet", TTL)
        await kv.set("progress:other", b"elsewhere", TTL, publish="progress:other")
        await kv.set("progress:c2", b"loud", TTL, publish="progress:c2")
        assert await listener.next(WAIT) == b"loud"  # the first it hears
        assert await listener.next(0.2) is None
    await kv.delete("progress:other")


async def test_a_listener_that_left_hears_nothing_and_a_new_one_hears_what_follows(kv: KV) -> None:
    async with kv.listen("progress:c3") as gone:
        pass
    await kv.set("progress:c3", b"before", TTL, publish="progress:c3")
    async with kv.listen("progress:c3") as listener:
        await kv.set("progress:c3", b"after", TTL, publish="progress:c3")
        assert await listener.next(WAIT) == b"after"
    assert await gone.next(0.2) is None


async def test_two_hundred_listeners_of_one_channel_all_hear_each_value(kv: KV) -> None:
    async def listen(ready: asyncio.Event, go: asyncio.Event) -> list[bytes | Gap | None]:
        async with kv.listen("progress:many") as listener:
            ready.set()
            await go.wait()
            return [await listener.next(WAIT), await listener.next(WAIT)]

    go = asyncio.Event()
    readies = [asyncio.Event() for _ in range(200)]
    tasks = [asyncio.create_task(listen(ready, go)) for ready in readies]
    await asyncio.gather(*(ready.wait() for ready in readies))
    await kv.set("progress:many", b"a", TTL, publish="progress:many")
    await kv.set("progress:many", b"b", TTL, publish="progress:many")
    go.set()
    assert await asyncio.gather(*tasks) == [[b"a", b"b"]] * 200


async def test_a_delete_that_publishes_says_the_key_is_gone_only_when_it_was_there(kv: KV) -> None:
    async with kv.listen("progress:d") as listener:
        assert await kv.delete("progress:d", publish="progress:d") is False  # nothing said
        await kv.set("progress:d", b"v", TTL)
        assert await kv.delete("progress:d", publish="progress:d") is True
        await kv.set("progress:d", b"after", TTL, publish="progress:d")
        assert [await listener.next(WAIT), await listener.next(WAIT)] == [b"", b"after"]
    await kv.delete("progress:d")
