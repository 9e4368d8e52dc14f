"""Queue mode's costs, measured on real processes (`parley serve --mode queue` and
`parley worker`) against a private redis-server:

- Redis commands per job, as a provider bills them (top-level commands: a script is one
  EVALSHA) and as the server counts them (every command inside a script too), split
  between the web process and the worker; bytes over the wire; bytes left in Redis;
- commands an idle worker sends per day (measured over a quiet minute, and over the
  queue stream's expiry cycle, run with a short TTL and scaled to the 1-hour one);
- pickup latency (POST to running), against background mode's in the same run;
- throughput of small jobs with one worker and with two (the ratio is the figure).

    .venv/bin/python -m bench.queue [--jobs 40] [--idle-seconds 60]

Loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from tests.parley_server import ParleyServer, ParleyWorker
from tests.redis_server import RedisServer, running_redis

from bench._gen import messages, whatsapp_text
from bench._monitor import Monitor

BILLED = "billed"


def info(server: RedisServer) -> dict[str, Any]:
    with contextlib.closing(server.client()) as client:
        stats: dict[str, Any] = client.info("stats")
        commands: dict[str, Any] = client.info("commandstats")
    own = sum(
        int(v["calls"]) for k, v in commands.items() if k.split("_", 1)[1] in ("info", "client")
    )
    return {
        "in": int(stats["total_net_input_bytes"]),
        "out": int(stats["total_net_output_bytes"]),
        "commands": int(stats["total_commands_processed"]) - own,
    }


def post(url: str, content: str, conversation: str) -> dict[str, Any]:
    body = json.dumps({"content": content, "conversationId": conversation}).encode()
    request = urllib.request.Request(
        f"{url}/api/analyze", body, {"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=60) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def completed(worker_logs: list[ParleyWorker], count: int, seconds: float = 300) -> None:
    """Wait (without touching Redis) until the workers' logs show `count` completions."""
    deadline = time.monotonic() + seconds
    while sum(w.full_log().count('"event": "job_completed"') for w in worker_logs) < count:
        if time.monotonic() > deadline:
            raise RuntimeError("the jobs did not complete in time")
        time.sleep(0.02)


def small(i: int) -> str:
    return whatsapp_text(messages(300, speakers=3, seed=1000 + i))


def per_job(server: RedisServer, size: int) -> dict[str, Any]:
    """One job of `size` messages, POST to completion, nobody polling: its commands by
    sender, then the bytes it moved (a second job, without MONITOR's own traffic). A
    warm-up job first: each process loads its scripts once, not per job."""
    content = whatsapp_text(messages(size, speakers=8, seed=size))
    with ParleyServer(server.url, mode="queue") as web, ParleyWorker(server.url) as worker:
        web.start()
        worker.start()
        post(web.url, small(0), f"warm-up-{size}")
        completed([worker], 1)
        monitor = Monitor(server)
        monitor.take()
        before = info(server)
        job = post(web.url, content, f"bench-{size}")
        completed([worker], 2)
        tally = monitor.take()
        counted = info(server)["commands"] - before["commands"]
        monitor.close()
        time.sleep(0.5)
        start = info(server)
        post(web.url, content + "\n", f"bench-{size}-bytes")
        completed([worker], 3)
        end = info(server)
        with contextlib.closing(server.client()) as client:
            keys = [f"job:{job['jobId']}", f"result:{job['jobId']}"]
            keys += [f"progress:{job['conversationId']}", f"job_index:{job['conversationId']}"]
            stored = sum(int(client.memory_usage(key) or 0) for key in keys)
        record = get(web.url + job["links"]["job"])
    return {
        "size": size,
        "tally": tally,
        "counted": counted,
        "in": end["in"] - start["in"],
        "out": end["out"] - start["out"],
        "stored": stored,
        "seconds": _seconds(record),
    }


def _seconds(record: dict[str, Any]) -> float:
    start = datetime.fromisoformat(record["createdAt"])
    end = datetime.fromisoformat(record["finishedAt"])
    return (end - start).total_seconds()


def idle(server: RedisServer, seconds: float) -> dict[str, float]:
    """An idle worker's commands: over a quiet window, and over the stream's expiry cycle
    (TTL 20 s here; the cycle repeats once per TTL, so per day at 1 h: cycles x 24)."""
    ttl = 20
    env = {"PARLEY_TTL_SECONDS": str(ttl), "PARLEY_STALE_SECONDS": "5"}
    with (
        ParleyServer(server.url, mode="queue", env=env) as web,
        ParleyWorker(server.url, env=env) as worker,
    ):
        web.start()
        worker.start()
        post(web.url, small(0), "idle-warmup")  # the stream exists, as after real work
        completed([worker], 1)
        monitor = Monitor(server)
        monitor.take()
        time.sleep(min(seconds, ttl - 5))  # quiet, the stream alive
        quiet = sum(n for (who, _), n in monitor.take().items() if who == "parley-worker")
        cycles = 3
        time.sleep(ttl * cycles)  # the stream expires, is re-created, expires...
        cycle = sum(n for (who, _), n in monitor.take().items() if who == "parley-worker")
        monitor.close()
    window = min(seconds, ttl - 5)
    return {
        "quiet_per_day": quiet / window * 86400,
        "per_cycle": cycle / cycles,
        "per_day": quiet / window * 86400 + cycle / cycles * 24,
    }


