"""Queue mode with real processes: `parley serve --mode queue` (which runs no analysis)
and `parley worker` processes, on a private redis-server or a Redis Cluster.

Every test waits on conditions with generous deadlines; none asserts a duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as redis_client
from bench._gen import messages, whatsapp_text

from tests.parley_server import (
    ParleyProcess,
    ParleyServer,
    ParleyWorker,
    running_parley,
    running_workers,
)
from tests.redis_cluster import running_cluster
from tests.redis_server import RedisServer, running_redis

FIXTURE = Path(__file__).parents[1] / "fixtures" / "formats" / "whatsapp_android_dmy_24h.txt"
WHATSAPP = FIXTURE.read_text()
QUEUE = "queue:analyses"

pytestmark = pytest.mark.e2e


@dataclass
class QueueTier:
    """A private redis-server, one `parley serve --mode queue`, and `parley worker`s."""

    redis: RedisServer
    web: ParleyServer
    workers: list[ParleyWorker]


@contextlib.contextmanager
def queue_tier(
    workers: int, *worker_args: str, redis_args: tuple[str, ...] = ()
) -> Iterator[QueueTier]:
    with (
        running_redis(args=redis_args) as redis,
        running_parley(redis.url, mode="queue") as (web,),
        running_workers(redis.url, workers, *worker_args) as started,
    ):
        yield QueueTier(redis, web, started)


def chat(i: int) -> str:
    """A distinct small conversation per analysis (distinct content, distinct job)."""
    return WHATSAPP + f"16/03/2023, 09:{i % 60:02d} - Tom Okafor: note number {i}\n"


@functools.cache
def big_chat(n: int = 100_000) -> str:
    """A group chat long enough that its analysis runs for a few seconds."""
    return whatsapp_text(messages(n, speakers=8, seed=11))


async def eventually(
    check: Callable[[], Awaitable[Any]], what: str, seconds: float = 120, every: float = 0.1
) -> Any:
    """The first truthy answer of `check`, asked until a generous deadline."""
    deadline = time.monotonic() + seconds
    while True:
        answer = await check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(every)


async def finished(client: httpx.AsyncClient, url: str, seen: list[str] | None = None) -> Any:
    """Poll a progress URL once: its body when the job has finished, else None. Every poll
    must answer 200 (a queued job is never 'not found', never a 5xx)."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    if seen is not None:
        seen.append(body["status"])
    return body if body["status"] in ("completed", "failed") else None


