"""The job runner: progress relayed and throttled, heartbeats, outcomes, on both backends."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from parley.errors import JobConflictError, JobNotFoundError, WorkerLostError
from parley.jobs import ErrorCode, Job, JobInput, JobStatus, JobStore, StoreConfig
from parley.jobs.execution import ProcessExecution, ThreadExecution, Work
from parley.jobs.runner import JobRunner, StopPolicy
from parley.kv import KV
from parley.settings import ExecutionMode
from tests import work_functions as work
from tests.conftest import CONTRACT_TTL, fill
from tests.work_functions import given


@pytest.fixture
def store(kv: KV) -> JobStore:
    return JobStore(kv, StoreConfig(ttl_seconds=CONTRACT_TTL, stale_seconds=1.0))


@pytest.fixture
def threads() -> Iterator[ThreadExecution]:
    execution = ThreadExecution()
    yield execution
    execution.shutdown()


@pytest.fixture
async def processes() -> AsyncIterator[ProcessExecution]:
    execution = ProcessExecution(max_workers=2)
    await execution.start()
    yield execution
    execution.shutdown()


async def new_job(store: JobStore, conversation: str = "conv", **options: object) -> str:
    job, _ = await store.create_or_get(conversation, **options)  # type: ignore[arg-type]
    return job.job_id


def runner(
    store: JobStore, execution: ThreadExecution | ProcessExecution, fn: Work, **kw: object
) -> JobRunner:
    return JobRunner(store, execution, fn, **kw)  # type: ignore[arg-type]


async def test_a_job_runs_to_completion_with_its_result_stored(
    store: JobStore, threads: ThreadExecution
) -> None:
    job_id = await new_job(store)
    done = await runner(store, threads, work.count_to, progress_interval=0.05).run(
        job_id, given(n=100_000)
    )
    assert done.status is JobStatus.COMPLETED
    assert await store.get_result(job_id) == {"counted": 100_000}
    progress = await store.get_progress("conv")
    assert progress is not None
    assert (progress.status, progress.percent) == (JobStatus.COMPLETED, 100)


async def test_a_hundred_thousand_reports_become_a_handful_of_writes(
    store: JobStore, threads: ThreadExecution
) -> None:
    seen: list[float] = []
    job_id = await new_job(store)
    await runner(store, threads, work.count_to, progress_interval=10).run(
        job_id, given(n=100_000), on_progress=lambda s, p, m: seen.append(p)
    )
    assert 2 <= len(seen) < 1000  # the work-side throttle sends ~20 a second
    assert seen[-1] == 100


async def test_the_accepted_signal_carries_the_running_job(
    store: JobStore, threads: ThreadExecution
) -> None:
    accepted: list[Job] = []
    job_id = await new_job(store)
    await runner(store, threads, work.count_to).run(
        job_id, given(n=10), on_accepted=accepted.append
    )
    assert [(job.job_id, job.status) for job in accepted] == [(job_id, JobStatus.RUNNING)]


async def test_input_errors_fail_the_job_with_code_input_error(
    store: JobStore, threads: ThreadExecution
) -> None:
    job_id = await new_job(store)
    failed = await runner(store, threads, work.bad_input).run(job_id, given())
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert failed.error.code is ErrorCode.INPUT_ERROR
    assert "whatsapp" in failed.error.message
    assert "line 3" in failed.error.message
    assert failed.error.details == {"format": "whatsapp", "line": 3}


async def test_a_crash_in_the_work_fails_the_job_with_code_analysis_error(
    store: JobStore, threads: ThreadExecution
) -> None:
    job_id = await new_job(store)
    failed = await runner(store, threads, work.crash).run(job_id, given())
    assert failed.error is not None
    assert failed.error.code is ErrorCode.ANALYSIS_ERROR
    assert "boom" in failed.error.message
    progress = await store.get_progress("conv")
    assert progress is not None
    assert progress.status is JobStatus.FAILED


async def test_heartbeats_keep_a_long_job_alive_past_the_stale_limit(
    store: JobStore, threads: ThreadExecution
) -> None:
    job_id = await new_job(store)
    task = asyncio.create_task(
        runner(store, threads, work.slow, heartbeat_seconds=0.2).run(job_id, given(seconds=2.0))
    )
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
    job_id = await new_job(store)
    done = await runner(store, processes, work.count_to, progress_interval=0.01).run(
        job_id, given(n=200_000), on_progress=lambda s, p, m: seen.append((s, p))
    )
    assert done.status is JobStatus.COMPLETED
    assert seen[-1] == ("counting", 100)
    assert await store.get_result(job_id) == {"counted": 200_000}


async def test_a_large_input_crosses_to_the_analysis_process_intact(
    store: JobStore, processes: ProcessExecution
) -> None:
    data = bytes(range(256)) * 40_000  # 10 MB
    job_id = await new_job(store)
    done = await runner(store, processes, work.echo_size).run(
        job_id, JobInput(data, "chat.txt", None, {"k": [1, 2]})
    )
    assert done.status is JobStatus.COMPLETED
    assert await store.get_result(job_id) == {
        "bytes": len(data),
        "filename": "chat.txt",
        "options": {"k": [1, 2]},
    }


async def test_errors_in_another_process_fail_the_job_with_their_message(
    store: JobStore, processes: ProcessExecution
) -> None:
    job_id = await new_job(store)
    failed = await runner(store, processes, work.bad_input).run(job_id, given())
    assert failed.error is not None
    assert failed.error.code is ErrorCode.INPUT_ERROR
    assert "line 3" in failed.error.message


async def test_a_failed_job_ends_with_failed_progress_not_a_held_back_report(
    store: JobStore, threads: ThreadExecution
) -> None:
    job_id = await new_job(store)
    failed = await runner(store, threads, work.report_then_crash, progress_interval=0.5).run(
        job_id, given()
    )
    assert failed.status is JobStatus.FAILED
    progress = await store.get_progress("conv")
    assert progress is not None
    assert (progress.status, progress.error and progress.error.code) == (
        JobStatus.FAILED,
        ErrorCode.ANALYSIS_ERROR,
    )


async def test_a_job_waiting_for_a_free_slot_stays_running_not_lost(store: JobStore) -> None:
    """One slot, two jobs: the second reports nothing while it waits, and its heartbeats
    must keep its progress fresh past the stale limit (1 s here)."""
    execution = ThreadExecution(max_workers=1)
    try:
        sleeper = runner(store, execution, work.slow, heartbeat_seconds=0.2)
        first = await new_job(store, "first")
        second = await new_job(store, "second")
        holding = asyncio.Event()
        tasks = [
            asyncio.create_task(
                sleeper.run(first, given(seconds=2.0), on_accepted=lambda job: holding.set())
            )
        ]
        await asyncio.wait_for(holding.wait(), 30)  # the first holds the one slot
        tasks.append(asyncio.create_task(sleeper.run(second, given(seconds=0.1))))
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
    late = runner(store, threads, work.ticking, heartbeat_seconds=30, progress_interval=0.05)
    old_id = await new_job(store)
    old_run = asyncio.create_task(late.run(old_id, given(seconds=1.5)))
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
    job_id = await new_job(store)
    ticker = runner(store, threads, work.ticking, heartbeat_seconds=0.1, progress_interval=0.05)
    run = asyncio.create_task(ticker.run(job_id, given(seconds=1.0)))
    await asyncio.sleep(0.3)
    assert await store.erase("conv") >= 3
    with pytest.raises(JobNotFoundError):
        await run
    assert [key async for key in kv.scan("*")] == []


async def test_a_killed_analysis_process_fails_only_its_job_as_worker_lost(
    store: JobStore, processes: ProcessExecution
) -> None:
    """Two analyses in two processes; one process is killed (as the OOM killer would):
    its job fails as worker_lost, re-runnable; the other finishes; the next job runs."""
    other = asyncio.create_task(
        runner(store, processes, work.slow).run(await new_job(store, "other"), given(seconds=1.0))
    )
    killed = await runner(store, processes, work.die).run(await new_job(store, "killed"), given())
    assert killed.status is JobStatus.FAILED
    assert killed.error is not None
    assert killed.error.code is ErrorCode.WORKER_LOST
    assert killed.error.code.rerunnable
    assert "stopped unexpectedly" in killed.error.message
    assert (await other).status is JobStatus.COMPLETED
    after = await runner(store, processes, work.count_to).run(
        await new_job(store, "after"), given(n=10)
    )
    assert after.status is JobStatus.COMPLETED


async def test_a_lost_analysis_process_hands_a_queue_job_back(
    store: JobStore, processes: ProcessExecution
) -> None:
    job_id = await new_job(store, mode=ExecutionMode.QUEUE)
    back = await runner(store, processes, work.die, on_stop=StopPolicy.HAND_BACK).run(
        job_id, given()
    )
    assert (back.status, back.attempts, back.error) == (JobStatus.QUEUED, 1, None)
    progress = await store.get_progress("conv")
    assert progress is not None
    assert (progress.status, progress.stage) == (JobStatus.QUEUED, "queued")
    assert "another worker" in progress.message
    again = await runner(store, processes, work.count_to).run(job_id, given(n=3))
    assert (again.status, again.attempts) == (JobStatus.COMPLETED, 2)


async def test_a_run_stopped_by_shutdown_reads_as_worker_stopped_at_once(
    store: JobStore, threads: ThreadExecution
) -> None:
    job_id = await new_job(store)
    ticker = runner(store, threads, work.ticking, progress_interval=0.05)
    run = asyncio.create_task(ticker.run(job_id, given(seconds=1.0)))
    await asyncio.sleep(0.3)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    job = await store.get_job(job_id)
    progress = await store.get_progress("conv")
    assert job is not None
    assert progress is not None
    assert (job.status, job.error and job.error.code) == (
        JobStatus.FAILED,
        ErrorCode.WORKER_STOPPED,
    )
    assert progress.status is JobStatus.FAILED


async def test_a_queue_run_stopped_by_shutdown_is_handed_back_queued(
    store: JobStore, threads: ThreadExecution
) -> None:
    job_id = await new_job(store, mode=ExecutionMode.QUEUE)
    ticker = runner(store, threads, work.ticking, on_stop=StopPolicy.HAND_BACK)
    run = asyncio.create_task(ticker.run(job_id, given(seconds=1.0)))
    await asyncio.sleep(0.3)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    job = await store.get_job(job_id)
    assert job is not None
    assert (job.status, job.attempts, job.error) == (JobStatus.QUEUED, 1, None)


async def test_a_job_past_its_attempts_fails_as_attempts_exhausted_without_running(
    store: JobStore, threads: ThreadExecution
) -> None:
    job_id = await new_job(store, mode=ExecutionMode.QUEUE)
    for _ in range(2):  # two workers took it and were lost
        await store.hand_back(await store.start(job_id), "lost", lost=True)
    ran: list[float] = []
    done = await runner(store, threads, work.count_to, max_attempts=2).run(
        job_id, given(n=5), on_progress=lambda s, p, m: ran.append(p)
    )
    assert done.status is JobStatus.FAILED
    assert done.error is not None
    assert done.error.code is ErrorCode.ATTEMPTS_EXHAUSTED
    assert ran == []


async def test_a_store_full_at_the_result_ends_the_job_as_store_full(small_kv: KV) -> None:
    """The store fills up while the job runs, so its result does not fit: the runner
    frees what the job holds (its release), then records store_full — on Redis with a
    script allowed past maxmemory — rather than leaving the job to read as worker_lost."""
    store = JobStore(small_kv, StoreConfig(ttl_seconds=CONTRACT_TTL, stale_seconds=5))
    job_id = await new_job(store)
    released: list[str] = []
    gate = work.GATES.setdefault(job_id, threading.Event())

    async def release() -> None:
        released.append(job_id)

    threads = ThreadExecution()
    accepted = asyncio.Event()
    try:
        run = asyncio.create_task(
            JobRunner(store, threads, work.gated).run(
                job_id,
                given(gate=job_id, kb=200),
                release=release,
                on_accepted=lambda job: accepted.set(),
            )
        )
        await asyncio.wait_for(accepted.wait(), 30)
        await fill(small_kv)
        gate.set()
        done = await run
    finally:
        gate.set()
        work.GATES.pop(job_id, None)
        threads.shutdown()
    assert released == [job_id]
    assert done.error is not None
    assert done.error.code is ErrorCode.STORE_FULL
    stored = await store.get_job(job_id)
    progress = await store.get_progress("conv")
    assert stored is not None
    assert progress is not None
    assert (stored.status, progress.status) == (JobStatus.FAILED, JobStatus.FAILED)
    assert progress.error is not None
    assert progress.error.code is ErrorCode.STORE_FULL
    assert await store.get_result(job_id) is None


async def test_stopping_the_pool_while_a_process_starts_leaves_no_process() -> None:
    execution = ProcessExecution(max_workers=2)
    starting = asyncio.create_task(execution.start())
    deadline = time.monotonic() + 30
    while not execution.pids():  # spawned: usually still importing, not yet ready
        assert time.monotonic() < deadline, "no analysis process was spawned"
        await asyncio.sleep(0.001)
    execution.shutdown()
    # The start fails as lost work, or had just finished on a fast machine: either way,
    # nothing may be left running.
    with contextlib.suppress(WorkerLostError):
        await asyncio.wait_for(starting, 30)
    assert execution.pids() == []


@pytest.mark.parametrize("fn", [work.slow, work.crash], ids=["completed", "failed"])
async def test_an_ended_job_records_every_command_its_owner_sent_for_it(
    store: JobStore, threads: ThreadExecution, fn: Work
) -> None:
    job_id = await new_job(store)
    before = store.kv.commands.total
    ended = await runner(store, threads, fn, heartbeat_seconds=0.05).run(
        job_id,
        given(seconds=0.3),  # heartbeats too
    )
    sent = store.kv.commands.total - before  # nothing else runs in this test
    assert ended.commands == sent
    stored = await store.get_job(job_id)
    assert stored is not None
    assert stored.commands == sent
