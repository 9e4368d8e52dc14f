"""Benchmark: what one job costs a metered Redis, side by side, in one run.

    .venv/bin/python -m bench.job_cost [--messages N]

Two workloads, each followed by a client that streams the progress (Server-Sent Events)
and by one that polls it every 0.5 s, then fetches the result once:

- synthetic: a 3 s job with 30 progress updates and a 140 KB result (the workload the
  issue compares parley with RQ, arq and Celery on);
- real: an analysis of about 3 s (150,000 WhatsApp messages by default), uploaded as
  the page uploads a file (multipart), in background mode.

Per job: commands as a provider bills them (top-level: parley's own count, which a
script counts once) and as the server counts them (INFO's total_commands_processed:
each command inside a script too), bytes into and out of Redis (INFO's net counters),
and what is left in Redis once it is done (MEMORY USAGE of every key). A script's first
use after a server start also loads it (an EVALSHA refused, a SCRIPT LOAD): one warm-up
job runs first, and those are said apart. Then what an idle worker sends in 10 s.
Everything on loopback, one private redis-server; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import redis
from httpx_sse import aconnect_sse
from tests.redis_server import RedisServer, running_redis

from bench._gen import messages, whatsapp_text
from parley.api import create_app
from parley.api.service import Service
from parley.jobs.drivers import BackgroundDriver
from parley.jobs.execution import WorkEvents
from parley.jobs.input import JobInput
from parley.settings import ExecutionMode, Settings

POLL_SECONDS = 0.5
SYNTHETIC_SECONDS, SYNTHETIC_UPDATES, RESULT_BYTES = 3.0, 30, 140 * 1024


def synthetic_result() -> dict[str, Any]:
    """About 140 KB of JSON shaped like an analysis: rows of names, counts and words."""
    words = [
        "yes",
        "no",
        "maybe",
        "later",
        "tonight",
        "dinner",
        "train",
        "meeting",
        "coffee",
        "call",
        "sorry",
        "thanks",
    ]
    rows: list[dict[str, Any]] = []
    while len(json.dumps(rows)) < RESULT_BYTES:
        i = len(rows)
        rows.append({"day": f"2026-11-{i % 30 + 1:02d}", "person": f"Person {i % 40}",
                     "messages": (i * 37) % 211, "words": (i * 101) % 1777,
                     "top": [words[(i + k) % len(words)] for k in range(3)]})  # fmt: skip
    return {"format": "synthetic", "rows": rows}


def synthetic_work(input: JobInput, events: WorkEvents) -> dict[str, Any]:
    events.accepted()
    for n in range(SYNTHETIC_UPDATES):
        events.progress("working", 100 * n / SYNTHETIC_UPDATES, f"step {n + 1}")
        time.sleep(SYNTHETIC_SECONDS / SYNTHETIC_UPDATES)
    return synthetic_result()


class Meter:
    """The server's counters (INFO stats) around a measurement, less the bench's own."""

    def __init__(self, server: RedisServer, service: Service) -> None:
        self._client = server.client()
        self._service = service
        self._bench = self._read()  # two reads apart: what one read itself costs
        self._bench = {k: v - self._bench[k] for k, v in self._read().items()}

    def _read(self) -> dict[str, int]:
        info = self._client.info("stats")
        return {"counted": int(info["total_commands_processed"]),
                "in": int(info["total_net_input_bytes"]),
                "out": int(info["total_net_output_bytes"]),
                "billed": self._service.kv.commands.total}  # fmt: skip

    async def around(self, run: Callable[[], Awaitable[object]]) -> dict[str, int]:
        before = self._read()
        await run()
        after = self._read()
        return {k: after[k] - before[k] - (self._bench[k] if k != "billed" else 0)
                for k in after}  # fmt: skip

    def left(self) -> int:
        """Bytes the keys in Redis use (MEMORY USAGE), then forgets them."""
        used = sum(int(self._client.memory_usage(k) or 0) for k in self._client.scan_iter())
        self._client.flushall()
        return used

    def close(self) -> None:
        self._client.close()


async def follow_stream(http: httpx.AsyncClient, started: dict[str, Any]) -> None:
    url = f"/api/progress/{started['conversationId']}/events"
    async with aconnect_sse(http, "GET", url) as source:
        async for event in source.aiter_sse():
            if event.event in ("completed", "failed", "expired"):
                break
    (await http.get(started["links"]["result"])).raise_for_status()


async def follow_polls(http: httpx.AsyncClient, started: dict[str, Any]) -> None:
    while True:
        body = (await http.get(started["links"]["progress"])).json()
        if body.get("status") in ("completed", "failed"):
            break
        await asyncio.sleep(POLL_SECONDS)
    (await http.get(started["links"]["result"])).raise_for_status()


async def one_job(
    http: httpx.AsyncClient, service: Service, post: dict[str, Any], follow: str
) -> None:
    response = await http.post("/api/analyze", **post)
    response.raise_for_status()
    started = response.json()
    await (follow_stream if follow == "stream" else follow_polls)(http, started)
    await service.driver.join()


async def workload(server: RedisServer, name: str, size: int) -> list[dict[str, Any]]:
    settings = Settings(redis_url=server.url, redis_url_source="REDIS_URL",
                        execution_mode=ExecutionMode.BACKGROUND, analysis_processes=0)  # fmt: skip
    app = create_app(settings)
    rows = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://b", timeout=300) as http:
        service: Service = await app.state.get_service()
        if name == "synthetic":
            assert isinstance(service.driver, BackgroundDriver)
            service.driver.runner.work = synthetic_work
        meter = Meter(server, service)
        for n, follow in enumerate(("warm-up", "stream", "poll")):
            if name == "synthetic":
                # any chat the POST's check accepts: the synthetic work reads none of it
                chat = f"12/01/2024, 09:0{n} - Ana: job {n}\n12/01/2024, 09:09 - Ben: ok\n"
                post: dict[str, Any] = {"json": {"content": chat}}
            else:
                text = whatsapp_text(messages(size, speakers=12, seed=n)).encode()
                post = {"files": {"file": ("WhatsApp Chat.txt", text, "text/plain")}}
            started = time.perf_counter()
            client = "poll" if follow == "warm-up" else follow
            figures = await meter.around(functools.partial(one_job, http, service, post, client))
            seconds = time.perf_counter() - started
            rows.append({"workload": name, "client": follow, "seconds": seconds,
                         **figures, "left": meter.left()})  # fmt: skip
        idle = await meter.around(lambda: asyncio.sleep(10))
        rows.append({"workload": name, "client": "idle 10 s", "seconds": 10.0, **idle,
                     "left": 0})  # fmt: skip
        meter.close()
    await app.state.close_service()
    return rows


async def main(size: int) -> None:
    with running_redis() as server, contextlib.closing(redis.Redis(port=server.port)):
        rows = await workload(server, "synthetic", 0) + await workload(server, "real", size)
    print(f"What one job costs in Redis (real: {size:,} WhatsApp messages, uploaded as a file)")
    print("workload   client      seconds  billed  counted   in KB  out KB  left KB")
    for r in rows:
        print(f"{r['workload']:<10} {r['client']:<10} {r['seconds']:>8.1f} {r['billed']:>7} "
              f"{r['counted']:>8} {r['in'] / 1024:>7.1f} {r['out'] / 1024:>7.1f} "
              f"{r['left'] / 1024:>8.1f}")  # fmt: skip
    print("warm-up: the first job after the server started, polled; it also loads the scripts")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=150_000)
    asyncio.run(main(parser.parse_args().messages))