def children(pid: int) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
    ).stdout
    return [int(line) for line in found.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


async def running_owner(client: httpx.AsyncClient, job_url: str) -> str | None:
    """The worker running the job (its `owner`), once it runs."""
    job = (await client.get(job_url)).json()
    return job["owner"] if job["status"] == "running" else None


def command_line(pid: int) -> str:
    path = Path(f"/proc/{pid}/cmdline")
    return path.read_text().replace("\0", " ")[:200] if path.exists() else "?"


async def all_exit(pids: list[int], seconds: float = 30) -> None:
    """Every process of `pids` exits (multiprocessing's resource tracker, too, follows a
    moment after its parent); a deadline, and the command lines of any left."""

    async def gone() -> bool:
        return not [pid for pid in pids if alive(pid)]

    try:
        await eventually(gone, "the child processes to exit", seconds=seconds)
    except AssertionError:
        left = {pid: command_line(pid) for pid in pids if alive(pid)}
        raise AssertionError(f"child processes left behind: {left}") from None


def owner_worker(workers: list[ParleyWorker], owner: str) -> ParleyWorker:
    """The worker whose consumer name (host:pid:tag) is the job's owner."""
    (found,) = [w for w in workers if f":{w.pid}:" in owner]
    return found


def no_noise(process: ParleyProcess) -> None:
    log = process.log_path.read_text()
    assert "Traceback" not in log, log[-3000:]
    assert "leaked" not in log, log[-3000:]


async def test_one_web_process_and_two_workers_run_thirty_analyses() -> None:
    with queue_tier(2) as tier:
        redis, web, workers = tier.redis, tier.web, tier.workers
        async with httpx.AsyncClient(timeout=60, base_url=web.url) as client:
            posts = await asyncio.gather(
                *(client.post("/api/analyze", json={"content": chat(i)}) for i in range(30))
            )
            assert [p.status_code for p in posts] == [202] * 30
            assert {p.json()["status"] for p in posts} == {"queued"}
            for post in posts:
                url = post.json()["links"]["progress"]
                done = await eventually(functools.partial(finished, client, url), "an analysis")
                assert done["status"] == "completed", done
                result = await client.get(post.json()["links"]["result"])
                assert result.status_code == 200
                assert result.json()["result"]["overview"]["messages"] > 0
        # Both workers took work; the web process ran none.
        ran = [w.full_log().count('"event": "job_completed"') for w in workers]
        assert sum(ran) == 30
        assert min(ran) > 0, ran
        assert '"job_started"' not in web.log_path.read_text()
        with contextlib.closing(redis.client()) as r:
            assert r.xlen(QUEUE) == 0
            assert list(r.scan_iter("input:*")) == []


async def test_a_hundred_concurrent_posts_of_one_conversation_queue_one_job() -> None:
    with running_redis() as redis, running_parley(redis.url, mode="queue") as (web,):
        async with httpx.AsyncClient(timeout=60, base_url=web.url) as client:
            content = chat(1)
            posts = await asyncio.gather(
                *(client.post("/api/analyze", json={"content": content}) for _ in range(100))
            )
        assert {p.status_code for p in posts} <= {200, 202}
        assert len({p.json()["jobId"] for p in posts}) == 1
        assert [p.json()["deduplicated"] for p in posts].count(False) == 1
        with contextlib.closing(redis.client()) as r:
            assert r.xlen(QUEUE) == 1
            assert len(list(r.scan_iter("input:*"))) == 1


@pytest.mark.slow
async def test_kill_9_of_the_worker_running_a_job_another_worker_finishes_it() -> None:
    content = big_chat()
    with queue_tier(2) as tier:
        web, workers = tier.web, tier.workers
        async with httpx.AsyncClient(timeout=60, base_url=web.url) as client:
            post = await client.post("/api/analyze", json={"content": content})
            assert post.status_code == 202, post.text
            links = post.json()["links"]

            owner = await eventually(
                functools.partial(running_owner, client, links["job"]), "the job to start"
            )
            victim = owner_worker(workers, owner)
            victim.kill(signal.SIGKILL)  # the worker and its analysis process

            seen: list[str] = []
            done = await eventually(
                lambda: finished(client, links["progress"], seen), "another worker", every=0.2
            )
            assert done["status"] == "completed", done
            assert "failed" not in seen  # lost, then requeued: never failed on the way
            assert "queued" in seen
            job = (await client.get(links["job"])).json()
            assert (job["jobId"], job["attempts"]) == (post.json()["jobId"], 2)
            survivor = next(w for w in workers if w is not victim)
            assert f":{survivor.pid}:" in job["owner"]
            result = (await client.get(links["result"])).json()
            assert result["result"]["overview"]["messages"] == 100_000


@pytest.mark.slow
async def test_sigterm_hands_a_running_job_back_and_the_worker_exits_cleanly() -> None:
    content = big_chat()
    with queue_tier(2, "--grace", "0") as tier:
        web, workers = tier.web, tier.workers
        async with httpx.AsyncClient(timeout=60, base_url=web.url) as client:
            post = await client.post("/api/analyze", json={"content": content})
            links = post.json()["links"]

            owner = await eventually(
                functools.partial(running_owner, client, links["job"]), "the job to start"
            )
            victim = owner_worker(workers, owner)
            analyses = children(victim.pid)
            assert analyses
            victim.send(signal.SIGTERM)
            assert victim.wait(60) == 0
            await all_exit(analyses)
            no_noise(victim)
            done = await eventually(lambda: finished(client, links["progress"]), "the other worker")
            assert done["status"] == "completed", done
            job = (await client.get(links["job"])).json()
            assert job["attempts"] == 2


@pytest.mark.slow
async def test_analysis_processes_exit_when_their_worker_is_killed() -> None:
    with running_redis() as redis, running_workers(redis.url, 1, "--concurrency", "2") as (w,):
        analyses = children(w.pid)
        assert len(analyses) >= 2, analyses  # two analysis processes (and a tracker)
        w.send(signal.SIGKILL)  # the worker alone: its children are orphaned
        w.wait(10)
        await all_exit(analyses)


@pytest.mark.slow
async def test_a_redis_restart_loses_no_job_and_leaves_none_stuck() -> None:
    """Redis with an append-only file is killed and restarted while one job runs and
    others wait: every job completes, none is left queued or running."""
    aof = ("--appendonly", "yes", "--appendfsync", "always")
    with queue_tier(1, redis_args=aof) as tier:
        redis, web, workers = tier.redis, tier.web, tier.workers
        (worker,) = workers
        async with httpx.AsyncClient(timeout=60, base_url=web.url) as client:
            first = await client.post("/api/analyze", json={"content": big_chat(60_000)})
            rest = [await client.post("/api/analyze", json={"content": chat(i)}) for i in range(4)]
            assert [p.status_code for p in [first, *rest]] == [202] * 5

            async def started() -> bool:
                job = (await client.get(first.json()["links"]["job"])).json()
                return bool(job["status"] == "running")

            await eventually(started, "the first job to start")
            restart(redis)

            async def poll(url: str) -> Any:
                response = await client.get(url)
                if response.status_code == 503:  # the store is coming back: said, not hidden
                    return None
                assert response.status_code == 200, response.text
                body = response.json()
                return body if body["status"] in ("completed", "failed") else None

            for post in [first, *rest]:
                url = post.json()["links"]["progress"]
                done = await eventually(functools.partial(poll, url), "every job after the restart")
                assert done["status"] == "completed", (done, worker.log())


def restart(redis: RedisServer) -> None:
    redis.stop()  # kill -9: only what the append-only file holds survives
    time.sleep(0.5)
    redis.start()


@pytest.mark.slow
async def test_a_web_process_and_two_workers_on_a_redis_cluster() -> None:
    with (
        running_cluster() as cluster,
        running_parley(cluster.url, mode="queue") as (web,),
        running_workers(cluster.url, 2) as workers,
    ):
        async with httpx.AsyncClient(timeout=60, base_url=web.url) as client:
            health = (await client.get("/api/health")).json()
            assert (health["backend"], health["mode"]) == ("redis-cluster", "queue")
            posts = [await client.post("/api/analyze", json={"content": chat(i)}) for i in range(8)]
            for post in posts:
                assert post.status_code == 202, post.text
                url = post.json()["links"]["progress"]
                done = await eventually(functools.partial(finished, client, url), "an analysis")
                assert done["status"] == "completed"
                assert (await client.get(post.json()["links"]["result"])).status_code == 200
        assert sum(w.full_log().count('"event": "job_completed"') for w in workers) == 8
        # The keys of the jobs live on several primaries: no command touched two of them.
        holders = 0
        for node in cluster.nodes:
            with contextlib.closing(redis_client.Redis(port=node.port)) as r:
                holders += 1 if r.dbsize() else 0
        assert holders >= 2


@pytest.mark.slow
async def test_sigterm_to_the_whole_process_group_still_lets_the_job_finish() -> None:
    """systemd (KillMode=control-group) and `kill -TERM -PGID` signal the analysis
    processes too: they leave the stopping to their worker, which lets the running job
    finish within its grace period."""
    content = big_chat()
    with queue_tier(1, "--grace", "60") as tier:
        web, workers = tier.web, tier.workers
        (worker,) = workers
        async with httpx.AsyncClient(timeout=60, base_url=web.url) as client:
            post = await client.post("/api/analyze", json={"content": content})
            links = post.json()["links"]

            async def running() -> bool:
                return bool((await client.get(links["job"])).json()["status"] == "running")

            await eventually(running, "the job to start")
            os.killpg(worker.pid, signal.SIGTERM)
            assert worker.wait(120) == 0
            job = (await client.get(links["job"])).json()
            assert (job["status"], job["attempts"], job["handbacks"]) == ("completed", 1, 0)
        no_noise(worker)
