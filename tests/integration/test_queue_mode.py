"""Queue mode on every backend, with workers in this process: submission stores the input
and one stream entry; workers run, acknowledge and clean up; lost work is claimed and run
again (fenced by attempts); a stopping worker hands its work back; a full queue or store
refuses a submission and leaves nothing behind."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from parley.errors import JobConflictError, QueueFullError, StoreFullError
from parley.jobs import ErrorCode, InputFile, Job, JobInput, JobStatus, JobStore, StoreConfig
from parley.jobs.drivers import QueueDriver, Submission
from parley.jobs.execution import Work
from parley.jobs.queue import JobQueue
from parley.kv import KV
from parley.settings import CommandBudget, ExecutionMode, Settings
from parley.worker import Worker
from tests import work_functions as work
from tests.conftest import CONTRACT_TTL, empty, fill
from tests.work_functions import given

# Ten missed heartbeats make a worker lost: a busy CI machine may stall one test's event
# loop for a second or more, which must not read as a death.
STALE = 2.0
SETTINGS = Settings(
    ttl_seconds=int(CONTRACT_TTL),
    heartbeat_seconds=0.2,
    stale_seconds=STALE,
    progress_interval_seconds=0.05,
    max_attempts=3,
)


def store_of(kv: KV) -> JobStore:
    return JobStore(kv, StoreConfig.from_settings(SETTINGS))


def driver_of(kv: KV, queue_max: int = 100) -> QueueDriver:
    store = store_of(kv)
    return QueueDriver(store, JobQueue(kv, store.keys, CONTRACT_TTL), queue_max=queue_max)


async def submit(kv: KV, conversation: str, input: JobInput | None = None) -> Job:
    submitted = await driver_of(kv).submit(Submission(conversation, input or given(n=3)))
    return submitted.job


class Running:
    """A worker running in a task of this test, stopped (and awaited) at the end."""

    def __init__(self, kv: KV, fn: Work = work.count_to, **options: Any) -> None:
        options.setdefault("processes", False)
        self.worker = Worker(SETTINGS, work=fn, **options)
        self.task = asyncio.create_task(self.worker.run(kv))

    async def stop(self) -> None:
        self.worker.stop()
        await asyncio.wait_for(self.task, 30)


@pytest.fixture
async def workers(kv: KV) -> AsyncIterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(fn: Work = work.count_to, **options: Any) -> Running:
        running = Running(kv, fn, **options)
        started.append(running)
        return running

    yield start
    for running in started:
        if not running.task.done():
            await running.stop()


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 30) -> None:
    """Wait for a condition, with a generous deadline (busy machines are slow)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def job_status(store: JobStore, job_id: str) -> JobStatus | None:
    job = await store.get_job(job_id)
    return None if job is None else job.status


async def stream_length(kv: KV) -> int:
    info = await JobQueue(kv, store_of(kv).keys, CONTRACT_TTL).info()
    return info.length


async def test_a_submitted_job_waits_with_its_input_and_one_stream_entry(kv: KV) -> None:
    job = await submit(kv, "c1", JobInput(b"hello", "chat.txt", "whatsapp"))
    assert (job.status, job.mode) == (JobStatus.QUEUED, ExecutionMode.QUEUE)
    store = store_of(kv)
    stored = await store.load_input(job.job_id)
    assert stored == JobInput(b"hello", "chat.txt", "whatsapp", {})
    info = await JobQueue(kv, store.keys, CONTRACT_TTL).info()
    assert (info.length, info.waiting, info.pending) == (1, 1, 0)
    assert (await kv.ttl(store.keys.input(job.job_id)) or 0) > CONTRACT_TTL - 5


async def test_an_input_of_several_files_is_stored_and_read_back_whole(kv: KV) -> None:
    several = JobInput(
        b"first", "a.txt", "whatsapp", {"pseudonymise": True},
        (InputFile(b"second file", "b.json", None), InputFile(b"", "empty.txt", "signal")),
    )  # fmt: skip
    job = await submit(kv, "c-several", several)
    stored = await store_of(kv).load_input(job.job_id)
    assert stored == several
    assert stored is not None
    assert [f.data for f in stored.files] == [b"first", b"second file", b""]


