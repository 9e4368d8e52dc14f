"""Choosing and probing the store at start-up, and how a failing Redis is reported."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.errors import StoreFullError, StoreUnavailableError
from parley.jobs import JobStore, StoreConfig
from parley.kv import PROBE_DEADLINE_SECONDS, MemoryKV, RedisKV, open_kv
from parley.settings import Settings, load_settings
from tests.redis_cluster import RedisCluster
from tests.redis_server import free_port, running_redis
from tests.waiting import attempts

PASSWORD = "s3cret-Pa55word-do-not-log"


def settings_for(url: str | None, tmp_path: Path, **env: str) -> Settings:
    values = {"REDIS_URL": url} if url else {}
    return load_settings({**values, **env}, directory=tmp_path)


def events(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_without_redis_url_the_memory_store_is_used_and_said(
    tmp_path: Path, log_lines: io.StringIO
) -> None:
    kv = await open_kv(settings_for(None, tmp_path))
    assert isinstance(kv, MemoryKV)
    (event,) = [e for e in events(log_lines) if e["event"] == "kv_memory_store"]
    assert event["usingKv"] is False


async def test_a_reachable_redis_is_probed_and_logged_without_secrets(
    tmp_path: Path, log_lines: io.StringIO
) -> None:
    with running_redis(password=PASSWORD) as server:
        kv = await open_kv(settings_for(server.url, tmp_path))
        try:
            assert isinstance(kv, RedisKV)
            store = JobStore(kv, StoreConfig(ttl_seconds=60))
            job, _ = await store.create_or_get("with-password")
            assert await store.get_job(job.job_id) == job
        finally:
            await kv.aclose()
    (event,) = [e for e in events(log_lines) if e["event"] == "redis_client_connected"]
    assert event["host"] == "127.0.0.1"
    assert event["port"] == server.port
    assert event["usingKv"] is True
    assert PASSWORD not in log_lines.getvalue()


async def test_a_closed_port_fails_fast_naming_host_and_port(tmp_path: Path) -> None:
    port = free_port()
    url = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
    # Not a timing assertion: a guard that turns a hang into a failure.
    async with asyncio.timeout(PROBE_DEADLINE_SECONDS):
        with pytest.raises(StoreUnavailableError) as info:
            await open_kv(settings_for(url, tmp_path))
    assert f"127.0.0.1:{port}" in str(info.value)
    assert PASSWORD not in str(info.value)
    assert PASSWORD not in repr(info.value)


async def test_a_wrong_password_is_reported_without_the_password(
    tmp_path: Path, log_lines: io.StringIO
) -> None:
    with running_redis(password=PASSWORD) as server:
        wrong = f"redis://:not-{PASSWORD}@127.0.0.1:{server.port}/0"
        with pytest.raises(StoreUnavailableError, match="credentials") as info:
            await open_kv(settings_for(wrong, tmp_path))
    assert PASSWORD not in str(info.value)
    assert PASSWORD not in log_lines.getvalue()


async def test_a_missing_password_is_reported_as_a_credentials_problem(tmp_path: Path) -> None:
    with running_redis(password=PASSWORD) as server, pytest.raises(StoreUnavailableError) as info:
        await open_kv(settings_for(f"redis://127.0.0.1:{server.port}/0", tmp_path))
    assert "credentials" in str(info.value) or "NOAUTH" in str(info.value)


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server on loopback that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.mark.slow
async def test_a_server_that_never_answers_fails_within_the_deadline(tmp_path: Path) -> None:
    with silent_server() as port:
        # open_kv gives up at its own deadline; the guard only turns a hang into a failure.
        async with asyncio.timeout(PROBE_DEADLINE_SECONDS + 2):
            with pytest.raises(StoreUnavailableError) as info:
                await open_kv(settings_for(f"redis://127.0.0.1:{port}/0", tmp_path))
    assert str(port) in str(info.value)


async def test_a_full_redis_raises_store_full_not_unavailable() -> None:
    with running_redis(args=("--maxmemory", "2mb", "--maxmemory-policy", "noeviction")) as server:
        kv = RedisKV.from_url(server.url)
        try:

            async def fill() -> None:
                for i in range(100):
                    await kv.set(f"fill:{i}", b"x" * 100_000, 60)

            with pytest.raises(StoreFullError, match="full"):
                await fill()
        finally:
            await kv.aclose()


async def test_a_full_memory_store_raises_store_full() -> None:
    kv = MemoryKV(max_bytes=10_000)
    await kv.set("a", b"x" * 5_000, 60)
    with pytest.raises(StoreFullError, match="full"):
        await kv.set("b", b"x" * 6_000, 60)
    await kv.set("a", b"x" * 9_000, 60)  # replacing a value counts only the difference


async def test_a_stopped_redis_is_unavailable_and_recovers_after_a_restart() -> None:
    with running_redis() as server:
        kv = RedisKV.from_url(server.url, timeout=0.5, retries=1)
        try:
            await kv.set("k", b"v", 60)
            server.stop()
            async with asyncio.timeout(5):  # a hang guard, not a timing assertion
                with pytest.raises(StoreUnavailableError):
                    await kv.get("k")
            server.start()  # same port; the data is gone (no persistence)
            for _ in attempts():  # the pool reconnects on its own
                try:
                    assert await kv.get("k") is None
                    break
                except StoreUnavailableError:
                    await asyncio.sleep(0.1)
            await kv.set("k", b"back", 60)
            assert await kv.get("k") == b"back"
        finally:
            await kv.aclose()


async def test_a_read_only_replica_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    """After a failover a client can be left talking to a replica: READONLY is the store
    refusing service (503), like MISCONF, LOADING or CLUSTERDOWN."""
    with running_redis() as primary:
        args = ("--replicaof", "127.0.0.1", str(primary.port))
        with running_redis(args=args) as replica:
            kv = RedisKV.from_url(replica.url)
            try:
                assert await kv.get("anything") is None  # reads work
                with pytest.raises(StoreUnavailableError, match="refused the command"):
                    await kv.set("k", b"v", 60)
            finally:
                await kv.aclose()
            with pytest.raises(StoreUnavailableError, match="read only"):
                await open_kv(settings_for(replica.url, tmp_path))


async def test_a_redis_cluster_is_detected_at_start_up_from_any_node(
    tmp_path: Path, log_lines: io.StringIO, redis_cluster: RedisCluster
) -> None:
    redis_cluster.flushall()
    for node in redis_cluster.nodes:  # REDIS_URL may name any node
        kv = await open_kv(settings_for(node.url, tmp_path))
        try:
            assert kv.backend == "redis-cluster"
            store = JobStore(kv, StoreConfig(ttl_seconds=60))
            jobs = [(await store.create_or_get(f"conv-{i}"))[0] for i in range(10)]
            assert [await store.get_job(job.job_id) for job in jobs] == jobs
            assert (await kv.info()).nodes == 3
        finally:
            await kv.aclose()
        redis_cluster.flushall()
    connected = [e for e in events(log_lines) if e["event"] == "redis_client_connected"]
    assert [e["cluster"] for e in connected] == [True] * 3


async def test_a_cluster_declined_by_setting_fails_saying_what_to_change(
    tmp_path: Path, redis_cluster: RedisCluster
) -> None:
    """PARLEY_REDIS_CLUSTER=no on a cluster node: the single-server client. The server
    sends keys of other slots elsewhere (MOVED), at the start-up probe or at the first
    write that meets one: a store error that names the setting, never a crash."""
    redis_cluster.flushall()
    errors: list[BaseException] = []
    try:
        kv = await open_kv(settings_for(redis_cluster.url, tmp_path, PARLEY_REDIS_CLUSTER="no"))
    except StoreUnavailableError as exc:
        errors.append(exc)
    else:
        try:
            assert kv.backend == "redis"
            writes = [kv.set(f"key-{i}", b"v", 60) for i in range(20)]  # most on other nodes
            errors += [r for r in await asyncio.gather(*writes, return_exceptions=True) if r]
        finally:
            await kv.aclose()
    redis_cluster.flushall()
    assert errors
    assert all(isinstance(e, StoreUnavailableError) for e in errors)
    assert "PARLEY_REDIS_CLUSTER" in str(errors[0])
