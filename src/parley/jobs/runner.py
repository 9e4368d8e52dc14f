"""Running a job: one code path, whatever drives it (a background task, a request, a worker).

The process that owns a job writes its progress, heartbeat and result; the work itself
only calls its progress callback. The work runs off the event loop — in a thread
(serverless: no /dev/shm, so no process pools) or in a process pool (a long-lived server:
CPU-bound work in a thread would stall every poll this worker answers) — and its progress
is relayed back to the loop, throttled, and written by the owner.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from parley.errors import (
    InputError,
    InputTooLargeError,
    JobConflictError,
    JobNotFoundError,
    ParleyError,
    StoreError,
)
from parley.jobs.models import WORKER_STOPPED, Job
from parley.jobs.progress import ProgressReporter
from parley.jobs.store import JobStore
from parley.log import get_logger

__all__ = [
    "Execution",
    "JobRunner",
    "ProcessExecution",
    "ProgressHook",
    "ThreadExecution",
    "Work",
]

log = get_logger("parley.runner")

Progress = Callable[[str, float, str], None]
# The work: called with a progress callback (stage, percent, message), returns a
# JSON-ready result. For a process pool it must be picklable (a top-level function or a
# functools.partial of one).
Work = Callable[[Progress], Any]
# Called on the event loop for every progress report that reaches the owner.
ProgressHook = Callable[[str, float, str], None]

# The worker side sends at most one report per this interval (stage changes and 100 %
# always): the callback stays cheap for the work however often it is called, and the
# relay carries ~20 messages a second at most.
_SEND_INTERVAL = 0.05
# How long stopping the pool waits for a process still busy with an analysis.
_SHUTDOWN_SECONDS = 3.0
# How long a finished job waits for its last progress reports to come through the relay.
_RELAY_DRAIN_SECONDS = 2.0


class _Sender:
    """The work's progress callback: drops reports that come too soon after the last."""

    def __init__(self, send: Callable[[str, float, str], object]) -> None:
        self._send = send
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, percent: float, message: str = "") -> None:
        now = time.monotonic()
        if stage != self._stage or percent >= 100 or now - self._last >= _SEND_INTERVAL:
            self._last = now
            self._stage = stage
            self._send(stage, percent, message)


class Execution(Protocol):
    """Where work runs. `run` calls `on_progress` on the event loop's thread."""

    async def run(self, job_id: str, work: Work, on_progress: Progress) -> Any: ...

    def shutdown(self) -> None: ...


class ThreadExecution:
    """Runs work in a thread pool of this process (serverless functions, tests)."""

    def __init__(self, max_workers: int = 2) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers, "parley-work")

    async def run(self, job_id: str, work: Work, on_progress: Progress) -> Any:
        loop = asyncio.get_running_loop()
        sender = _Sender(lambda *report: loop.call_soon_threadsafe(on_progress, *report))
        return await loop.run_in_executor(self._pool, work, sender)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# -- the process pool ------------------------------------------------------------------

_worker_queue: Any = None  # set in each pool process by _init_worker


def _init_worker(progress_queue: Any, preload: tuple[str, ...]) -> None:
    global _worker_queue  # noqa: PLW0603 - one queue per pool process, set once
    _worker_queue = progress_queue
    for module in preload:  # pay the imports when the process starts, not in a job
        importlib.import_module(module)


def _run_in_worker(job_id: str, work: Work) -> Any:
    sender = _Sender(lambda *report: _worker_queue.put((job_id, *report)))
    try:
        return work(sender)
    finally:
        _worker_queue.put((job_id, None, 0.0, ""))  # the end: every report is before it


