"""The KV contract, run on the memory backend and on a real redis-server alike."""

from __future__ import annotations

import asyncio

import pytest

from parley.kv import KV
from tests.conftest import CONTRACT_TTL

TTL = CONTRACT_TTL


async def test_get_of_a_missing_key_is_none(kv: KV) -> None:
    assert await kv.get("nothing-here") is None


async def test_set_then_get_returns_the_bytes_with_the_ttl_applied(kv: KV) -> None:
    await kv.set("k", b"\x00value\xff", TTL)
    assert await kv.get("k") == b"\x00value\xff"
    ttl = await kv.ttl("k")
    assert ttl is not None
    assert TTL - 2 < ttl <= TTL


async def test_set_replaces_the_value_and_resets_the_ttl(kv: KV) -> None:
    await kv.set("k", b"one", 5)
    await kv.set("k", b"two", TTL)
    assert await kv.get("k") == b"two"
    assert (await kv.ttl("k") or 0) > 5


async def test_set_nx_writes_only_when_the_key_is_absent(kv: KV) -> None:
    assert await kv.set_nx("k", b"first", TTL) is True
    assert await kv.set_nx("k", b"second", TTL) is False
    assert await kv.get("k") == b"first"


async def test_fifty_concurrent_set_nx_have_exactly_one_winner(kv: KV) -> None:
    wins = await asyncio.gather(*(kv.set_nx("k", str(i).encode(), TTL) for i in range(50)))
    assert wins.count(True) == 1
    assert await kv.get("k") == str(wins.index(True)).encode()


async def test_compare_and_set_writes_only_over_the_expected_value(kv: KV) -> None:
    await kv.set("k", b"v1", TTL)
    assert await kv.compare_and_set("k", b"other", b"v2", TTL) is False
    assert await kv.get("k") == b"v1"
    assert await kv.compare_and_set("k", b"v1", b"v2", TTL) is True
    assert await kv.get("k") == b"v2"


async def test_compare_and_set_with_none_expected_means_the_key_must_be_absent(kv: KV) -> None:
    assert await kv.compare_and_set("k", None, b"v1", TTL) is True
    assert await kv.compare_and_set("k", None, b"v2", TTL) is False
    assert await kv.get("k") == b"v1"


async def test_compare_and_set_applies_the_ttl(kv: KV) -> None:
    await kv.set("k", b"v1", 5)
    assert await kv.compare_and_set("k", b"v1", b"v2", TTL)
    assert (await kv.ttl("k") or 0) > 5


async def test_concurrent_compare_and_set_from_one_value_has_one_winner(kv: KV) -> None:
    await kv.set("k", b"base", TTL)
    wins = await asyncio.gather(
        *(kv.compare_and_set("k", b"base", str(i).encode(), TTL) for i in range(50))
    )
    assert wins.count(True) == 1


async def test_delete_reports_whether_the_key_existed(kv: KV) -> None:
    await kv.set("k", b"v", TTL)
    assert await kv.delete("k") is True
    assert await kv.delete("k") is False
    assert await kv.get("k") is None


async def test_expire_resets_the_ttl_of_an_existing_key_only(kv: KV) -> None:
    await kv.set("k", b"v", 5)
    assert await kv.expire("k", TTL) is True
    assert (await kv.ttl("k") or 0) > 5
    assert await kv.expire("missing", TTL) is False
    assert await kv.get("missing") is None


async def test_ttl_of_a_missing_key_is_none(kv: KV) -> None:
    assert await kv.ttl("missing") is None


@pytest.mark.parametrize("ttl", [0, -1])
async def test_a_write_without_a_positive_ttl_is_refused(kv: KV, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await kv.set("k", b"v", ttl)
    assert await kv.get("k") is None


@pytest.mark.slow
async def test_keys_vanish_after_their_ttl_and_reads_report_not_found(kv: KV) -> None:
    await kv.set("plain", b"v", 1)
    await kv.set_nx("nx", b"v", 1)
    await kv.compare_and_set("cas", None, b"v", 1)
    await kv.set("refreshed", b"v", 1)
    await kv.expire("refreshed", 3)
    await asyncio.sleep(1.2)
    for key in ("plain", "nx", "cas"):
        assert await kv.get(key) is None
        assert await kv.ttl(key) is None
    assert await kv.get("refreshed") == b"v"
    assert await kv.set_nx("nx", b"again", TTL) is True  # an expired key is absent
    assert [k async for k in kv.scan("plain")] == []
    await kv.delete("refreshed")


async def test_scan_lists_the_keys_matching_a_glob(kv: KV) -> None:
    for key in ("job:a", "job:b", "result:a"):
        await kv.set(key, b"v", TTL)
    assert sorted([k async for k in kv.scan("job:*")]) == ["job:a", "job:b"]
    assert sorted([k async for k in kv.scan("*")]) == ["job:a", "job:b", "result:a"]


async def test_scan_walks_thousands_of_keys(kv: KV) -> None:
    # In batches: 3,000 writes at once would queue for the pool's 32 connections longer
    # than a command may wait for one on a busy machine (which is then a 503, by design).
    for start in range(0, 3000, 100):
        await asyncio.gather(*(kv.set(f"many:{i}", b"v", TTL) for i in range(start, start + 100)))
    assert len({k async for k in kv.scan("many:*")}) == 3000


async def test_ping_measures_a_round_trip(kv: KV) -> None:
    latency = await kv.ping()
    assert 0 <= latency < 5


async def test_info_reports_memory_limits_and_keys(kv: KV) -> None:
    await kv.set("k", b"x" * 1000, TTL)
    info = await kv.info()
    assert info.backend == kv.backend
    assert info.used_memory >= 1000
    assert info.keys == 1
    assert info.maxmemory >= 0
    assert info.maxmemory_policy
    assert info.version
    assert info.commands_processed is None or info.commands_processed > 0


async def test_set_if_prefix_writes_only_over_a_value_with_that_prefix(kv: KV) -> None:
    assert await kv.set_if_prefix("k", b'{"jobId":"a",', b"new", TTL) is False  # absent
    assert await kv.get("k") is None
    await kv.set("k", b'{"jobId":"ab","x":1}', 5)
    assert await kv.set_if_prefix("k", b'{"jobId":"a",', b"new", TTL) is False
    assert await kv.set_if_prefix("k", b'{"jobId":"ab",', b'{"jobId":"ab","x":2}', TTL)
    assert await kv.get("k") == b'{"jobId":"ab","x":2}'
    assert (await kv.ttl("k") or 0) > 5
