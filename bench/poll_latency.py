"""Benchmark: a progress poll's latency against the no-I/O endpoint, under load, measured
with an independent load generator (Debian's `wrk`) in the same run.

    .venv/bin/python -m bench.poll_latency [--seconds S] [--connections C]

Starts a private redis-server and `parley serve --workers 2` on it, finishes one small
analysis so its progress exists, then runs wrk against `GET /api/live` (the baseline:
no store, no decoding) and `GET /api/progress/{id}` (one GET; the stored bytes are the
answer), 16 keep-alive connections by default. Prints p50 / p99 and their ratio to the
baseline's. Asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import time

import httpx
from tests.parley_server import running_parley
from tests.redis_server import running_redis

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rate is not None, out
    return {
        "p50": _seconds(found["50"]),
        "p99": _seconds(found["99"]),
        "rps": float(rate.group(1)),
        "errors": float("Non-2xx" in out),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with running_redis() as redis, running_parley(redis.url, workers=2) as (server,):
        chat = "12/01/2024, 09:00 - Ana: hi\n12/01/2024, 09:02 - Ben: hello\n"
        job = httpx.post(f"{server.url}/api/analyze?wait=true", json={"content": chat}).json()
        progress = f"{server.url}/api/progress/{job['conversationId']}"
        time.sleep(1)
        wrk(f"{server.url}/api/live", 2, args.connections)  # warm both workers
        rows = {
            "no-I/O (/api/live)": wrk(f"{server.url}/api/live", args.seconds, args.connections),
            "progress poll": wrk(progress, args.seconds, args.connections),
        }
    base = rows["no-I/O (/api/live)"]
    print(f"wrk, 2 threads, {args.connections} keep-alive connections, {args.seconds} s each,"
          " parley serve --workers 2 on a private redis-server")  # fmt: skip
    for name, row in rows.items():
        print(
            f"{name:<20} p50 {row['p50'] * 1e3:6.2f} ms ({row['p50'] / base['p50']:.2f}x)"
            f"   p99 {row['p99'] * 1e3:6.2f} ms ({row['p99'] / base['p99']:.2f}x)"
            f"   {row['rps']:8,.0f} req/s{'  NON-2XX ANSWERS' if row['errors'] else ''}"
        )


if __name__ == "__main__":
    main()