def pickup(server: RedisServer, mode: str, jobs: int) -> list[float]:
    """POST to running (the job's startedAt minus createdAt), one job at a time."""
    waits: list[float] = []
    with ParleyServer(server.url, mode=mode) as web:
        web.start()
        worker = ParleyWorker(server.url) if mode == "queue" else None
        with worker or contextlib.nullcontext():
            if worker:
                worker.start()
            for i in range(jobs):
                job = post(web.url, small(i), f"pickup-{mode}-{i}")
                for _ in range(3000):
                    record = get(web.url + job["links"]["job"])
                    if record["status"] == "completed":
                        break
                    time.sleep(0.01)
                created = datetime.fromisoformat(record["createdAt"])
                started = datetime.fromisoformat(record["startedAt"])
                waits.append((started - created).total_seconds())
    return waits


def throughput(server: RedisServer, workers: int, jobs: int) -> float:
    """Jobs a second: `jobs` small analyses (1,000 messages) posted at once, from the
    first start to the last finish as the job records tell (the workers' own time)."""
    with contextlib.closing(server.client()) as client:
        client.flushall()
    contents = [whatsapp_text(messages(1000, speakers=4, seed=5000 + i)) for i in range(jobs)]
    with ParleyServer(server.url, mode="queue") as web:
        web.start()
        pool = [ParleyWorker(server.url) for _ in range(workers)]
        with contextlib.ExitStack() as stack:
            for worker in pool:
                stack.enter_context(worker)
                worker.start()
            with ThreadPoolExecutor(8) as threads:
                posted = list(
                    threads.map(
                        lambda i: post(web.url, contents[i], f"through-{workers}-{i}"),
                        range(jobs),
                    )
                )
            completed(pool, jobs)
            records = [get(web.url + job["links"]["job"]) for job in posted]
    first = min(datetime.fromisoformat(r["startedAt"]) for r in records)
    last = max(datetime.fromisoformat(r["finishedAt"]) for r in records)
    return jobs / (last - first).total_seconds()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--idle-seconds", type=float, default=15)
    args = parser.parse_args()
    with running_redis() as server:
        print("Per job, queue mode, nobody polling (commands by sender; billed = top-level)")
        for size in (3_000, 100_000):
            row = per_job(server, size)
            by_who: Counter[str] = Counter()
            for (who, _), n in row["tally"].items():
                by_who[who] += n
            names = "; ".join(
                f"{who}: "
                + ", ".join(
                    f"{name} {n}" for (w, name), n in sorted(row["tally"].items()) if w == who
                )
                for who in ("parley", "parley-worker")
            )
            print(
                f"  {size:>7} messages ({row['seconds']:.1f} s): billed {sum(by_who.values())} "
                f"(web {by_who['parley']}, worker {by_who['parley-worker']}), server-counted "
                f"{row['counted']}; {row['in'] / 1024:.0f} KB in, {row['out'] / 1024:.0f} KB out, "
                f"{row['stored'] / 1024:.1f} KB left in Redis"
            )
            print(f"           {names}")
        figures = idle(server, args.idle_seconds)
        print(
            f"Idle worker: {figures['quiet_per_day']:.0f} commands/day while the stream lives, "
            f"{figures['per_cycle']:.1f} per stream expiry (once an idle hour): "
            f"{figures['per_day']:.0f} commands/day in all"
        )
        background = pickup(server, "background", 20)
        queued = pickup(server, "queue", 20)
        print(
            f"Pickup (POST to running): queue p50 {statistics.median(queued) * 1000:.1f} ms, "
            f"p90 {_pct(queued, 0.9) * 1000:.1f} ms; background (same run) p50 "
            f"{statistics.median(background) * 1000:.1f} ms, "
            f"p90 {_pct(background, 0.9) * 1000:.1f} ms"
        )
        one = throughput(server, 1, args.jobs)
        two = throughput(server, 2, args.jobs)
        print(
            f"Throughput, {args.jobs} small jobs (1,000 messages): 1 worker {one:.1f} jobs/s, "
            f"2 workers {two:.1f} jobs/s ({two / one:.2f}x)"
        )


if __name__ == "__main__":
    main()
