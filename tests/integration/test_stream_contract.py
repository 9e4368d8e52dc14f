"""The stream contract (queue mode's store operations), on every backend alike: entries
read in a consumer group, pending until acknowledged, claimable once idle, and a stream
key that, like every key, has a TTL."""

from __future__ import annotations

import asyncio
import math

import pytest

from parley.kv import KV
from tests.conftest import CONTRACT_TTL

TTL = CONTRACT_TTL
Q = "queue:test"
G = "workers"


async def test_an_added_entry_creates_the_stream_with_its_ttl(kv: KV) -> None:
    entry_id = await kv.stream_add(Q, G, {"job": "a"}, TTL, max_age=TTL)
    assert entry_id.split("-")[0].isdigit()
    ttl = await kv.ttl(Q)
    assert ttl is not None
    assert TTL - 2 < ttl <= TTL
    info, _ = await kv.stream_pending(Q, G, 0, 0)
    assert (info.length, info.pending, info.waiting) == (1, 0, 1)


async def test_each_add_resets_the_streams_ttl(kv: KV) -> None:
    await kv.stream_add(Q, G, {"job": "a"}, 5, max_age=5)
    await kv.stream_add(Q, G, {"job": "b"}, TTL, max_age=TTL)
    assert (await kv.ttl(Q) or 0) > 5


async def test_entries_are_read_once_in_order_and_then_pending(kv: KV) -> None:
    ids = [await kv.stream_add(Q, G, {"job": str(i)}, TTL, max_age=TTL) for i in range(3)]
    first = await kv.stream_read(Q, G, "w1", 2, block=None, ttl=TTL)
    assert [(e.id, e.fields) for e in first] == [(ids[0], {"job": "0"}), (ids[1], {"job": "1"})]
    rest = await kv.stream_read(Q, G, "w2", 10, block=None, ttl=TTL)
    assert [e.fields["job"] for e in rest] == ["2"]
    assert await kv.stream_read(Q, G, "w1", 10, block=None, ttl=TTL) == []
    info, _ = await kv.stream_pending(Q, G, 0, 0)
    assert (info.length, info.pending, info.waiting) == (3, 3, 0)
    assert info.consumers == {"w1": 2, "w2": 1}


async def test_concurrent_readers_share_the_entries_without_overlap(kv: KV) -> None:
    for i in range(40):
        await kv.stream_add(Q, G, {"job": str(i)}, TTL, max_age=TTL)
    reads = await asyncio.gather(
        *(kv.stream_read(Q, G, f"w{i}", 3, block=None, ttl=TTL) for i in range(20))
    )
    jobs = [e.fields["job"] for read in reads for e in read]
    assert sorted(jobs, key=int) == [str(i) for i in range(40)]


async def test_acknowledged_entries_are_gone(kv: KV) -> None:
    await kv.stream_add(Q, G, {"job": "a"}, TTL, max_age=TTL)
    (entry,) = await kv.stream_read(Q, G, "w1", 1, block=None, ttl=TTL)
    assert await kv.stream_ack(Q, G, [entry.id]) == 1
    assert await kv.stream_ack(Q, G, [entry.id]) == 0
    info, _ = await kv.stream_pending(Q, G, 0, 0)
    assert (info.length, info.pending) == (0, 0)


async def test_a_read_waits_for_an_entry_to_arrive(kv: KV) -> None:
    read = asyncio.create_task(kv.stream_read(Q, G, "w1", 1, block=30, ttl=TTL))
    await asyncio.sleep(0.2)  # the read is waiting (it creates the stream and group)
    assert not read.done()
    await kv.stream_add(Q, G, {"job": "late"}, TTL, max_age=TTL)
    (entry,) = await asyncio.wait_for(read, 30)
    assert entry.fields == {"job": "late"}


async def test_a_read_waiting_forever_returns_when_an_entry_comes(kv: KV) -> None:
    read = asyncio.create_task(kv.stream_read(Q, G, "w1", 1, block=math.inf, ttl=TTL))
    await asyncio.sleep(0.2)
    await kv.stream_add(Q, G, {"job": "x"}, TTL, max_age=TTL)
    assert [e.fields["job"] for e in await asyncio.wait_for(read, 30)] == ["x"]


async def test_a_read_with_a_timeout_returns_nothing_when_nothing_comes(kv: KV) -> None:
    assert await kv.stream_read(Q, G, "w1", 1, block=0.2, ttl=TTL) == []


async def test_a_read_of_a_missing_stream_creates_it_with_a_ttl(kv: KV) -> None:
    assert await kv.stream_read(Q, G, "w1", 1, block=None, ttl=TTL) == []
    ttl = await kv.ttl(Q)
    assert ttl is not None
    assert 0 < ttl <= TTL


@pytest.mark.slow
async def test_a_read_waiting_on_a_stream_that_expires_returns_nothing(kv: KV) -> None:
    """An idle worker's read returns when the stream expires (one command an hour)."""
    await kv.stream_add(Q, G, {"wake": "1"}, 1.0, max_age=1.0)
    await kv.stream_read(Q, G, "w1", 1, block=None, ttl=1.0)  # takes the entry
    found = await asyncio.wait_for(kv.stream_read(Q, G, "w1", 1, block=math.inf, ttl=1.0), 30)
    assert found == []