async def test_a_burst_worker_runs_the_queue_empty_then_exits(
    kv: KV, workers: Callable[..., Running]
) -> None:
    jobs = [await submit(kv, f"c{i}", given(n=i + 1)) for i in range(3)]
    running = workers(burst=True)
    await asyncio.wait_for(running.task, 30)
    store = store_of(kv)
    for i, job in enumerate(jobs):
        done = await store.get_job(job.job_id)
        assert done is not None
        assert (done.status, done.attempts) == (JobStatus.COMPLETED, 1)
        assert await store.get_result(job.job_id) == {"counted": i + 1}
        assert await store.load_input(job.job_id) is None  # deleted once the job ended
    assert running.worker.completed == 3
    assert await stream_length(kv) == 0
    info = await JobQueue(kv, store.keys, CONTRACT_TTL).info()
    assert running.worker.consumer not in info.consumers  # it left the group


async def test_an_idle_worker_takes_a_job_the_moment_it_is_queued(
    kv: KV, workers: Callable[..., Running]
) -> None:
    workers()
    await asyncio.sleep(0.3)  # the worker is waiting in its read
    job = await submit(kv, "c1")
    store = store_of(kv)
    await until(lambda: _is(store, job.job_id, JobStatus.COMPLETED), "the job to complete")


async def _is(store: JobStore, job_id: str, status: JobStatus) -> bool:
    return await job_status(store, job_id) is status


async def test_a_hundred_concurrent_submissions_make_one_job_and_one_entry(kv: KV) -> None:
    driver = driver_of(kv)
    submitted = await asyncio.gather(
        *(driver.submit(Submission("same", given(n=1))) for _ in range(100))
    )
    assert len({s.job.job_id for s in submitted}) == 1
    assert [s.created for s in submitted].count(True) == 1
    assert await stream_length(kv) == 1


async def test_a_job_waiting_in_the_queue_is_not_lost_by_waiting(kv: KV) -> None:
    job = await submit(kv, "c1")
    await asyncio.sleep(STALE * 1.5)
    store = store_of(kv)
    waiting = await store.get_job(job.job_id)
    progress = await store.get_progress("c1")
    assert waiting is not None
    assert progress is not None
    assert (waiting.status, progress.status, progress.error) == (
        JobStatus.QUEUED,
        JobStatus.QUEUED,
        None,
    )
    again = await submit(kv, "c1")
    assert again.job_id == job.job_id  # still the one job, not replaced


async def die_holding(kv: KV, conversation: str) -> Job:
    """A worker that takes a job, starts it, and dies: its entry stays pending, its
    heartbeat stops."""
    job = await submit(kv, conversation)
    queue = JobQueue(kv, store_of(kv).keys, CONTRACT_TTL)
    (entry,) = await queue.read("dead-worker", 1, None)
    assert entry.job_id == job.job_id
    return await store_of(kv).start(job.job_id)


async def test_a_dead_workers_job_reads_requeued_then_runs_again_with_attempts_2(
    kv: KV, workers: Callable[..., Running]
) -> None:
    store = store_of(kv)
    old_owner = await die_holding(kv, "c1")
    await asyncio.sleep(STALE * 1.2)
    lost = await store.get_progress("c1")
    assert lost is not None
    assert (lost.status, lost.stage) == (JobStatus.QUEUED, "requeued")
    workers()
    await until(lambda: _is(store, old_owner.job_id, JobStatus.COMPLETED), "the claimed job")
    done = await store.get_job(old_owner.job_id)
    assert done is not None
    assert done.attempts == 2
    with pytest.raises(JobConflictError):  # the old owner, back from the dead, is fenced
        await store.complete(old_owner, {"from": "the dead"})
    assert await store.get_result(old_owner.job_id) == {"counted": 3}
    await until(lambda: _zero(stream_length(kv)), "the stream to empty")


async def _zero(length: Awaitable[int]) -> bool:
    return await length == 0


async def _counted(running: Running, jobs: int) -> bool:
    return running.worker.completed == jobs


