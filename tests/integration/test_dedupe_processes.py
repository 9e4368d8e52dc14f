"""One live job per conversation holds across processes, not only across tasks."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.redis_server import RedisServer

# Each process waits for the same instant, then races create_or_get from several tasks.
RACER = """
import asyncio, json, sys, time
from parley.jobs import JobStore, StoreConfig
from parley.kv import RedisKV

async def main(url, start_at, tasks):
    kv = RedisKV.from_url(url)
    store = JobStore(kv, StoreConfig(ttl_seconds=60))
    await kv.ping()  # connect before the start line, so the race is on the commands
    await asyncio.sleep(max(0.0, start_at - time.time()))
    results = await asyncio.gather(*(store.create_or_get("raced") for _ in range(tasks)))
    print(json.dumps([[job.job_id, created] for job, created in results]))
    await kv.aclose()

asyncio.run(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3])))
"""


def test_fifty_calls_from_ten_processes_create_exactly_one_job(redis_server: RedisServer) -> None:
    redis_server.client().flushall()
    start_at = time.time() + 3.0  # after every interpreter has started and connected
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, redis_server.url, str(start_at), "5"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(10)
    ]
    outputs = [proc.communicate(timeout=30)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 10
    results = [item for out in outputs for item in json.loads(out)]
    assert len(results) == 50
    assert len({job_id for job_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    client = redis_server.client()
    assert len(client.keys("job:*")) == 1  # the losers removed the records they wrote
    assert all(0 < client.pttl(key) <= 60_000 for key in client.keys("*"))
    client.flushall()