class ProcessExecution:
    """Runs work in a pool of processes; their progress comes back over one queue, which
    a relay thread hands to the event loop of the job's owner."""

    def __init__(self, max_workers: int | None = None, preload: tuple[str, ...] = ()) -> None:
        # spawn: forking a process that runs an event loop and threads is unsafe.
        self._ctx = multiprocessing.get_context("spawn")
        self._queue = self._ctx.Queue()
        self._workers = max_workers or max(1, min(2, os.cpu_count() or 1))
        self._preload = preload
        self._pool = self._new_pool()
        self._listeners: dict[str, tuple[asyncio.AbstractEventLoop, Progress, asyncio.Event]] = {}
        self._lock = threading.Lock()
        self._relay = threading.Thread(target=self._relay_loop, name="parley-relay", daemon=True)
        self._relay.start()

    def _new_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            self._workers,
            mp_context=self._ctx,
            initializer=_init_worker,
            initargs=(self._queue, self._preload),
        )

    def _replace_broken(self, broken: concurrent.futures.ProcessPoolExecutor) -> None:
        """A process of the pool died (killed, out of memory): the pool refuses all work
        from then on, so start a new one (once, whichever job noticed first)."""
        with self._lock:
            if self._pool is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                log.warning("analysis_pool_restarted", processes=self._workers)

    def _relay_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            job_id, stage, percent, message = item
            with self._lock:
                listener = self._listeners.get(job_id)
            if listener is not None:
                loop, on_progress, ended = listener
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    if stage is None:
                        loop.call_soon_threadsafe(ended.set)
                    else:
                        loop.call_soon_threadsafe(on_progress, stage, percent, message)

    async def run(self, job_id: str, work: Work, on_progress: Progress) -> Any:
        ended = asyncio.Event()
        with self._lock:
            self._listeners[job_id] = (asyncio.get_running_loop(), on_progress, ended)
        pool = self._pool
        try:
            try:
                result = await asyncio.wrap_future(pool.submit(_run_in_worker, job_id, work))
            except BrokenProcessPool:
                self._replace_broken(pool)
                raise RuntimeError(
                    "the analysis process stopped unexpectedly (out of memory, or killed)"
                ) from None
            except Exception:
                await self._drained(ended)
                raise
            await self._drained(ended)
            return result
        finally:
            with self._lock:
                self._listeners.pop(job_id, None)

    @staticmethod
    async def _drained(ended: asyncio.Event) -> None:
        """The result can overtake the work's last reports on their way through the
        relay; wait for the end marker the worker sends after them (bounded)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_RELAY_DRAIN_SECONDS):
                await ended.wait()

    def warm_up(self) -> None:
        """Start the pool's processes now, not on the first analysis."""
        for future in [self._pool.submit(os.getpid) for _ in range(self._workers)]:
            future.result()

    def shutdown(self) -> None:
        """Stop the relay, close its queue, and stop the pool, waiting a few seconds for
        a process still busy with an analysis (unclosed queues leak semaphores)."""
        with contextlib.suppress(ValueError, OSError):
            self._queue.put(None)
        self._relay.join(_SHUTDOWN_SECONDS)
        self._queue.close()
        self._queue.join_thread()
        stopper = threading.Thread(
            target=self._pool.shutdown, kwargs={"wait": True, "cancel_futures": True}
        )
        stopper.start()
        stopper.join(_SHUTDOWN_SECONDS)


# -- the runner ----------------------------------------------------------------------------