async def test_a_long_job_with_a_fresh_heartbeat_is_not_claimed(
    kv: KV, workers: Callable[..., Running]
) -> None:
    """Its entry idles past the stale limit (owners do not touch entries), but its
    heartbeat is fresh: other workers leave it alone."""
    first = workers(work.ticking)
    job = await submit(kv, "long", given(seconds=STALE * 3))
    store = store_of(kv)
    await until(lambda: _is(store, job.job_id, JobStatus.RUNNING), "the job to start")
    second = workers(work.ticking)
    await until(lambda: _is(store, job.job_id, JobStatus.COMPLETED), "the job to complete")
    # the worker counts a job once its runner returns, a moment after the store says so
    await until(lambda: _counted(first, 1), "the first worker to count it")
    done = await store.get_job(job.job_id)
    assert done is not None
    assert done.attempts == 1
    assert (first.worker.completed, second.worker.completed) == (1, 0)


async def test_a_job_lost_too_often_fails_as_attempts_exhausted(
    kv: KV, workers: Callable[..., Running]
) -> None:
    store = store_of(kv)
    job = await die_holding(kv, "c1")
    for _ in range(2):  # lost twice more, each time handed back by a worker that died
        await store.hand_back(job, "lost", lost=True)
        job = await store.start(job.job_id)
    assert job.attempts == 3
    await asyncio.sleep(STALE * 1.2)
    workers()
    await until(lambda: _is(store, job.job_id, JobStatus.FAILED), "the job to fail")
    failed = await store.get_job(job.job_id)
    assert failed is not None
    assert failed.error is not None
    assert failed.error.code is ErrorCode.ATTEMPTS_EXHAUSTED


async def test_a_stopped_worker_hands_its_job_back_and_another_finishes_it(
    kv: KV, workers: Callable[..., Running]
) -> None:
    store = store_of(kv)
    leaving = workers(work.ticking, grace=0)
    job = await submit(kv, "c1", given(seconds=30))
    await until(lambda: _is(store, job.job_id, JobStatus.RUNNING), "the job to start")
    await leaving.stop()
    back = await store.get_job(job.job_id)
    assert back is not None
    assert (back.status, back.attempts) == (JobStatus.QUEUED, 1)
    info = await JobQueue(kv, store.keys, CONTRACT_TTL).info()
    assert (info.waiting, info.pending) == (1, 0)  # a fresh entry: claimable at once
    assert await store.load_input(job.job_id) is not None
    workers(work.echo_size, burst=True)
    await until(lambda: _is(store, job.job_id, JobStatus.COMPLETED), "another worker")
    done = await store.get_job(job.job_id)
    assert done is not None
    assert done.attempts == 2


async def test_a_job_whose_input_is_gone_fails_as_input_missing(
    kv: KV, workers: Callable[..., Running]
) -> None:
    store = store_of(kv)
    job = await submit(kv, "c1")
    await store.delete_input(job.job_id)
    running = workers(burst=True)
    await asyncio.wait_for(running.task, 30)
    failed = await store.get_job(job.job_id)
    assert failed is not None
    assert failed.error is not None
    assert failed.error.code is ErrorCode.INPUT_MISSING
    assert await stream_length(kv) == 0


async def test_a_full_queue_refuses_a_submission_and_writes_nothing(kv: KV) -> None:
    driver = driver_of(kv, queue_max=2)
    for i in range(2):
        await driver.submit(Submission(f"c{i}", given(n=1)))
    before = sorted([key async for key in kv.scan("*")])
    with pytest.raises(QueueFullError, match="PARLEY_QUEUE_MAX=2"):
        await driver.submit(Submission("c-late", given(n=1)))
    assert sorted([key async for key in kv.scan("*")]) == before


async def notice_when_requeued(kv: KV, conversation: str) -> None:
    """What a web process does when a poll finds a job whose worker went silent."""
    await asyncio.sleep(STALE * 1.2)
    progress = await store_of(kv).get_progress(conversation)
    assert progress is not None
    assert progress.stage == "requeued"
    driver = driver_of(kv)
    driver.notice(progress)
    await driver.join()


