"""`parley serve` stops every process it started — Ctrl-C, SIGTERM, or the kernel's
kill -9 of a worker — also while analyses run, and says nothing alarming on the way."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.test_queue import all_exit, big_chat, eventually, no_noise
from tests.parley_server import ParleyServer
from tests.redis_server import RedisServer, running_redis

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    queue = [pid]
    while queue:
        parent = queue.pop()
        out = subprocess.run(
            ["pgrep", "-P", str(parent)], capture_output=True, text=True, check=False
        ).stdout
        kids = [int(line) for line in out.split()]
        found += kids
        queue += kids
    return found


async def analyses_running(server: ParleyServer, count: int, name: str) -> list[int]:
    """Start `count` long analyses and wait until each runs; the server's descendants."""
    async with httpx.AsyncClient(timeout=60, base_url=server.url) as client:
        posts = [
            await client.post(
                "/api/analyze", json={"content": big_chat(), "conversationId": f"{name}-{i}"}
            )
            for i in range(count)
        ]
        for post in posts:
            assert post.status_code == 202, post.text

            async def running(url: str = post.json()["links"]["job"]) -> bool:
                return bool((await client.get(url)).json()["status"] == "running")

            await eventually(running, "the analysis to run")
    return descendants(server.pid)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_stopping_serve_during_analyses_stops_every_child_quietly(
    redis: RedisServer, sig: signal.Signals
) -> None:
    """SIGTERM to the server, or Ctrl-C (SIGINT to the whole foreground group)."""
    server = ParleyServer(
        redis.url, workers=2, env={"PARLEY_ANALYSIS_PROCESSES": "2", "PARLEY_LOG_LEVEL": "info"}
    )
    try:
        server.start()
        before = await analyses_running(server, 2, sig.name)
        assert len(before) >= 4  # two workers, each with its analysis processes
        if sig is signal.SIGINT:
            server.kill(signal.SIGINT)  # the group, as a terminal's Ctrl-C does
        else:
            server.send(signal.SIGTERM)
        assert server.wait(60) == 0

        await all_exit(before)
        no_noise(server)
        await asyncio.sleep(0)
    finally:
        server.close()


async def test_analysis_processes_exit_when_their_server_is_killed(redis: RedisServer) -> None:
    server = ParleyServer(redis.url, env={"PARLEY_ANALYSIS_PROCESSES": "2"})
    try:
        server.start()
        before = await analyses_running(server, 1, "killed")
        assert before
        server.send(signal.SIGKILL)  # the server alone: its children are orphaned
        server.wait(10)

        await all_exit(before)
    finally:
        server.close()


async def test_the_log_level_applies_to_every_server_process(redis: RedisServer) -> None:
    """PARLEY_LOG_LEVEL=error: no info or warning line from the server or its workers,
    however much they do."""
    server = ParleyServer(redis.url, workers=2, env={"PARLEY_LOG_LEVEL": "error"})
    try:
        server.start()
        async with httpx.AsyncClient(timeout=60, base_url=server.url) as client:
            post = await client.post("/api/analyze?wait=true", json={"content": big_chat(2000)})
            assert post.status_code == 200, post.text
            assert (await client.get("/api/progress/nobody")).status_code == 404
        server.send(signal.SIGTERM)
        server.wait(60)
        log = server.log_path.read_text()
        assert '"level": "info"' not in log, log[-2000:]
        assert '"level": "warning"' not in log, log[-2000:]
        assert "INFO:" not in log  # uvicorn's own lines
    finally:
        server.close()
