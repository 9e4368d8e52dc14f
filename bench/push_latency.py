"""Benchmark: time from a progress write on worker A to its arrival in a Server-Sent Events
client of worker B, and what following a job costs in Redis commands, pushed or polled.

    .venv/bin/python -m bench.push_latency [--jobs N] [--messages M]

A private redis-server and two `parley serve` processes on it (one machine: the writer's
clock is the reader's). Each job is posted to A and followed on B's stream; an event's
latency is its arrival time minus the `updatedAt` its writer stamped (millisecond
precision). Then the same job size is followed by polling B every 0.4 s, as the page
does without a stream. Commands are counted as a provider bills them (MONITOR:
top-level only). Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import datetime
from typing import Any

import httpx
from httpx_sse import aconnect_sse
from tests.parley_server import running_parley
from tests.redis_server import running_redis

from bench._gen import messages, whatsapp_text
from bench._monitor import Monitor

POLL_SECONDS = 0.4


async def push(client: httpx.AsyncClient, a: str, b: str, content: str) -> list[float]:
    job = (await client.post(f"{a}/api/analyze", json={"content": content})).json()
    delays: list[float] = []
    url = f"{b}/api/progress/{job['conversationId']}/events"
    async with aconnect_sse(client, "GET", url) as source:
        async for event in source.aiter_sse():
            arrived = time.time()
            if event.event != "progress":
                break  # the outcome is stamped before the result is written: not a delay
            body: dict[str, Any] = json.loads(event.data)
            written = datetime.fromisoformat(body["updatedAt"].replace("Z", "+00:00"))
            delays.append(arrived - written.timestamp())
    return delays[1:]  # the first is the progress as it stood, not a write just made


async def poll(client: httpx.AsyncClient, a: str, b: str, content: str) -> int:
    job = (await client.post(f"{a}/api/analyze", json={"content": content})).json()
    polls = 0
    while True:
        polls += 1
        body = (await client.get(f"{b}/api/progress/{job['conversationId']}")).json()
        if body["status"] in ("completed", "failed"):
            return polls
        await asyncio.sleep(POLL_SECONDS)


async def main(jobs: int, size: int) -> None:
    big = str(64 << 20)
    with (
        running_redis() as redis,
        # parley's default intervals, not the test servers' quick ones
        running_parley(
            redis.url,
            count=2,
            PARLEY_MAX_UPLOAD_BYTES=big,
            PARLEY_HEARTBEAT_SECONDS="2",
            PARLEY_STALE_SECONDS="10",
            PARLEY_PROGRESS_INTERVAL_SECONDS="1",
        ) as (a, b),  # fmt: skip
    ):
        monitor = Monitor(redis)
        async with httpx.AsyncClient(timeout=300) as client:
            delays: list[float] = []
            monitor.commands()
            for i in range(jobs):
                delays += await push(client, a.url, b.url, whatsapp_text(messages(size, 6, i)))
            pushed_by = monitor.commands()
            pushed = sum(pushed_by.values()) / jobs
            polls = [
                await poll(client, a.url, b.url, whatsapp_text(messages(size, 6, 100 + i)))
                for i in range(jobs)
            ]
            polled_by = monitor.commands()
            polled = sum(polled_by.values()) / jobs
        monitor.close()
    delays.sort()
    p90 = delays[min(len(delays) - 1, int(len(delays) * 0.9))]
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print(f"{jobs} jobs of {size:,} messages, posted to worker A, followed on worker B")
    print(
        f"write to arrival on B's stream: median {statistics.median(delays) * 1e3:.1f} ms, "
        f"p90 {p90 * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms, over {len(delays)} events"
    )
    print(
        f"Redis commands per job as billed (top-level; the job itself, the POST, the "
        f"follower): stream {pushed:.0f}; polling every {POLL_SECONDS} s {polled:.0f} "
        f"({statistics.mean(polls):.0f} polls)"
    )
    for name, tally in (("stream", pushed_by), ("polling", polled_by)):
        shown = ", ".join(f"{k} {v / jobs:.1f}" for k, v in tally.most_common())
        print(f"  {name}, per job: {shown}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=5)
    ap.add_argument("--messages", type=int, default=150_000)
    args = ap.parse_args()
    asyncio.run(main(args.jobs, args.messages))