async def test_a_poll_of_a_silent_job_wakes_an_idle_worker_to_claim_it(
    kv: KV, workers: Callable[..., Running]
) -> None:
    """The worker checks for lost work only when told (its own checks are an hour
    apart here): the web tier's notice of a requeued job is what wakes it."""
    store = store_of(kv)
    job = await die_holding(kv, "c1")
    workers(claim_interval=3600)
    await notice_when_requeued(kv, "c1")
    await until(lambda: _is(store, job.job_id, JobStatus.COMPLETED), "the woken worker")


async def test_a_submission_the_store_cannot_hold_leaves_no_job_behind(small_kv: KV) -> None:
    """The job and its index fit; the input (or the stream entry after it) does not: the
    submission fails as store_full and takes back everything it wrote."""
    await fill(small_kv, then_free=1)
    before = {key async for key in small_kv.scan("*")}
    with pytest.raises(StoreFullError):
        await driver_of(small_kv).submit(
            Submission("c1", JobInput(os.urandom(400 * 1024).hex().encode()))
        )
    left = {key async for key in small_kv.scan("*")} - before
    assert {key for key in left if not key.startswith("queue:")} == set()
    assert await store_of(small_kv).find_job("c1") is None


async def test_a_job_whose_start_the_full_store_refused_runs_once_there_is_room(
    small_kv: KV,
) -> None:
    """The worker's first go fails on the store (full): its entry stays pending, and the
    worker keeps watching it, so the job runs once memory is free again — it is not left
    queued with every worker blocked on an empty read."""
    store = store_of(small_kv)
    job = await submit(small_kv, "c1")
    await fill(small_kv)
    running = Running(small_kv, work.count_to)
    try:
        await asyncio.sleep(STALE)  # its first go has failed by now
        first = await store.get_job(job.job_id)
        assert first is not None
        assert first.status is JobStatus.QUEUED
        await empty(small_kv)  # room again
        await until(lambda: _is(store, job.job_id, JobStatus.COMPLETED), "the job to run")
    finally:
        await running.stop()


async def test_a_lost_job_behind_long_running_ones_is_claimed(
    kv: KV, workers: Callable[..., Running]
) -> None:
    """Long jobs of a live worker hold the first pending entries (their entries idle past
    the stale limit): a check pages past them to the lost job behind."""
    store = store_of(kv)
    busy = workers(work.ticking, concurrency=2, grace=0)  # hands them back at the end
    long_jobs = [await submit(kv, f"long-{i}", given(seconds=STALE * 8)) for i in range(2)]
    for job in long_jobs:
        await until(functools.partial(_is, store, job.job_id, JobStatus.RUNNING), "long jobs")
    lost = await die_holding(kv, "lost")
    await asyncio.sleep(STALE * 1.5)  # the long jobs' entries and the lost one are idle
    workers(work.count_to, claim_page=1)
    await until(lambda: _is(store, lost.job_id, JobStatus.COMPLETED), "the lost job")
    assert [await job_status(store, job.job_id) for job in long_jobs] == [JobStatus.RUNNING] * 2
    assert busy.worker.completed == 0


async def test_a_queue_job_that_never_reached_the_stream_is_replaced(kv: KV) -> None:
    """Its POST died between writing the job and adding it to the stream: after the stale
    limit, a new POST replaces it instead of getting the job nobody will run."""
    store = store_of(kv)
    orphan, _ = await store.create_or_get("c1", mode=ExecutionMode.QUEUE)
    assert (await submit(kv, "c1")).job_id == orphan.job_id  # within the stale limit
    await asyncio.sleep(STALE * 1.2)
    fresh = await submit(kv, "c1")
    assert fresh.job_id != orphan.job_id
    progress = await store.get_progress("c1")
    assert progress is not None
    assert (progress.job_id, progress.status) == (fresh.job_id, JobStatus.QUEUED)


async def test_clean_hand_backs_do_not_count_as_lost_attempts(
    kv: KV, workers: Callable[..., Running]
) -> None:
    """Rolling deploys: a job handed back by four stopping workers still runs on the
    fifth (PARLEY_MAX_ATTEMPTS counts losses, not clean hand-backs)."""
    store = store_of(kv)
    job = await submit(kv, "c1", given(seconds=30))
    for _ in range(4):
        leaving = workers(work.ticking, grace=0)
        await until(lambda: _is(store, job.job_id, JobStatus.RUNNING), "the job to start")
        await leaving.stop()
    back = await store.get_job(job.job_id)
    assert back is not None
    assert (back.attempts, back.handbacks, back.losses) == (4, 4, 0)
    workers(work.echo_size)
    await until(lambda: _is(store, job.job_id, JobStatus.COMPLETED), "the fifth worker")


