"""Latency and throughput of `GET /api/progress/{id}` with 2 worker processes on Redis.

Baseline: `GET /api/live`, an endpoint of the same server that does no I/O, measured in
the same run with the same client. Then both again while analyses run on the workers
(in their analysis processes: the event loops must keep answering).

    .venv/bin/python -m bench.progress_latency [--requests 4000] [--concurrency 16]

Loopback only; every run is bounded in requests and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from tests.parley_server import running_parley
from tests.redis_server import running_redis

from bench._gen import messages, whatsapp_text


@dataclass
class Run:
    name: str
    latencies: list[float]
    seconds: float
    errors: int

    def row(self, baseline: Run | None) -> str:
        lat = sorted(self.latencies)
        p50 = lat[len(lat) // 2] * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rps = len(lat) / self.seconds
        ratio = ""
        if baseline is not None:
            base = sorted(baseline.latencies)[len(baseline.latencies) // 2] * 1000
            ratio = f"  p50 x{p50 / base:.2f} of baseline"
        return (
            f"{self.name:<44} p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  "
            f"{rps:7.0f} req/s  errors {self.errors}{ratio}"
        )


async def _client(
    port: int, path: str, count: int, latencies: list[float], errors: list[int]
) -> None:
    """One keep-alive HTTP/1.1 connection sending `count` GETs one after another."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    try:
        for _ in range(count):
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(1)
    finally:
        writer.close()


async def measure(name: str, port: int, path: str, requests: int, concurrency: int) -> Run:
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    per_client = requests // concurrency
    async with asyncio.timeout(120):
        await asyncio.gather(
            *(_client(port, path, per_client, latencies, errors) for _ in range(concurrency))
        )
    return Run(name, latencies, time.perf_counter() - started, len(errors))


def post(url: str, body: Mapping[str, object], timeout: float = 120) -> dict[str, object]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        result: dict[str, object] = json.loads(response.read())
        return result


def status(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(json.loads(response.read())["status"])


async def main(requests: int, concurrency: int, analysis_messages: int) -> None:
    big = whatsapp_text(messages(analysis_messages, speakers=12, seed=11))
    with (
        running_redis() as redis,
        running_parley(
            redis.url,
            workers=2,
            PARLEY_ANALYSIS_PROCESSES="1",
            PARLEY_MAX_UPLOAD_BYTES=str(1 << 27),
        ) as (server,),
    ):
        done = post(f"{server.url}/api/analyze?wait=true", {"content": "Ann: hi\nBob: hello\n"})
        progress = f"/api/progress/{done['conversationId']}"
        # Warm both workers' connections and code paths.
        await measure("warm-up", server.port, progress, 400, concurrency)

        idle = [
            await measure("live (no I/O), idle", server.port, "/api/live", requests, concurrency),
            await measure("progress (1 Redis GET), idle", server.port, progress, requests,
                          concurrency),
        ]  # fmt: skip

        # Analyses with distinct content, posted in the background; measure once two run
        # (each worker has one analysis process, so both workers are busy).
        loop = asyncio.get_running_loop()
        posts = [
            loop.run_in_executor(
                None,
                post,
                f"{server.url}/api/analyze",
                {"content": big, "conversationId": f"bench-{i}"},
            )
            for i in range(4)
        ]
        conversations = [f"{server.url}/api/progress/bench-{i}" for i in range(4)]

        def running() -> int:
            states = []
            for url in conversations:
                try:
                    states.append(status(url))
                except urllib.error.HTTPError:
                    states.append("not started")
            return states.count("running")

        async with asyncio.timeout(120):
            while (await loop.run_in_executor(None, running)) < 2:  # noqa: ASYNC110 - polling HTTP
                await asyncio.sleep(0.1)
        running_before = running()
        busy = [
            await measure("live (no I/O), analyses running", server.port, "/api/live",
                          requests, concurrency),
            await measure("progress (1 Redis GET), analyses running", server.port, progress,
                          requests, concurrency),
        ]  # fmt: skip
        running_after = running()
        await asyncio.gather(*posts)

    print(f"parley progress polls: 2 workers on Redis, {concurrency} connections, "
          f"{requests} requests per row")  # fmt: skip
    print(idle[0].row(None))
    print(idle[1].row(idle[0]))
    print(busy[0].row(idle[0]))
    print(busy[1].row(idle[0]))
    print(f"analyses of {analysis_messages} messages running during the busy rows: "
          f"{running_before} at their start, {running_after} at their end")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--analysis-messages", type=int, default=400_000)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency, args.analysis_messages))
