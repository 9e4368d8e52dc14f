"""The job runner: progress relayed and throttled, heartbeats, outcomes, on both backends."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator

import pytest

from parley.errors import JobConflictError, JobNotFoundError
from parley.jobs import WORKER_STOPPED, JobStatus, JobStore, StoreConfig
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


async def test_a_failed_job_ends_with_failed_progress_not_a_held_back_report(
    store: JobStore, threads: ThreadExecution
) -> None:
    runner = JobRunner(store, threads, progress_interval=0.5)
    job_id = await new_job(store)
    failed = await runner.run(job_id, work.report_then_crash)
    assert failed.status is JobStatus.FAILED
    progress = await store.get_progress("conv")
    assert progress is not None
    assert (progress.status, progress.error and progress.error.code) == (
        JobStatus.FAILED,
        "analysis_error",
    )


async def test_a_job_waiting_for_a_free_slot_stays_running_not_lost(store: JobStore) -> None:
    """One slot, two jobs: the second reports nothing while it waits, and its heartbeats
    must keep its progress fresh past the stale limit (1 s here)."""
    execution = ThreadExecution(max_workers=1)
    try:
        runner = JobRunner(store, execution, heartbeat_seconds=0.2)
        first = await new_job(store, "first")
        second = await new_job(store, "second")
        tasks = [
            asyncio.create_task(runner.run(first, functools.partial(work.slow, 2.0))),
            asyncio.create_task(runner.run(second, functools.partial(work.slow, 0.1))),
        ]
        await asyncio.sleep(1.5)
        waiting = await store.get_progress("second")
        assert waiting is not None
        assert waiting.status is JobStatus.RUNNING, waiting
        assert [job.status for job in await asyncio.gather(*tasks)] == [JobStatus.COMPLETED] * 2
    finally:
        execution.shutdown()


async def test_an_owner_whose_job_was_replaced_stops_writing_progress(
    kv: KV, threads: ThreadExecution
) -> None:
    store = JobStore(kv, StoreConfig(ttl_seconds=CONTRACT_TTL, stale_seconds=0.5))
    # Its heartbeats never come in time: the job reads as lost while its work runs on.
    runner = JobRunner(store, threads, heartbeat_seconds=30, progress_interval=0.05)
    old_id = await new_job(store)
    old_run = asyncio.create_task(runner.run(old_id, functools.partial(work.ticking, 1.5)))
    await asyncio.sleep(0.8)
    replacement, created = await store.create_or_get("conv")
    assert created
    with pytest.raises(JobConflictError):
        await old_run
    progress = await store.get_progress("conv")
    assert progress is not None
    assert progress.job_id == replacement.job_id
    await store.erase("conv")


async def test_erasing_a_conversation_mid_run_leaves_no_key_behind(
    store: JobStore, kv: KV, threads: ThreadExecution
) -> None:
    runner = JobRunner(store, threads, heartbeat_seconds=0.1, progress_interval=0.05)
    job_id = await new_job(store)
    run = asyncio.create_task(runner.run(job_id, functools.partial(work.ticking, 1.0)))
    await asyncio.sleep(0.3)
    assert await store.erase("conv") >= 3
    with pytest.raises(JobNotFoundError):
        await run
    assert [key async for key in kv.scan("*")] == []


async def test_a_killed_analysis_process_fails_its_job_and_the_next_job_runs(
    store: JobStore,
) -> None:
    execution = ProcessExecution(max_workers=1)
    try:
        runner = JobRunner(store, execution)
        killed = await runner.run(await new_job(store, "killed"), work.die)
        assert killed.status is JobStatus.FAILED
        assert killed.error is not None
        assert "stopped unexpectedly" in killed.error.message
        after = await runner.run(
            await new_job(store, "after"), functools.partial(work.count_to, 10)
        )
        assert after.status is JobStatus.COMPLETED
    finally:
        execution.shutdown()


async def test_a_run_stopped_by_shutdown_reads_as_worker_stopped_at_once(
    store: JobStore, threads: ThreadExecution
) -> None:
    runner = JobRunner(store, threads, progress_interval=0.05)
    job_id = await new_job(store)
    run = asyncio.create_task(runner.run(job_id, functools.partial(work.ticking, 1.0)))
    await asyncio.sleep(0.3)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    job = await store.get_job(job_id)
    progress = await store.get_progress("conv")
    assert job is not None
    assert progress is not None
    assert (job.status, job.error and job.error.code) == (JobStatus.FAILED, WORKER_STOPPED)
    assert progress.status is JobStatus.FAILED
