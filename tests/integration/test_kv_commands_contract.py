"""Counting what a store sends, as a hosted Redis bills it, and counters kept in the store:
one contract, on the memory backend, a real redis-server and a Redis Cluster alike."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

import pytest

from parley.kv import KV, metered
from tests.conftest import CONTRACT_TTL

TTL = CONTRACT_TTL


def delta(kv: KV, before: dict[str, int]) -> Counter[str]:
    after = Counter(kv.commands.by_name())
    after.subtract(before)
    return +after  # drop zeros


async def every_operation(kv: KV, n: int) -> None:
    key = f"c:{n}"
    await kv.set(key, b"a", TTL)
    await kv.get(key)
    await kv.get_with_ttl(key)
    await kv.set_nx(key, b"b", TTL)
    await kv.compare_and_set(key, b"a", b"b", TTL)
    await kv.set_if_prefix(key, b"b", b"c", TTL, publish=key)  # a channel in the key's slot
    await kv.set(key, b"d", TTL, publish=key)
    await kv.set_nx(f"{key}:nx", b"e", TTL, publish=f"{key}:nx")
    await kv.expire(key, TTL)
    await kv.ttl(key)
    await kv.delete_if(f"{key}:nx", b"e")
    await kv.delete(key, publish=key)
    await kv.add_counts(f"{key}:counts", {"jobs": 1}, TTL)
    await kv.add_counts(f"{key}:counts", {}, TTL)
    await kv.delete(f"{key}:counts")


async def test_each_operation_counts_the_commands_it_sends_by_name(kv: KV) -> None:
    await every_operation(kv, 0)  # a script's first use may load it: not what is counted
    before = kv.commands.by_name()
    total = kv.commands.total
    await every_operation(kv, 1)
    assert delta(kv, before) == {
        "SET": 2,
        "GET": 1,
        "EVALSHA get_with_ttl": 1,
        "EVALSHA cas": 1,
        "EVALSHA prefix": 1,
        "EVALSHA set_publish": 1,
        "EVALSHA set_nx_publish": 1,
        "PEXPIRE": 1,
        "PTTL": 1,
        "EVALSHA delete_if": 1,
        "EVALSHA delete_publish": 1,
        "EVALSHA add_counts": 1,
        "HGETALL": 1,
        "DEL": 1,
    }
    assert kv.commands.total == total + 15


async def test_a_value_is_read_with_the_time_it_has_left_in_one_command(kv: KV) -> None:
    assert await kv.get_with_ttl("t:missing") is None
    await kv.set("t:v", b"\x00binary\xff", TTL)
    found = await kv.get_with_ttl("t:v")
    assert found is not None
    assert found[0] == b"\x00binary\xff"
    assert TTL - 5 < found[1] <= TTL
    await kv.delete("t:v")


async def test_stream_operations_count_one_command_each(kv: KV) -> None:
    await kv.stream_add("q:warm", "g", {"a": "1"}, TTL, max_age=TTL)
    await kv.stream_pending("q:warm", "g", 0, 10)
    await kv.stream_ack("q:warm", "g", ["0-1"])
    before = kv.commands.by_name()
    entry = await kv.stream_add("q:s", "g", {"job": "1"}, TTL, max_age=TTL)
    [read] = await kv.stream_read("q:s", "g", "w1", 10, block=None, ttl=TTL)
    await kv.stream_pending("q:s", "g", 0, 10)
    await kv.stream_claim("q:s", "g", "w2", [entry], 0)
    await kv.stream_ack("q:s", "g", [read.id])
    await kv.stream_ack("q:s", "g", [])  # nothing to send
    await kv.stream_remove_consumer("q:s", "g", "w1")
    assert delta(kv, before) == {
        "EVALSHA stream_add": 1,
        "XREADGROUP": 1,
        "EVALSHA stream_pending": 1,
        "XCLAIM": 1,
        "EVALSHA stream_ack": 1,
        "XGROUP DELCONSUMER": 1,
    }
    for key in ("q:s", "q:warm"):
        await kv.delete(key)


async def test_a_meter_counts_what_is_sent_inside_it_and_in_the_tasks_it_starts(
    kv: KV,
) -> None:
    await kv.set("m:outside", b"x", TTL)
    with metered() as meter:
        await kv.get("m:outside")
        await asyncio.gather(
            asyncio.create_task(kv.get("m:outside")), asyncio.create_task(kv.ttl("m:outside"))
        )
        with metered() as inner:  # a nested meter takes the commands from there on
            await kv.get("m:outside")
    await kv.delete("m:outside")
    assert (meter.commands, inner.commands) == (3, 1)


async def test_counts_add_up_in_the_store_and_come_back_whole(kv: KV) -> None:
    assert await kv.add_counts("usage:t", {}, TTL) == {}
    assert await kv.ttl("usage:t") is None  # a read writes nothing
    assert await kv.add_counts("usage:t", {"commands": 20, "analyses": 1}, TTL) == {
        "commands": 20,
        "analyses": 1,
    }
    assert await kv.add_counts("usage:t", {"commands": 5}, TTL / 2) == {
        "commands": 25,
        "analyses": 1,
    }
    ttl = await kv.ttl("usage:t")
    assert ttl is not None
    assert 0 < ttl <= TTL / 2  # every add sets the TTL anew
    assert await kv.add_counts("usage:t", {}, TTL) == {"commands": 25, "analyses": 1}
    await kv.delete("usage:t")


async def test_concurrent_adds_lose_no_count(kv: KV) -> None:
    await asyncio.gather(*(kv.add_counts("usage:c", {"commands": 3}, TTL) for _ in range(50)))
    assert (await kv.add_counts("usage:c", {}, TTL))["commands"] == 150
    await kv.delete("usage:c")


async def test_listeners_on_channels_of_every_node_hear_them_each_subscribed_once(kv: KV) -> None:
    channels = [f"k:{n}" for n in range(6)]  # on a cluster, on every primary
    before = kv.commands.by_name()
    async with contextlib.AsyncExitStack() as stack:
        listeners = [await stack.enter_async_context(kv.listen(c)) for c in channels * 2]
        for channel in channels:
            await kv.set(channel, channel.encode(), TTL, publish=channel)
        for channel, listener in zip(channels * 2, listeners, strict=True):
            assert await listener.next(30.0) == channel.encode()
    counted = delta(kv, before)
    sharded = "S" if kv.backend == "redis-cluster" else ""  # sharded pub/sub on a cluster
    assert counted[f"{sharded}SUBSCRIBE"] == len(channels)
    assert counted[f"{sharded}UNSUBSCRIBE"] == len(channels)
    for channel in channels:
        await kv.delete(channel)


@pytest.mark.parametrize("kv", ["cluster"], indirect=True)
async def test_on_a_cluster_a_command_sent_to_every_primary_counts_once_per_primary(
    kv: KV,
) -> None:
    await kv.info()
    before = kv.commands.by_name()
    await kv.info()
    assert delta(kv, before) == {"INFO": 3}
