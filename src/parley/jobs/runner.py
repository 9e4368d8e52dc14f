"""Running a job: one code path, whatever drives it (a background task, a request, a worker).

The process that owns a job writes its progress, heartbeat and result; the work itself
only reports through its events (see `execution`). The runner starts the job (taking
ownership), relays the work's reports through a throttle, beats the heart until the last
write is in, and records the outcome: the result, or an error with its code.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from parley.errors import (
    InputError,
    InputTooLargeError,
    JobConflictError,
    JobNotFoundError,
    ParleyError,
    StoreError,
    StoreFullError,
    StoreUnavailableError,
    WorkerLostError,
)
from parley.jobs.execution import Execution, Work
from parley.jobs.input import JobInput
from parley.jobs.models import ErrorCode, Job
from parley.jobs.progress import ProgressReporter
from parley.jobs.store import JobStore
from parley.kv import metered
from parley.log import get_logger

__all__ = ["JobRunner", "ProgressHook", "StopPolicy"]

log = get_logger("parley.runner")

# Called on the event loop for every progress report that reaches the owner.
ProgressHook = Callable[[str, float, str], None]
# Called once the job has started, with the running job, when its input has parsed.
AcceptedHook = Callable[[Job], None]
# Frees what the job holds in the store (queue mode: its input) when the store is full.
Release = Callable[[], Awaitable[object]]

# The final writes retry an unreachable store with this backoff, first to last pause...
_RETRY_FIRST, _RETRY_MAX = 0.1, 2.0


class StopPolicy(StrEnum):
    """What a run whose work was interrupted — its worker shutting down, or its analysis
    process lost — leaves behind."""

    FAIL = "fail"  # failed (worker_stopped, worker_lost) at once: the client may send it again
    HAND_BACK = "hand_back"  # queued again, for another worker (queue mode)


class _Relay:
    """The work's reports, on the owner's loop: queued for the progress writer, and the
    accepted signal passed on with the running job."""

    def __init__(
        self,
        reporter: ProgressReporter,
        on_progress: ProgressHook | None,
        on_accepted: AcceptedHook | None,
    ) -> None:
        self.reports: asyncio.Queue[tuple[str, float, str] | None] = asyncio.Queue()
        self._reporter = reporter
        self._on_progress = on_progress
        self._on_accepted = on_accepted

    def progress(self, stage: str, percent: float, message: str) -> None:
        self.reports.put_nowait((stage, percent, message))
        if self._on_progress is not None:
            self._on_progress(stage, percent, message)

    def accepted(self) -> None:
        if self._on_accepted is not None:
            self._on_accepted(self._reporter.job)


class JobRunner:
    """Owns jobs while they run: starts them, relays throttled progress, sends heartbeats,
    and records the outcome (result, or an error with a code)."""

    def __init__(
        self,
        store: JobStore,
        execution: Execution,
        work: Work,
        *,
        heartbeat_seconds: float = 2.0,
        progress_interval: float = 1.0,
        max_attempts: int | None = None,
        on_stop: StopPolicy = StopPolicy.FAIL,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.execution = execution
        self.work = work
        self.heartbeat_seconds = heartbeat_seconds
        self.progress_interval = progress_interval
        self.max_attempts = max_attempts
        self.on_stop = on_stop
        self.owner = owner

    async def run(
        self,
        job_id: str,
        input: JobInput,
        *,
        on_progress: ProgressHook | None = None,
        on_accepted: AcceptedHook | None = None,
        release: Release | None = None,
    ) -> Job:
        """Run the job to its end and return it, completed or failed.

        Every progress write of the work is done before the final one (completed or
        failed), so the last word on the progress key is the outcome. The final writes
        are retried while the store is unreachable, with heartbeats going on, until the
        stale limit is near; then StoreUnavailableError (the job is lost, and runs again).
        Raises JobConflictError when another owner took the job over, and
        JobNotFoundError when its conversation was erased: this owner stops writing.

        Every command sent for the job (here, and by its progress writer and heartbeat)
        is counted on a meter of its own; the last write records it on the job."""
        with metered():
            return await self._run(job_id, input, on_progress, on_accepted, release)

    async def _run(
        self,
        job_id: str,
        input: JobInput,
        on_progress: ProgressHook | None,
        on_accepted: AcceptedHook | None,
        release: Release | None,
    ) -> Job:
        job = await self.store.start(job_id, self.owner)
        if self.max_attempts is not None and job.losses > self.max_attempts:
            return await self.store.fail(
                job,
                ErrorCode.ATTEMPTS_EXHAUSTED,
                f"the worker running this analysis was lost {job.losses - 1} times (out of "
                "memory, or killed); it is not tried again",
            )
        reporter = ProgressReporter(
            self.store, job, self.progress_interval, heartbeat_seconds=self.heartbeat_seconds
        )
        relay = _Relay(reporter, on_progress, on_accepted)
        writer = asyncio.create_task(self._write_progress(reporter, relay.reports))
        beater = asyncio.create_task(self._heartbeat(reporter))
        try:
            outcome = await self._work(job, input, relay, reporter)
            # Every report of the work is written before the last word; shielded, so a
            # shutdown does not cut these writes short.
            relay.reports.put_nowait(None)
            await asyncio.shield(writer)
            if outcome is _FENCED:  # its analysis was stopped: say why, as it was said
                assert reporter.why is not None
                raise reporter.why
            if outcome is _STOPPED:
                await asyncio.shield(self._stopped(reporter))
                raise asyncio.CancelledError
            lost = isinstance(outcome, _Failed) and outcome.code is ErrorCode.WORKER_LOST
            if lost and self.on_stop is StopPolicy.HAND_BACK:
                return await self._retrying(reporter, lambda job: self._hand_back(job, lost=True))
            return await self._finish(reporter, outcome, release)
        finally:
            reporter.finished = True
            writer.cancel()
            beater.cancel()
            await asyncio.gather(writer, beater, return_exceptions=True)

    async def _work(
        self, job: Job, input: JobInput, relay: _Relay, reporter: ProgressReporter
    ) -> Any:
        """The work's outcome; _FENCED when this owner lost the job meanwhile (its analysis
        is stopped then: another owner computes the same job), _STOPPED on shutdown."""
        work = asyncio.ensure_future(self.execution.run(job.job_id, self.work, input, relay))
        fenced = asyncio.ensure_future(reporter.lost.wait())
        try:
            await asyncio.wait({work, fenced}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            return _STOPPED  # the worker is shutting down
        finally:
            fenced.cancel()
        if not work.done():
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            return _FENCED
        return self._outcome(job, work)

    @staticmethod
    def _outcome(job: Job, work: asyncio.Future[Any]) -> Any:
        """What the finished work came to: its result, or a failure with its code."""
        try:
            return _Done(work.result())
        except asyncio.CancelledError:
            return _STOPPED
        except (InputError, InputTooLargeError) as exc:
            return _Failed(ErrorCode.INPUT_ERROR, exc)
        except WorkerLostError as exc:
            return _Failed(ErrorCode.WORKER_LOST, exc)
        except Exception as exc:
            log.error(
                "job_work_crashed",
                jobId=job.job_id,
                error=f"{type(exc).__name__}: {exc}",
                traceback="".join(getattr(exc, "__notes__", ())) or None,
                exc_info=not getattr(exc, "__notes__", None),
            )
            return _Failed(ErrorCode.ANALYSIS_ERROR, exc)

    async def _hand_back(self, job: Job, *, lost: bool = False) -> Job:
        return await self.store.hand_back(
            job,
            "The worker running this analysis stopped; another worker will take it over",
            lost=lost,
        )

    async def _stopped(self, reporter: ProgressReporter) -> None:
        """Say so now rather than after the stale limit."""
        with contextlib.suppress(ParleyError):
            async with reporter.lock:
                if self.on_stop is StopPolicy.HAND_BACK:
                    await self._hand_back(reporter.job)
                else:
                    await self.store.fail(
                        reporter.job,
                        ErrorCode.WORKER_STOPPED,
                        "the worker running this analysis shut down; start the analysis again",
                    )

    async def _finish(
        self, reporter: ProgressReporter, outcome: Any, release: Release | None
    ) -> Job:
        if isinstance(outcome, _Failed):
            return await self._retrying(reporter, lambda job: self._fail(job, outcome))
        try:
            data = self.store.encode_result(outcome.result)
        except InputTooLargeError as exc:
            too_large = _Failed(ErrorCode.RESULT_TOO_LARGE, exc)
            return await self._retrying(reporter, lambda job: self._fail(job, too_large))
        try:
            return await self._retrying(
                reporter, lambda job: self.store.complete(job, outcome.result, encoded=data)
            )
        except StoreFullError as exc:
            log.warning("job_store_full", jobId=reporter.job.job_id, error=str(exc))
            if release is not None:  # free what the job holds, so the failure fits
                with contextlib.suppress(StoreError):
                    await release()
            failure = _Failed(ErrorCode.STORE_FULL, exc)
            return await self._retrying(
                reporter, lambda job: self._fail(job, failure, even_if_full=True)
            )

    async def _retrying(
        self, reporter: ProgressReporter, write: Callable[[Job], Awaitable[Job]]
    ) -> Job:
        """A final write, retried with backoff while the store is unreachable and the
        heartbeat (which goes on meanwhile) has not yet gone stale."""
        pause = _RETRY_FIRST
        give_up = self.store.config.stale_seconds - self.heartbeat_seconds
        while True:
            try:
                async with reporter.lock:  # not interleaved with a heartbeat's writes
                    return await write(reporter.job)
            except StoreUnavailableError as exc:
                if time.monotonic() - reporter.alive_at + pause > give_up:
                    log.error("job_final_write_failed", jobId=reporter.job.job_id, error=str(exc))
                    raise
                log.warning("job_final_write_retry", jobId=reporter.job.job_id, error=str(exc))
            await asyncio.sleep(pause)
            pause = min(pause * 2, _RETRY_MAX)

    async def _fail(self, job: Job, failed: _Failed, *, even_if_full: bool = False) -> Job:
        exc = failed.error
        message = str(exc) or type(exc).__name__
        if failed.code is ErrorCode.ANALYSIS_ERROR:
            message = f"the analysis failed: {message}"
        details = exc.details() if isinstance(exc, ParleyError) else None
        return await self.store.fail(job, failed.code, message, details, even_if_full=even_if_full)

    @staticmethod
    def _stop(reporter: ProgressReporter, exc: Exception) -> None:
        if not reporter.fenced and not reporter.finished:
            log.warning("job_lost_ownership", jobId=reporter.job.job_id, reason=str(exc))
        reporter.fenced = True
        reporter.why = reporter.why or exc
        reporter.lost.set()

    async def _write_progress(
        self,
        reporter: ProgressReporter,
        reports: asyncio.Queue[tuple[str, float, str] | None],
    ) -> None:
        while (item := await reports.get()) is not None:
            if reporter.fenced:
                continue  # keep draining; write nothing
            try:
                await reporter.report(*item)
            except StoreError as exc:  # the result write will tell; keep draining
                log.warning("progress_write_failed", jobId=reporter.job.job_id, error=str(exc))
            except (JobConflictError, JobNotFoundError) as exc:
                self._stop(reporter, exc)
        if not reporter.fenced:
            try:
                await reporter.flush()
            except StoreError:
                pass
            except (JobConflictError, JobNotFoundError) as exc:
                self._stop(reporter, exc)

    async def _heartbeat(self, reporter: ProgressReporter) -> None:
        while not reporter.fenced:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                await reporter.heartbeat()
            except StoreError as exc:
                log.warning("heartbeat_failed", jobId=reporter.job.job_id, error=str(exc))
            except (JobConflictError, JobNotFoundError) as exc:
                self._stop(reporter, exc)


class _Done:
    __slots__ = ("result",)

    def __init__(self, result: Any) -> None:
        self.result = result


class _Failed:
    __slots__ = ("code", "error")

    def __init__(self, code: ErrorCode, error: Exception) -> None:
        self.code = code
        self.error = error


_STOPPED = object()
_FENCED = object()