async def test_a_long_run_keeps_its_input_and_its_stream_alive(
    kv: KV, workers: Callable[..., Running]
) -> None:
    """A run longer than the TTL (3 s here) keeps what another worker would need to run
    the job again, should this one be lost: its input, and the stream with its entry."""
    settings = SETTINGS.with_overrides(ttl_seconds=3)
    store = JobStore(kv, StoreConfig.from_settings(settings))
    queue = JobQueue(kv, store.keys, 3)
    driver = QueueDriver(store, queue, queue_max=10)
    job = (await driver.submit(Submission("c1", given(seconds=5)))).job
    runner = Worker(settings, work=work.ticking, processes=False)
    task = asyncio.create_task(runner.run(kv))
    try:
        await until(lambda: _is(store, job.job_id, JobStatus.RUNNING), "the job to start")
        await asyncio.sleep(4)  # past the TTL of everything the POST wrote
        assert await store.load_input(job.job_id) is not None
        assert await kv.ttl(queue.key) is not None
        info = await queue.info()
        assert info.pending == 1
        await until(lambda: _is(store, job.job_id, JobStatus.COMPLETED), "the job to end")
    finally:
        runner.stop()
        await asyncio.wait_for(task, 30)


async def test_a_burst_worker_claims_pending_work_of_a_lost_worker_before_it_exits(
    kv: KV, workers: Callable[..., Running]
) -> None:
    store = store_of(kv)
    job = await die_holding(kv, "c1")
    running = workers(burst=True)
    await asyncio.wait_for(running.task, 30)
    done = await store.get_job(job.job_id)
    assert done is not None
    assert (done.status, done.attempts) == (JobStatus.COMPLETED, 2)


async def test_a_claimed_workers_consumer_is_forgotten(
    kv: KV, workers: Callable[..., Running]
) -> None:
    store = store_of(kv)
    job = await die_holding(kv, "c1")
    await asyncio.sleep(STALE * 1.2)
    workers()
    await until(lambda: _is(store, job.job_id, JobStatus.COMPLETED), "the claimed job")
    info = await JobQueue(kv, store.keys, CONTRACT_TTL).info()
    assert "dead-worker" not in info.consumers


async def test_a_poll_adds_no_wake_up_while_entries_wait(kv: KV) -> None:
    """A waiting entry means no worker is idle to read a wake-up: it would only wait too,
    and count as a waiting job."""
    store = store_of(kv)
    lost = await die_holding(kv, "lost")
    await submit(kv, "waiting")  # no worker takes it
    await notice_when_requeued(kv, "lost")
    info = await JobQueue(kv, store.keys, CONTRACT_TTL).info()
    assert (info.waiting, info.pending) == (1, 1)  # the waiting job; the lost one's entry
    assert lost.status is JobStatus.RUNNING


async def test_a_worker_with_a_budget_adds_what_it_sent_to_the_periods_counter(kv: KV) -> None:
    await submit(kv, "c-budget", given(n=5))
    sent_before = kv.commands.total  # the submission's, by this test's "web process"
    budget = CommandBudget(10_000, "day")
    worker = Worker(SETTINGS.with_overrides(command_budget=budget), work=work.count_to,
                    processes=False, burst=True)  # fmt: skip
    await asyncio.wait_for(worker.run(kv), 30)
    assert worker.completed == 1
    totals: dict[str, int] = {}
    async for key in kv.scan("usage:*"):
        totals = await kv.add_counts(key, {}, CONTRACT_TTL)
        await kv.delete(key)  # it outlives the contract's TTL
    # one store stands for both processes here: the counter holds everything sent until
    # the worker's last flush, as it exited
    assert sent_before < totals["commands"] <= kv.commands.total
    assert totals["analyses"] == 0  # the worker started none: the web process did
