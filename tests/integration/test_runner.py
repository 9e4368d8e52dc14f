"""The job runner: progress relayed and throttled, heartbeats, outcomes, on both backends."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator

import pytest

from parley.jobs import JobStatus, JobStore, StoreConfig
from parley.jobs.runner import JobRunner, ProcessExecution, ThreadExecution
from parley.kv import KV
from tests import work_functions as work
from tests.conftest import CONTRACT_TTL


@pytest.fixture
def store(kv: KV) -> JobStore:
    return JobStore(kv, StoreConfig(ttl_seconds=CONTRACT_TTL, stale_seconds=1.0))


@pytest.fixture
def threads() -> Iterator[ThreadExecution]:
    execution = ThreadExecution()
    yield execution
    execution.shutdown()


@pytest.fixture(scope="module")
def processes() -> Iterator[ProcessExecution]:
    execution = ProcessExecution(max_workers=1)
    execution.warm_up()
    yield execution
    execution.shutdown()


async def new_job(store: JobStore, conversation: str = "conv") -> str:
    job, _ = await store.create_or_get(conversation)
    return job.job_id


async def test_a_job_runs_to_completion_with_its_result_stored(
    store: JobStore, threads: ThreadExecution
) -> None:
    runner = JobRunner(store, threads, progress_interval=0.05)
    job_id = await new_job(store)
    done = await runner.run(job_id, functools.partial(work.count_to, 100_000))
    assert done.status is JobStatus.COMPLETED
    assert await store.get_result(job_id) == {"counted": 100_000}
    progress = await store.get_progress("conv")
    assert progress is not None
    assert (progress.status, progress.percent) == (JobStatus.COMPLETED, 100)


async def test_a_hundred_thousand_reports_become_a_handful_of_writes(
    store: JobStore, threads: ThreadExecution
) -> None:
    seen: list[float] = []
    runner = JobRunner(store, threads, progress_interval=10)
    job_id = await new_job(store)
    await runner.run(
        job_id, functools.partial(work.count_to, 100_000), lambda s, p, m: seen.append(p)
    )
    assert 2 <= len(seen) < 1000  # the work-side throttle sends ~20 a second
    assert seen[-1] == 100


async def test_input_errors_fail_the_job_with_code_input_error(
    store: JobStore, threads: ThreadExecution
) -> None:
    job_id = await new_job(store)
    failed = await JobRunner(store, threads).run(job_id, work.bad_input)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert failed.error.code == "input_error"
    assert "whatsapp" in failed.error.message
    assert "line 3" in failed.error.message
    assert failed.error.details == {"format": "whatsapp", "line": 3}


async def test_a_crash_in_the_work_fails_the_job_with_code_analysis_error(
    store: JobStore, threads: ThreadExecution
) -> None:
    job_id = await new_job(store)
    failed = await JobRunner(store, threads).run(job_id, work.crash)
    assert failed.error is not None
    assert failed.error.code == "analysis_error"
    assert "boom" in failed.error.message
    progress = await store.get_progress("conv")
    assert progress is not None
    assert progress.status is JobStatus.FAILED


async def test_heartbeats_keep_a_long_job_alive_past_the_stale_limit(
    store: JobStore, threads: ThreadExecution
) -> None:
    runner = JobRunner(store, threads, heartbeat_seconds=0.2)
    job_id = await new_job(store)
    task = asyncio.create_task(runner.run(job_id, functools.partial(work.slow, 2.0)))
    await asyncio.sleep(1.5)  # past the 1 s stale limit
    running = await store.get_job(job_id)
    assert running is not None
    assert running.status is JobStatus.RUNNING
    progress = await store.get_progress("conv")
    assert progress is not None
    assert progress.status is JobStatus.RUNNING
    assert (await task).status is JobStatus.COMPLETED


async def test_work_in_another_process_reports_progress_back(
    store: JobStore, processes: ProcessExecution
) -> None:
    seen: list[tuple[str, float]] = []
    runner = JobRunner(store, processes, progress_interval=0.01)
    job_id = await new_job(store)
    done = await runner.run(
        job_id, functools.partial(work.count_to, 200_000), lambda s, p, m: seen.append((s, p))
    )
    assert done.status is JobStatus.COMPLETED
    assert seen[-1] == ("counting", 100)
    assert await store.get_result(job_id) == {"counted": 200_000}


async def test_errors_in_another_process_fail_the_job_with_their_message(
    store: JobStore, processes: ProcessExecution
) -> None:
    job_id = await new_job(store)
    failed = await JobRunner(store, processes).run(job_id, work.bad_input)
    assert failed.error is not None
    assert failed.error.code == "input_error"
    assert "line 3" in failed.error.message
