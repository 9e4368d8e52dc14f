"""The execution modes, as drivers behind one small interface: submit a job with its
input, and learn what happened to it. The HTTP route does not know which one runs.

    InlineDriver      the request runs the job to its end, in a thread (serverless)
    BackgroundDriver  the job runs in this process's analysis pool; the request returns
                      once the input has parsed (so a broken file is still a 400)
    QueueDriver       the input is stored, the job id added to the queue's stream, and
                      `parley worker` processes anywhere run it; this process runs none
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from parley.errors import QueueFullError, StoreError
from parley.jobs.input import JobInput
from parley.jobs.models import REQUEUED, Job, JobStatus, Progress
from parley.jobs.queue import JobQueue
from parley.jobs.runner import JobRunner
from parley.jobs.store import JobStore
from parley.log import get_logger
from parley.settings import ExecutionMode

__all__ = [
    "BackgroundDriver",
    "Driver",
    "InlineDriver",
    "QueueDriver",
    "Submission",
    "Submitted",
]

log = get_logger("parley.drivers")

T = TypeVar("T")

# How long a background POST waits for its input to be parsed, to answer 400 for a
# malformed file rather than 202 for a job that will fail. Parsing 250k messages takes
# about two seconds; past this, the POST answers 202 and the job reports any error.
ACCEPT_WAIT_SECONDS = 20.0
# How long a `?wait=true` POST waits for a queued job to finish (a serverless function's
# own limit is usually lower, and ends the request first).
QUEUE_WAIT_SECONDS = 300.0
# Inputs above this are compressed off the event loop before they are stored.
_OFFLOAD_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class Submission:
    conversation_id: str
    input: JobInput
    force: bool = False  # run again even when a completed job exists
    wait: bool = False  # answer only once the job has finished
    token_hash: str | None = None  # a new job's owner token, hashed (jobs.tokens)
    input_hash: str | None = None  # what it analyses, hashed: other content is another job


@dataclass(frozen=True, slots=True)
class Submitted:
    """What happened to a submission: the job as it stands (queued or running once
    accepted; completed or failed when it ran to its end or its input was rejected), and
    whether this submission created it (False: an existing job, deduplicated)."""

    job: Job
    created: bool


class Driver(Protocol):
    mode: ExecutionMode

    async def start(self) -> None:
        """Get ready before the first submission (analysis processes, say)."""

    async def submit(self, submission: Submission) -> Submitted: ...

    def notice(self, progress: Progress) -> None:
        """A reader saw this progress: the driver may act on a job that looks lost."""

    async def aclose(self) -> None:
        """Stop: let running jobs end for a moment, then stop them (they say so)."""

    def abandon(self) -> None:
        """Stop at once, without awaiting anything (the loop it ran on is gone)."""

    async def join(self) -> None:
        """Wait until the jobs this process runs (if any) have ended."""


class _Base:
    mode: ExecutionMode

    def __init__(self, store: JobStore) -> None:
        self.store = store

    async def start(self) -> None:
        return None

    async def _create(self, submission: Submission) -> tuple[Job, bool]:
        return await self.store.create_or_get(
            submission.conversation_id,
            force=submission.force,
            mode=self.mode,
            token_hash=submission.token_hash,
            input_hash=submission.input_hash,
        )

    def notice(self, progress: Progress) -> None:
        return None

    def abandon(self) -> None:
        return None

    async def join(self) -> None:
        return None


class _Running(_Base):
    """A driver whose jobs run in this process, through its runner's execution."""

    def __init__(self, store: JobStore, runner: JobRunner) -> None:
        super().__init__(store)
        self.runner = runner

    async def start(self) -> None:
        await self.runner.execution.start()

    def abandon(self) -> None:
        self.runner.execution.shutdown()


class InlineDriver(_Running):
    """The submitting request runs the job to its end (serverless functions)."""

    mode = ExecutionMode.INLINE

    async def submit(self, submission: Submission) -> Submitted:
        job, created = await self._create(submission)
        if not created:
            return Submitted(job, False)
        return Submitted(await self.runner.run(job.job_id, submission.input), True)

    async def aclose(self) -> None:
        self.runner.execution.shutdown()