async def test_pending_lists_idle_entries_with_their_fields(kv: KV) -> None:
    await kv.stream_add(Q, G, {"job": "old"}, TTL, max_age=TTL)
    await kv.stream_read(Q, G, "w1", 1, block=None, ttl=TTL)
    await asyncio.sleep(0.3)
    await kv.stream_add(Q, G, {"job": "new"}, TTL, max_age=TTL)
    await kv.stream_read(Q, G, "w2", 1, block=None, ttl=TTL)
    info, idle = await kv.stream_pending(Q, G, 0.25, 10)
    assert info.pending == 2
    assert [(p.consumer, p.fields, p.deliveries) for p in idle] == [("w1", {"job": "old"}, 1)]
    assert idle[0].idle >= 0.25
    _, none = await kv.stream_pending(Q, G, 0.25, 0)
    assert none == []


async def test_an_idle_entry_is_claimed_by_one_claimer_only(kv: KV) -> None:
    await kv.stream_add(Q, G, {"job": "a"}, TTL, max_age=TTL)
    (entry,) = await kv.stream_read(Q, G, "dead", 1, block=None, ttl=TTL)
    assert await kv.stream_claim(Q, G, "w1", [entry.id], min_idle=5) == []  # not idle yet
    await asyncio.sleep(0.3)
    claims = await asyncio.gather(
        *(kv.stream_claim(Q, G, f"w{i}", [entry.id], min_idle=0.25) for i in range(5))
    )
    winners = [claim for claim in claims if claim]
    assert len(winners) == 1
    assert winners[0][0].fields == {"job": "a"}
    info, idle = await kv.stream_pending(Q, G, 0, 10)
    assert [p.deliveries for p in idle] == [2]
    assert info.consumers.get("dead") == 0


async def test_a_claim_of_a_deleted_entry_returns_nothing(kv: KV) -> None:
    await kv.stream_add(Q, G, {"job": "a"}, TTL, max_age=TTL)
    (entry,) = await kv.stream_read(Q, G, "w1", 1, block=None, ttl=TTL)
    await kv.stream_ack(Q, G, [entry.id])
    assert await kv.stream_claim(Q, G, "w2", [entry.id], min_idle=0) == []


async def test_operations_on_a_missing_stream_answer_empty(kv: KV) -> None:
    info, idle = await kv.stream_pending("queue:none", G, 0, 10)
    assert (info.length, info.pending, idle) == (0, 0, [])
    assert await kv.stream_ack("queue:none", G, ["1-0"]) == 0
    assert await kv.stream_claim("queue:none", G, "w", ["1-0"], min_idle=0) == []
    assert await kv.stream_remove_consumer("queue:none", G, "w") == 0


async def test_a_removed_consumer_is_forgotten(kv: KV) -> None:
    await kv.stream_add(Q, G, {"job": "a"}, TTL, max_age=TTL)
    (entry,) = await kv.stream_read(Q, G, "w1", 1, block=None, ttl=TTL)
    await kv.stream_ack(Q, G, [entry.id])
    info, _ = await kv.stream_pending(Q, G, 0, 0)
    assert info.consumers == {"w1": 0}
    assert await kv.stream_remove_consumer(Q, G, "w1") == 0
    info, _ = await kv.stream_pending(Q, G, 0, 0)
    assert "w1" not in info.consumers


@pytest.mark.slow
async def test_entries_older_than_the_ttl_are_trimmed_by_the_next_add(kv: KV) -> None:
    await kv.stream_add(Q, G, {"job": "old"}, 1.0, max_age=1.0)
    await asyncio.sleep(1.2)
    await kv.stream_add(Q, G, {"job": "new"}, TTL, max_age=TTL)
    # MINID ~ trims whole blocks of entries; one old entry in a fresh stream is one block.
    info, _ = await kv.stream_pending(Q, G, 0, 0)
    assert info.length <= 2
    fresh = await kv.stream_read(Q, G, "w1", 10, block=None, ttl=TTL)
    assert "new" in [e.fields["job"] for e in fresh]


async def test_a_stream_key_is_deleted_like_any_key(kv: KV) -> None:
    await kv.stream_add(Q, G, {"job": "a"}, TTL, max_age=TTL)
    assert Q in [key async for key in kv.scan("queue:*")]
    assert await kv.delete(Q) is True
    assert await kv.ttl(Q) is None


async def test_pending_entries_can_be_paged_through(kv: KV) -> None:
    for i in range(5):
        await kv.stream_add(Q, G, {"job": str(i)}, TTL, max_age=TTL)
    await kv.stream_read(Q, G, "w1", 5, block=None, ttl=TTL)
    _, first = await kv.stream_pending(Q, G, 0, 2)
    _, second = await kv.stream_pending(Q, G, 0, 2, after=first[-1].id)
    _, rest = await kv.stream_pending(Q, G, 0, 10, after=second[-1].id)
    jobs = [p.fields["job"] for p in first + second + rest]
    assert jobs == ["0", "1", "2", "3", "4"]


async def test_the_counts_say_how_long_the_oldest_waiting_entry_has_waited(kv: KV) -> None:
    info, _ = await kv.stream_pending(Q, G, 0, 0)
    assert info.oldest_waiting is None
    await kv.stream_add(Q, G, {"job": "first"}, TTL, max_age=TTL)
    await kv.stream_add(Q, G, {"job": "second"}, TTL, max_age=TTL)
    await asyncio.sleep(0.3)
    info, _ = await kv.stream_pending(Q, G, 0, 0)
    assert info.oldest_waiting is not None
    assert info.oldest_waiting >= 0.25
    await kv.stream_read(Q, G, "w1", 2, block=None, ttl=TTL)
    info, _ = await kv.stream_pending(Q, G, 0, 0)
    assert info.oldest_waiting is None  # both were given to a worker