class JobRunner:
    """Owns jobs while they run: starts them, relays throttled progress, sends heartbeats,
    and records the outcome (result, or an error with a code)."""

    def __init__(
        self,
        store: JobStore,
        execution: Execution,
        *,
        heartbeat_seconds: float = 5.0,
        progress_interval: float = 0.5,
    ) -> None:
        self.store = store
        self.execution = execution
        self.heartbeat_seconds = heartbeat_seconds
        self.progress_interval = progress_interval

    async def run(self, job_id: str, work: Work, hook: ProgressHook | None = None) -> Job:
        """Run the job to its end and return it, completed or failed.

        Every progress write of the work is done before the final one (completed or
        failed), so the last word on the progress key is the outcome. Raises StoreError
        when the store fails (the job then reads as worker_lost after the stale limit),
        JobConflictError when another owner took the job over, and JobNotFoundError when
        its conversation was erased meanwhile: in those cases this owner stops writing."""
        job = await self.store.start(job_id)
        reporter = ProgressReporter(self.store, job, self.progress_interval)
        reports: asyncio.Queue[tuple[str, float, str] | None] = asyncio.Queue()
        fenced = asyncio.Event()  # set once this owner must stop writing

        def on_progress(stage: str, percent: float, message: str) -> None:
            reports.put_nowait((stage, percent, message))
            if hook is not None:
                hook(stage, percent, message)

        writer = asyncio.create_task(self._write_progress(reporter, reports, fenced))
        beater = asyncio.create_task(self._heartbeat(reporter, fenced))
        failure: tuple[str, Exception] | None = None
        stopped = False
        try:
            result = await self.execution.run(job.job_id, work, on_progress)
        except asyncio.CancelledError:
            stopped = True  # the worker is shutting down
        except InputError as exc:
            failure = ("input_error", exc)
        except Exception as exc:
            log.exception("job_work_crashed", jobId=job.job_id)
            failure = ("analysis_error", exc)
        # Every report of the work is written before the last word; shielded, so a
        # shutdown does not cut these writes short.
        await asyncio.shield(self._drain(writer, beater, reports))
        if stopped:
            # Say so now rather than after the stale limit.
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    self.store.fail(
                        reporter.job,
                        WORKER_STOPPED,
                        "the worker running this analysis shut down; start the analysis again",
                    )
                )
            raise asyncio.CancelledError
        if failure is not None:
            return await self._fail(reporter.job, *failure)
        try:
            return await self.store.complete(reporter.job, result)
        except InputTooLargeError as exc:
            return await self._fail(reporter.job, "result_too_large", exc)

    @staticmethod
    async def _drain(
        writer: asyncio.Task[None],
        beater: asyncio.Task[None],
        reports: asyncio.Queue[tuple[str, float, str] | None],
    ) -> None:
        beater.cancel()
        reports.put_nowait(None)
        await writer
        with contextlib.suppress(asyncio.CancelledError):
            await beater

    async def _fail(self, job: Job, code: str, exc: Exception) -> Job:
        message = str(exc) or type(exc).__name__
        if code == "analysis_error":
            message = f"the analysis failed: {message}"
        details = exc.details() if isinstance(exc, ParleyError) else None
        return await self.store.fail(job, code, message, details)

    def _stop(self, reporter: ProgressReporter, fenced: asyncio.Event, exc: Exception) -> None:
        if not fenced.is_set():
            fenced.set()
            log.warning("job_lost_ownership", jobId=reporter.job.job_id, reason=str(exc))

    async def _write_progress(
        self,
        reporter: ProgressReporter,
        reports: asyncio.Queue[tuple[str, float, str] | None],
        fenced: asyncio.Event,
    ) -> None:
        while (item := await reports.get()) is not None:
            if fenced.is_set():
                continue  # keep draining; write nothing
            try:
                await reporter.report(*item)
            except StoreError as exc:  # the result write will tell; keep draining
                log.warning("progress_write_failed", jobId=reporter.job.job_id, error=str(exc))
            except (JobConflictError, JobNotFoundError) as exc:
                self._stop(reporter, fenced, exc)
        if not fenced.is_set():
            try:
                await reporter.flush()
            except StoreError:
                pass
            except (JobConflictError, JobNotFoundError) as exc:
                self._stop(reporter, fenced, exc)

    async def _heartbeat(self, reporter: ProgressReporter, fenced: asyncio.Event) -> None:
        while not fenced.is_set():
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                await reporter.heartbeat()
            except StoreError as exc:
                log.warning("heartbeat_failed", jobId=reporter.job.job_id, error=str(exc))
            except (JobConflictError, JobNotFoundError) as exc:
                self._stop(reporter, fenced, exc)