class BackgroundDriver(_Running):
    """The job runs in this process (its analysis pool) after the request returns."""

    mode = ExecutionMode.BACKGROUND

    def __init__(
        self,
        store: JobStore,
        runner: JobRunner,
        *,
        accept_wait: float = ACCEPT_WAIT_SECONDS,
        grace: float = 5.0,
    ) -> None:
        super().__init__(store, runner)
        self.accept_wait = accept_wait
        self.grace = grace
        self.tasks: set[asyncio.Task[Any]] = set()

    async def submit(self, submission: Submission) -> Submitted:
        job, created = await self._create(submission)
        if not created:
            return Submitted(job, False)
        accepted: asyncio.Future[Job] = asyncio.get_running_loop().create_future()

        def on_accepted(running: Job) -> None:
            if not accepted.done():
                accepted.set_result(running)

        task = self._spawn(
            self.runner.run(job.job_id, submission.input, on_accepted=on_accepted),
            jobId=job.job_id,
        )
        if submission.wait:
            return Submitted(await asyncio.shield(task), True)
        await asyncio.wait(
            {task, accepted}, timeout=self.accept_wait, return_when="FIRST_COMPLETED"
        )
        if task.done() and not task.cancelled() and task.exception() is None:
            return Submitted(task.result(), True)  # finished (or rejected) already
        if accepted.done():
            return Submitted(accepted.result(), True)
        accepted.cancel()
        return Submitted(await self.store.get_job(job.job_id) or job, True)

    def _spawn(self, coro: Coroutine[Any, Any, T], **context: Any) -> asyncio.Task[T]:
        """Run a coroutine in the background, keeping a reference until it ends, and log
        its failure (nobody awaits it to see the exception)."""
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        task.add_done_callback(lambda t: _log_failure(t, context))
        return task

    async def aclose(self) -> None:
        """Let running analyses finish for a moment, then stop the rest; their jobs are
        recorded as failed/worker_stopped so pollers learn it at once."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=self.grace)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.runner.execution.shutdown()

    async def join(self) -> None:
        await asyncio.gather(*self.tasks, return_exceptions=True)


class QueueDriver(_Base):
    """Stores the input, writes the job and adds it to the queue; workers run it."""

    mode = ExecutionMode.QUEUE

    def __init__(
        self, store: JobStore, queue: JobQueue, *, queue_max: int, wait: float = QUEUE_WAIT_SECONDS
    ) -> None:
        super().__init__(store)
        self.queue = queue
        self.queue_max = queue_max
        self.wait = wait
        # Wake-ups sent per job, so a page polling a lost job does not add one per poll.
        self._woken: dict[str, float] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    async def submit(self, submission: Submission) -> Submitted:
        info = await self.queue.info()
        if info.waiting >= self.queue_max:
            raise QueueFullError(
                f"{info.waiting} analyses are waiting for a worker, the most this server "
                f"queues (PARLEY_QUEUE_MAX={self.queue_max}); try again in a moment"
            )
        job, created = await self._create(submission)
        if not created:
            return Submitted(job, False)
        data = submission.input
        encoded = (
            await asyncio.to_thread(data.encode) if data.size > _OFFLOAD_BYTES else data.encode()
        )
        try:
            await self.store.save_input(job, encoded)
            await self.queue.enqueue(job.job_id)
        except StoreError:
            await self.store.discard(job)  # no job without its input, no input without a job
            raise
        await self.store.announce(job)  # it is in the stream: readers see it queued
        log.info("job_enqueued", jobId=job.job_id, conversationId=job.conversation_id,
                 inputBytes=len(encoded))  # fmt: skip
        if submission.wait:
            return Submitted(await self._finished(job), True)
        return Submitted(job, True)

    async def _finished(self, job: Job) -> Job:
        """The job once a worker has finished it, read with a growing pause."""
        deadline = time.monotonic() + self.wait
        pause = 0.1
        while time.monotonic() < deadline:
            current = await self.store.get_job(job.job_id)
            if current is None or current.status.finished:
                return current or job
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, 1.0)
        return await self.store.get_job(job.job_id) or job

    def notice(self, progress: Progress) -> None:
        """A job whose worker went silent reads as requeued: wake an idle worker to claim
        it now, at most once per job per stale limit from this process."""
        if progress.status is not JobStatus.QUEUED or progress.stage != REQUEUED:
            return
        now = time.monotonic()
        if now - self._woken.get(progress.job_id, -1e9) < self.store.config.stale_seconds:
            return
        self._woken = {k: t for k, t in self._woken.items() if now - t < 3600}
        self._woken[progress.job_id] = now
        task = asyncio.ensure_future(self._wake())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda t: _log_failure(t, {"jobId": progress.job_id}))

    async def _wake(self) -> None:
        # Entries waiting mean no worker is idle to read a wake-up either: adding one
        # would only wait with them (and count as a waiting job).
        if (await self.queue.info()).waiting == 0:
            await self.queue.wake()

    async def join(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        await self.join()


def _log_failure(task: asyncio.Task[Any], context: dict[str, Any]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("job_run_failed", error=str(exc), errorType=type(exc).__name__, **context)
