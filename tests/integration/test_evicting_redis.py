"""On a Redis that evicts (allkeys-lru), a completed job never claims a result it lost."""

from __future__ import annotations

import contextlib
import time

from parley.settings import ExecutionMode, Settings
from tests.apps import app_client
from tests.redis_server import running_redis

CHAT = "12/01/2024, 09:{minute:02d} - Ana: message {n}\n12/01/2024, 09:59 - Ben: answer {n}\n"


async def test_a_job_whose_result_redis_evicted_reads_result_lost_never_has_result() -> None:
    args = ("--maxmemory", "3mb", "--maxmemory-policy", "allkeys-lru")
    with running_redis(args=args) as server, contextlib.closing(server.client()) as redis:
        settings = Settings(
            redis_url=server.url,
            redis_url_source="REDIS_URL",
            ttl_seconds=120,
            execution_mode=ExecutionMode.INLINE,
            analysis_processes=0,
        )
        async with app_client(settings) as client:
            jobs = []
            for n in range(12):
                content = CHAT.format(minute=n, n=n)
                done = await client.post("/api/analyze", json={"content": content})
                assert done.json()["status"] == "completed", done.text
                jobs.append(done.json()["jobId"])

            # Fill the store until Redis has evicted a result whose job it kept. The jobs
            # are read now and then, so the least recently used keys are the results.
            deadline = time.monotonic() + 60
            filler = 0
            while not any(
                redis.exists(f"job:{j}") and not redis.exists(f"result:{j}") for j in jobs
            ):
                assert time.monotonic() < deadline, "Redis evicted no result"
                for j in jobs:
                    redis.get(f"job:{j}")
                redis.set(f"filler:{filler}", b"x" * 32 * 1024, ex=120)
                filler += 1

            # Lift the limit, so that no read below evicts more: Redis evicts on any
            # command while over it, and a victim's job evicted too would leave no
            # victim to check (seen once on a busy machine).
            redis.config_set("maxmemory", 0)
            victims = [
                j for j in jobs if redis.exists(f"job:{j}") and not redis.exists(f"result:{j}")
            ]
            assert victims
            lost = 0
            for j in jobs:
                job = await client.get(f"/api/jobs/{j}")
                if job.status_code == 404:
                    continue  # the job itself was evicted: unknown, honestly
                result = await client.get(f"/api/jobs/{j}/result")
                # Redis may evict between the two reads (it evicts on any command while
                # over its limit): each answer is honest on its own, and none says
                # hasResult true without the result being there.
                answers = [job.json()] + ([result.json()] if result.status_code != 404 else [])
                for body in answers:
                    if body["hasResult"]:
                        continue
                    assert body["status"] == "failed", body
                    assert body["error"]["code"] == "result_lost", body
                if result.status_code == 200 and result.json()["hasResult"]:
                    assert result.json()["result"]["format"] == "whatsapp"
                lost += not all(body["hasResult"] for body in answers)
            assert lost == len(victims)
