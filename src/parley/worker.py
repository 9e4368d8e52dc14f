"""`parley worker`: runs queued jobs, on any machine that reaches the store.

A worker reads the queue's stream in its consumer group (each entry goes to one worker),
runs each job through the same runner as every mode (heartbeats, fenced progress, the
result), then acknowledges the entry and deletes the job's input. Any number of workers
may run, anywhere.

Lost work is found without polling while all is quiet:

- an idle worker that knows of no pending work blocks in one read until an entry comes
  (no command at all while it waits; when the stream expires after an idle hour, the read
  returns and is issued again: two commands an hour);
- while work is pending anywhere (its own included), a worker with a free slot checks
  every third of the stale limit for entries nobody touched for the stale limit, reads
  their job's heartbeat, and claims those whose worker is gone (a running job with a
  fresh heartbeat is only long, and is left alone);
- a web process whose poll finds a job gone silent adds a wake-up entry, which the idle
  worker that reads it answers with that same check.

A claimed job runs again with attempts + 1, which fences its old owner out; past
PARLEY_MAX_ATTEMPTS it fails as attempts_exhausted. SIGTERM (or Ctrl-C): take no more
work, let running jobs finish for `grace` seconds, hand the rest back to the queue (a new
entry, claimable at once) and exit 0. A second signal hands back at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import secrets
import socket
import time
from typing import Any

from parley.errors import (
    ConfigError,
    JobConflictError,
    JobNotFoundError,
    ParleyError,
    StoredValueError,
    StoreError,
)
from parley.jobs import ErrorCode, JobStatus, JobStore, StoreConfig
from parley.jobs.execution import Execution, ProcessExecution, ThreadExecution, Work
from parley.jobs.models import utcnow
from parley.jobs.queue import JobQueue, QueueEntry
from parley.jobs.runner import JobRunner, StopPolicy
from parley.jobs.usage import CommandUsage
from parley.kv import KV, PendingEntry, describe_store, open_kv
from parley.log import get_logger
from parley.settings import Settings
from parley.work import analyze_input

__all__ = ["Worker"]

log = get_logger("parley.worker")

# A store that fails a read is asked again after this pause (then longer, up to the max).
_RETRY_FIRST, _RETRY_MAX = 0.5, 5.0


class Worker:
    def __init__(
        self,
        settings: Settings,
        *,
        concurrency: int = 1,
        burst: bool = False,
        grace: float = 10.0,
        processes: bool = True,
        work: Work = analyze_input,
        claim_interval: float | None = None,
        claim_page: int | None = None,
    ) -> None:
        self.settings = settings
        self.work = work
        self.concurrency = concurrency
        self.burst = burst
        self.grace = grace
        self.processes = processes
        self.consumer = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"
        # A lost job is claimed within the stale limit plus this.
        self.claim_interval = claim_interval or settings.stale_seconds / 3
        # Pending entries read per command while looking for lost work (long-running jobs
        # of live workers come first, and are paged past).
        self.claim_page = claim_page or 2 * concurrency + 8
        self._stopping = asyncio.Event()
        self._now = asyncio.Event()  # a second signal: hand back at once
        self._running: dict[str, asyncio.Task[None]] = {}  # by stream entry id
        self._changed = asyncio.Event()  # a running job ended
        self._watching = False  # pending work that is not running here: keep checking
        self._checked_at = -math.inf
        # Entries of long jobs found alive, and until when (monotonic) their heartbeat
        # cannot have gone stale: checks skip them instead of reading their job again.
        self._alive: dict[str, float] = {}
        self._touched_at = -math.inf  # the stream's TTL was last renewed then
        self.completed = 0  # jobs this worker finished (completed or failed)

    @staticmethod
    def check_store(settings: Settings) -> None:
        """ConfigError unless the settings name a store other processes share."""
        if not describe_store(settings).shared:
            raise ConfigError(
                "parley worker runs the jobs a web process queued in the shared store: set "
                "REDIS_URL to the Redis the web processes use (PARLEY_MODE=queue), with "
                "the same PARLEY_KEY_PREFIX."
            )

    def stop(self) -> None:
        """Stop taking work (a signal handler calls this); a second call hands back now."""
        if self._stopping.is_set():
            self._now.set()
        self._stopping.set()

    async def run(self, kv: KV | None = None) -> None:
        """Work until stopped (or, in burst mode, until the queue is empty), on the store
        the settings name, or on `kv` (which stays open: in-process tests)."""
        if kv is not None:
            await self._serve(kv)
            return
        self.check_store(self.settings)
        kv = await open_kv(self.settings, client_name="parley-worker")
        try:
            await self._serve(kv)
        finally:
            await kv.aclose()

    async def _serve(self, kv: KV) -> None:
        settings = self.settings
        self.store = JobStore(kv, StoreConfig.from_settings(settings))
        self.queue = JobQueue(kv, self.store.keys, settings.ttl_seconds)
        execution: Execution = (
            ProcessExecution(self.concurrency, preload=(self.work.__module__,))
            if self.processes
            else ThreadExecution(self.concurrency)
        )
        self.runner = JobRunner(
            self.store,
            execution,
            self.work,
            heartbeat_seconds=settings.heartbeat_seconds,
            progress_interval=settings.progress_interval_seconds,
            max_attempts=settings.max_attempts,
            on_stop=StopPolicy.HAND_BACK,
            owner=self.consumer,
        )
        usage = CommandUsage.started_for(self.store, settings.command_budget)
        try:
            await execution.start()
            log.info(
                "worker_started",
                consumer=self.consumer,
                concurrency=self.concurrency,
                burst=self.burst,
                backend=kv.backend,
                queue=self.queue.key,
            )
            await self._loop()
        finally:
            await self._drain()
            execution.shutdown()
            with contextlib.suppress(StoreError):
                await self._hand_back_pending()
                await self.queue.leave(self.consumer)
            if usage is not None:
                await usage.aclose()
            log.info("worker_stopped", consumer=self.consumer, jobs=self.completed)

    # -- the loop -----------------------------------------------------------------------

    async def _loop(self) -> None:
        pause = _RETRY_FIRST
        while not self._stopping.is_set():
            try:
                if await self._step():
                    return  # burst: nothing left to do
                pause = _RETRY_FIRST
            except StoreError as exc:
                log.warning("worker_store_error", consumer=self.consumer, error=str(exc))
                await self._sleep(pause)
                pause = min(pause * 2, _RETRY_MAX)

    async def _step(self) -> bool:
        """Read (and start) new work, check for lost work when due; True when a burst
        worker has nothing left to do."""
        if self._running and time.monotonic() - self._touched_at >= self.queue.ttl / 4:
            # Running jobs keep their entries' stream alive, adds or not (a few a TTL).
            self._touched_at = time.monotonic()
            await self.queue.touch()
        free = self.concurrency - len(self._running)
        if free <= 0:  # no room for more: wait for a job to end (or the touch to be due)
            changed = asyncio.ensure_future(self._changed.wait())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.queue.ttl / 4):
                    await self._wait_for(changed)
            changed.cancel()
            self._changed.clear()
            return False
        if time.monotonic() - self._checked_at >= self.claim_interval and (
            self._watching or self._running or self._checked_at == -math.inf
        ):
            await self._check()
        busy = bool(self._running) or self._watching
        if self.burst:
            block = self.claim_interval if busy else None
        else:
            block = self.claim_interval if busy else math.inf
        entries = await self._read(free, block)
        wake = [entry.entry_id for entry in entries if entry.job_id is None]
        for entry in entries:
            if entry.job_id is not None:
                self._start(entry)
        if wake:
            await self.queue.ack(*wake)
            await self._check()
        if self.burst and not entries and not self._running:
            await self._check()
            # Done when nothing waits and nothing is pending: work another worker still
            # runs may yet be lost, and is this one's to claim then.
            return not self._running and not self._watching
        return False

    async def _read(self, count: int, block: float | None) -> list[QueueEntry]:
        read = asyncio.ensure_future(self.queue.read(self.consumer, count, block))
        await self._wait_for(read)
        if not read.done():
            read.cancel()  # stopping: an entry it may have taken is handed back at exit
            with contextlib.suppress(asyncio.CancelledError, StoreError):
                await read
            return []
        return read.result()

    async def _wait_for(self, waiting: asyncio.Future[Any]) -> None:
        """Wait for `waiting` or for the worker to stop, whichever is first."""
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()

    async def _check(self) -> None:
        """Claim the pending work of lost workers; note whether pending work that is not
        running here remains (then checks go on, every claim interval)."""
        self._checked_at = now = time.monotonic()
        stale = self.settings.stale_seconds
        self._alive = {k: until for k, until in self._alive.items() if until > now}
        page = self.claim_page
        after: str | None = None
        while True:
            info, idle = await self.queue.idle(stale, page, after=after)
            self._watching = info.pending > len(self._running)
            for pending in idle:
                if len(self._running) >= self.concurrency:
                    return  # no room here: another worker may take the rest
                await self._look_at(pending, stale)
            if len(idle) < page:
                return
            after = idle[-1].id  # long jobs hold the first entries: look past them

    async def _look_at(self, pending: PendingEntry, stale: float) -> None:
        if pending.id in self._running or pending.id in self._alive:
            return  # our own, or a long job found alive a moment ago
        job_id = pending.fields.get("job")
        if job_id is None:  # a wake-up its reader never acknowledged, or a deleted entry
            await self.queue.ack(pending.id)
            return
        job = await self.store.get_job(job_id)
        if job is None or job.status.finished:
            await self.queue.ack(pending.id)  # its job ended or expired: nothing to do
            return
        if job.status is JobStatus.RUNNING:  # alive, only long: look again when it could
            beat = job.heartbeat_at or job.started_at or job.created_at  # have gone stale
            left = stale - (utcnow() - beat).total_seconds()
            self._alive[pending.id] = time.monotonic() + max(left, 0.0)
            return
        for entry in await self.queue.claim(self.consumer, [pending.id], stale):
            log.info(
                "job_claimed",
                jobId=job_id,
                consumer=self.consumer,
                lostConsumer=pending.consumer,
                idleSeconds=round(pending.idle, 1),
            )
            self._start(entry)
            if pending.consumer != self.consumer:
                await self.queue.leave(pending.consumer)  # lost: forget it once it holds none

    # -- one job ------------------------------------------------------------------------

    def _start(self, entry: QueueEntry) -> None:
        task = asyncio.ensure_future(self._run_entry(entry))
        self._running[entry.entry_id] = task

        def ended(_: asyncio.Task[None]) -> None:
            self._running.pop(entry.entry_id, None)
            self._changed.set()

        task.add_done_callback(ended)

    async def _run_entry(self, entry: QueueEntry) -> None:
        job_id = entry.job_id
        assert job_id is not None
        try:
            await self._run_job(entry, job_id)
        except asyncio.CancelledError:
            # Shutting down: the runner handed the job back; make it claimable at once.
            with contextlib.suppress(StoreError):
                await asyncio.shield(self._requeue(entry, job_id))
            raise
        except StoreError as exc:
            # The entry stays pending: once it has idled past the stale limit (and the
            # job's heartbeat, if it started, too), a check claims it and runs it again.
            # This worker's own checks see to it: its pending entry is work to watch.
            log.warning("worker_job_store_error", jobId=job_id, error=str(exc))
            self._watching = True
        except Exception as exc:  # a bug in the worker's own code: fail it, visibly, once
            log.exception("worker_job_crashed", jobId=job_id)
            with contextlib.suppress(ParleyError):
                await self._fail_unstarted(
                    job_id, ErrorCode.ANALYSIS_ERROR, f"the worker failed: {exc}"
                )
                await self.queue.ack(entry.entry_id)

    async def _run_job(self, entry: QueueEntry, job_id: str) -> None:
        try:
            input = await self.store.load_input(job_id)
        except StoredValueError as exc:  # unreadable: it will not read better next time
            await self._fail_unstarted(
                job_id,
                ErrorCode.INPUT_MISSING,
                f"the stored upload could not be read ({exc}); send it again",
            )
            await self.queue.ack(entry.entry_id)
            return
        if input is None:
            await self._fail_unstarted(
                job_id,
                ErrorCode.INPUT_MISSING,
                "the uploaded conversation expired or was erased before a worker could "
                "read it; send it again",
            )
            await self.queue.ack(entry.entry_id)
            return
        try:
            done = await self.runner.run(
                job_id, input, release=lambda: self.store.delete_input(job_id)
            )
        except JobConflictError:
            job = await self.store.get_job(job_id)
            if job is None or job.status.finished:
                await self.queue.ack(entry.entry_id)
                return
            # It runs elsewhere, alive: our entry stays pending, and is looked at again
            # once it idles past the stale limit (by this worker too: work to watch).
            self._watching = True
            return
        except JobNotFoundError:  # erased meanwhile
            await self.store.delete_input(job_id)
            await self.queue.ack(entry.entry_id)
            return
        if done.status is JobStatus.QUEUED:  # handed back: its analysis process was lost
            await self._requeue(entry, job_id)
            return
        self.completed += 1
        await self.store.delete_input(job_id)
        await self.queue.ack(entry.entry_id)

    async def _requeue(self, entry: QueueEntry, job_id: str) -> None:
        await self.queue.enqueue(job_id)
        await self.queue.ack(entry.entry_id)

    async def _fail_unstarted(self, job_id: str, code: ErrorCode, message: str) -> None:
        """Fail a job that could not be run here (its input is gone or unreadable, or the
        worker itself broke), unless it has ended or another worker runs it."""
        job = await self.store.get_job(job_id)
        if job is not None and not job.status.finished:
            with contextlib.suppress(JobConflictError, JobNotFoundError):
                started = await self.store.start(job_id, self.consumer)
                await self.store.fail(started, code, message)

    # -- stopping -----------------------------------------------------------------------

    async def _drain(self) -> None:
        """Let running jobs finish within the grace period (or until a second signal),
        then cancel the rest: the runner hands each back."""
        if self._running:
            log.info("worker_draining", consumer=self.consumer, running=len(self._running),
                     graceSeconds=self.grace)  # fmt: skip
            waiting = asyncio.ensure_future(asyncio.wait(list(self._running.values())))
            now = asyncio.ensure_future(self._now.wait())
            await asyncio.wait({waiting, now}, timeout=self.grace, return_when="FIRST_COMPLETED")
            now.cancel()
            waiting.cancel()
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _hand_back_pending(self) -> None:
        """Entries still pending for this worker (a read cut short by the stop took one)
        go back to the queue as new entries, which any worker reads at once."""
        _, idle = await self.queue.idle(0, 1000)
        for pending in idle:
            if pending.consumer != self.consumer:
                continue
            job_id = pending.fields.get("job")
            if job_id is not None:
                job = await self.store.get_job(job_id)
                if job is not None and not job.status.finished:
                    await self.queue.enqueue(job_id)
            await self.queue.ack(pending.id)
