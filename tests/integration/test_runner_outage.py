"""A finished analysis survives a short outage of a real Redis: its final writes are
retried with backoff while heartbeats go on, until the stale limit is near."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from parley.errors import StoreUnavailableError
from parley.jobs import ErrorCode, Job, JobStatus, JobStore, StoreConfig
from parley.jobs.execution import ThreadExecution
from parley.jobs.runner import JobRunner
from parley.kv import RedisKV
from tests import work_functions as work
from tests.redis_server import RedisServer, running_redis
from tests.waiting import attempts
from tests.work_functions import given

# Every write on disk before its reply: a kill -9 and a restart keep the job's keys.
AOF = ("--appendonly", "yes", "--appendfsync", "always")


@dataclass
class Scene:
    server: RedisServer
    store: JobStore
    job: Job
    gate: threading.Event
    run: asyncio.Task[Job]


@contextlib.asynccontextmanager
async def analysis_waiting_at_its_end(stale: float) -> AsyncIterator[Scene]:
    """A job whose analysis has run and waits (at its gate) to hand in its result."""
    with running_redis(args=AOF) as server:
        kv = RedisKV.from_url(server.url, timeout=0.5, retries=0)
        store = JobStore(kv, StoreConfig(ttl_seconds=60, stale_seconds=stale))
        job, _ = await store.create_or_get("c1")
        gate = work.GATES.setdefault(job.job_id, threading.Event())
        threads = ThreadExecution()
        accepted = asyncio.Event()
        runner = JobRunner(store, threads, work.gated, heartbeat_seconds=0.5)
        run = asyncio.create_task(
            runner.run(job.job_id, given(gate=job.job_id), on_accepted=lambda j: accepted.set())
        )
        try:
            await asyncio.wait_for(accepted.wait(), 30)
            yield Scene(server, store, job, gate, run)
        finally:
            gate.set()
            work.GATES.pop(job.job_id, None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(run, 30)
            threads.shutdown()
            await kv.aclose()


async def test_a_result_finished_during_a_short_outage_is_kept() -> None:
    async with analysis_waiting_at_its_end(stale=6) as scene:
        scene.server.stop()
        scene.gate.set()  # the analysis ends while the store is down
        await asyncio.sleep(1.5)
        assert not scene.run.done()  # still retrying its final writes
        scene.server.start()
        done = await asyncio.wait_for(scene.run, 30)
        assert done.status is JobStatus.COMPLETED
        stored = await scene.store.get_job(scene.job.job_id)
        assert stored is not None
        assert stored.status is JobStatus.COMPLETED
        assert await scene.store.get_result(scene.job.job_id) is not None


async def test_an_outage_past_the_stale_limit_gives_up_and_the_job_reads_lost() -> None:
    async with analysis_waiting_at_its_end(stale=2) as scene:
        scene.server.stop()
        scene.gate.set()
        with pytest.raises(StoreUnavailableError):
            await asyncio.wait_for(scene.run, 30)
        scene.server.start()
        lost = None
        for _ in attempts():  # the stale limit passes after the owner gave up
            lost = await scene.store.get_job(scene.job.job_id)
            if lost is not None and lost.status is not JobStatus.RUNNING:
                break
            await asyncio.sleep(0.05)
        assert lost is not None
        assert lost.status is JobStatus.FAILED  # worker_lost: a new POST runs it again
        assert lost.error is not None
        assert lost.error.code is ErrorCode.WORKER_LOST
