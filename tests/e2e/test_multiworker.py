"""Proof against real processes: start, polls and result may each land on any worker.

Three `parley serve` processes share one private redis-server; a client sends every
request to a randomly chosen one. The same run on per-process memory stores shows the
failure parley exists to fix.
"""

from __future__ import annotations

import asyncio
import random
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench._gen import messages, whatsapp_text

from tests.parley_server import ParleyServer, running_parley
from tests.redis_server import RedisServer, running_redis
from tests.waiting import attempts

FIXTURE = Path(__file__).parents[1] / "fixtures" / "formats" / "whatsapp_android_dmy_24h.txt"
WHATSAPP = FIXTURE.read_text()

pytestmark = pytest.mark.e2e


def chat(i: int) -> str:
    """A distinct small conversation per analysis (distinct content, distinct job)."""
    return WHATSAPP + f"16/03/2023, 09:{i % 60:02d} - Tom Okafor: note number {i}\n"


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture(scope="module")
def shared(redis: RedisServer) -> Iterator[list[ParleyServer]]:
    with running_parley(redis.url, count=3) as servers:
        yield servers


class RandomRouter:
    """Sends each request to a random server and counts what came back."""

    def __init__(self, servers: list[ParleyServer], seed: int) -> None:
        self.urls = [server.url for server in servers]
        self.random = random.Random(seed)
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.started: list[str] = []
        self.client = httpx.AsyncClient(timeout=30)

    async def request(self, kind: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.request(method, self.random.choice(self.urls) + path, **kwargs)
        self.statuses[(kind, response.status_code)] += 1
        return response

    async def analyse(self, content: str, seconds: float = 60.0) -> dict[str, Any] | None:
        started = await self.request("start", "POST", "/api/analyze", json={"content": content})
        assert started.status_code == 202, started.text
        job = started.json()
        self.started.append(job["conversationId"])
        for _ in attempts(seconds):
            poll = await self.request("poll", "GET", job["links"]["progress"])
            if poll.status_code == 200 and poll.json()["status"] in ("completed", "failed"):
                break
            await asyncio.sleep(0.05)
        result = await self.request("result", "GET", job["links"]["result"])
        return result.json() if result.status_code == 200 else None


async def test_thirty_analyses_with_every_request_on_a_random_worker_all_complete(
    shared: list[ParleyServer],
) -> None:
    router = RandomRouter(shared, seed=1)
    try:
        async with asyncio.timeout(45):  # normally ~2 s: past this, say what each job does
            results = await asyncio.gather(*(router.analyse(chat(i)) for i in range(30)))
    except TimeoutError:
        states = [
            (await router.client.get(f"{shared[0].url}/api/progress/{job}")).text
            for job in router.started
        ]
        logs = "\n".join(server.log() for server in shared)
        pytest.fail(f"analyses still running after 45 s: {router.statuses}\n{states}\n{logs}")
    finally:
        await router.client.aclose()
    unfinished = [r for r in results if r is None or not r["hasResult"]]
    logs = "\n".join(server.log() for server in shared)
    assert unfinished == [], f"{unfinished}\n{logs}"
    assert {status for (_, status) in router.statuses} == {200, 202}
    assert router.statuses[("poll", 200)] >= 30
    assert router.statuses[("result", 200)] == 30


async def test_on_per_process_memory_stores_polls_and_results_are_not_found() -> None:
    """The bug parley exists to fix, kept as a test so nobody forgets it: with each
    process on its own memory, other processes answer 404 / hasResult false."""
    with running_parley(None, count=3) as servers:
        router = RandomRouter(servers, seed=2)
        try:
            results = await asyncio.gather(*(router.analyse(chat(i), seconds=3) for i in range(30)))
            # Deterministically too: a job started on one process is unknown to another.
            start = await router.client.post(
                f"{servers[0].url}/api/analyze?wait=true", json={"content": chat(99)}
            )
            assert start.status_code == 200
            elsewhere = await router.client.get(servers[1].url + start.json()["links"]["result"])
        finally:
            await router.client.aclose()
    assert elsewhere.status_code == 404
    assert elsewhere.json()["hasResult"] is False
    assert router.statuses[("poll", 404)] > 0
    assert sum(r is not None for r in results) < 30


async def test_a_hundred_concurrent_posts_for_one_conversation_create_one_job(
    shared: list[ParleyServer],
) -> None:
    content = chat(1000)
    async with httpx.AsyncClient(timeout=60) as client:
        responses = await asyncio.gather(
            *(
                client.post(shared[i % 3].url + "/api/analyze", json={"content": content})
                for i in range(100)
            )
        )
    assert {r.status_code for r in responses} <= {200, 202}
    assert len({r.json()["jobId"] for r in responses}) == 1
    assert [r.json()["deduplicated"] for r in responses].count(False) == 1


@pytest.mark.slow
async def test_a_killed_worker_reads_as_lost_and_a_new_post_runs_the_job_again(
    redis: RedisServer,
) -> None:
    big = whatsapp_text(messages(300_000, speakers=12, seed=3))
    with running_parley(redis.url, count=2, PARLEY_MAX_UPLOAD_BYTES=str(64 << 20)) as servers:
        victim, survivor = servers
        async with httpx.AsyncClient(timeout=120) as client:
            started = await client.post(f"{victim.url}/api/analyze", json={"content": big})
            assert started.status_code == 202, started.text
            job = started.json()
            progress = (await client.get(survivor.url + job["links"]["progress"])).json()
            assert progress["status"] == "running"

            victim.kill(signal.SIGKILL)  # the worker, its analysis process, everything

            for _ in attempts():  # the stale limit is 2 s
                progress = (await client.get(survivor.url + job["links"]["progress"])).json()
                if progress["status"] != "running":
                    break
                await asyncio.sleep(0.1)
            assert progress["status"] == "failed"
            assert progress["error"]["code"] == "worker_lost"
            lost = (await client.get(survivor.url + job["links"]["job"])).json()
            assert (lost["status"], lost["error"]["code"]) == ("failed", "worker_lost")

            again = await client.post(
                f"{survivor.url}/api/analyze?wait=true", json={"content": big}
            )
            assert again.status_code == 200, again.text
            assert again.json()["status"] == "completed"
            assert again.json()["jobId"] != job["jobId"]
            assert again.json()["result"]["overview"]["messages"] == 300_000


@pytest.mark.slow
async def test_when_redis_stops_health_and_polls_answer_503_and_recover_after_restart() -> None:
    with running_redis() as redis, running_parley(redis.url, count=2) as servers:
        async with httpx.AsyncClient(timeout=10) as client:  # no answer in 10 s: a hang
            started = await client.post(
                f"{servers[0].url}/api/analyze?wait=true", json={"content": chat(7)}
            )
            progress_path = started.json()["links"]["progress"]
            redis.stop()
            for server in servers:
                health = await client.get(f"{server.url}/api/health")
                assert health.status_code == 503
                assert health.json()["status"] == "unavailable"
                poll = await client.get(server.url + progress_path)
                assert poll.status_code == 503
                assert "unreachable" in poll.json()["error"]
                post = await client.post(f"{server.url}/api/analyze", json={"content": chat(8)})
                assert post.status_code == 503
            redis.start()  # same port, empty (no persistence)
            for server in servers:
                for _ in attempts():
                    health = await client.get(f"{server.url}/api/health")
                    if health.status_code == 200:
                        break
                    await asyncio.sleep(0.1)
                assert health.status_code == 200
                assert (await client.get(server.url + progress_path)).status_code == 404
