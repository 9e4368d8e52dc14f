from __future__ import annotations

import contextlib
import io
import math
import os
from collections.abc import AsyncIterator, Iterator

import pytest

from parley.errors import StoreFullError
from parley.jobs.keys import RESULT_TTL_MARGIN
from parley.kv import KV, MemoryKV, RedisKV
from parley.log import configure_logging
from tests.redis_cluster import RedisCluster, running_cluster
from tests.redis_server import RedisServer, running_redis

# The backends every store contract runs on: the in-process store, one redis-server, and
# a Redis Cluster of three primaries (keys of one job land in different slots there).
BACKENDS = ["memory", "redis", "cluster"]


@pytest.fixture(scope="session", autouse=True)
def _json_logs() -> None:
    configure_logging("DEBUG", "json")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One private redis-server for the session; tests flush it before use."""
    with running_redis() as server:
        yield server


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """One private three-primary Redis Cluster for the session; tests flush it before use."""
    with running_cluster() as cluster:
        yield cluster


def backend_url(request: pytest.FixtureRequest, backend: str) -> str | None:
    """A flushed store of `backend` for this test: its URL (None for memory)."""
    if backend == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        with contextlib.closing(server.client()) as c:
            c.flushall()
        return server.url
    if backend == "cluster":
        cluster: RedisCluster = request.getfixturevalue("redis_cluster")
        cluster.flushall()
        return cluster.url
    return None


async def assert_every_key_has_ttl(kv: KV, max_ttl: float) -> int:
    """Every key in the store has a TTL in (0, max_ttl] (results: plus their margin).
    Returns how many keys there are."""
    count = 0
    async for key in kv.scan("*"):
        ttl = await kv.ttl(key)
        if ttl is None:  # expired between SCAN and PTTL
            continue
        limit = max_ttl + (RESULT_TTL_MARGIN if key.split(":")[-2:-1] == ["result"] else 0)
        assert 0 < ttl <= limit, f"key {key!r} has TTL {ttl} (must be in (0, {limit}])"
        assert ttl is not math.inf
        count += 1
    return count


# The TTL every contract test writes with, unless it says otherwise. The teardown check
# allows up to this; a test that writes longer TTLs raises it with the `max_ttl` marker.
CONTRACT_TTL = 60.0


@pytest.fixture(params=BACKENDS)
async def kv(request: pytest.FixtureRequest) -> AsyncIterator[KV]:
    """The same contract, on each backend. After the test, every key must have a TTL."""
    url = backend_url(request, request.param)
    store: KV = (
        MemoryKV()
        if url is None
        else RedisKV.from_url(url, timeout=2.0, cluster=request.param == "cluster")
    )
    try:
        yield store
        await assert_every_key_has_ttl(store, CONTRACT_TTL)
    finally:
        await store.aclose()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything parley logs during the test, as rendered JSON lines."""
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream)
    try:
        yield stream
    finally:
        configure_logging("DEBUG", "json")


@pytest.fixture(params=["memory", "redis"])
async def small_kv(request: pytest.FixtureRequest) -> AsyncIterator[KV]:
    """A store with about 1 MB of room, for tests that fill it: the memory backend's
    limit, or a private redis-server with maxmemory and noeviction."""
    if request.param == "memory":
        kv: KV = MemoryKV(max_bytes=1024 * 1024)
        yield kv
        await kv.aclose()
        return
    with running_redis(args=("--maxmemory-policy", "noeviction")) as server:
        with contextlib.closing(server.client()) as client:
            used = int(client.info("memory")["used_memory"])
            client.config_set("maxmemory", used + 1024 * 1024)
        kv = RedisKV.from_url(server.url)
        yield kv
        await kv.aclose()


async def fill(kv: KV, *, then_free: int = 0) -> None:
    """Write fillers until the store refuses even a tiny one, then delete `then_free` of the
    64 KB ones: the store is full, or has about that many 64 KB of room left. (Redis refuses
    every write once over maxmemory; the memory backend refuses what does not fit.)"""
    big = 0
    for size in (64 * 1024, 1024, 16):
        for i in range(2000):
            try:
                await kv.set(f"filler:{size}:{i}", os.urandom(size), CONTRACT_TTL)
            except StoreFullError:
                break
            big += size == 64 * 1024
        else:
            raise AssertionError("the store never filled up")
    for j in range(big - then_free, big):
        await kv.delete(f"filler:{64 * 1024}:{j}")


async def empty(kv: KV) -> None:
    """Delete every filler `fill` wrote."""
    async for key in kv.scan("filler:*"):
        await kv.delete(key)
