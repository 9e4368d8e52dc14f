"""Throttled progress writes and heartbeats from the job's owner.

The analysis calls its progress callback often; a metered Redis counts every command. So
at most one write per interval reaches the store — except the first and the last (100 %),
which always do. A stage change waits for its interval like any report: the analysis
runs through a dozen stages, most shorter than the interval, and a reader (a poll every
0.4 s, a stream's client) sees the stage of the moment either way; forcing each one cost
about 40 % of a small job's commands. The job's outcome is written apart, always.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from parley.jobs.models import Job, Progress
from parley.jobs.store import JobStore

__all__ = ["ProgressReporter", "ProgressThrottle"]


class ProgressThrottle:
    """Decides which progress reports are written. Not thread-safe; one per job."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._last_write: float | None = None

    def due(self, percent: float) -> bool:
        """True when this report must be written; records it as written if so."""
        now = self._clock()
        due = self._last_write is None or percent >= 100 or now - self._last_write >= self.interval
        if due:
            self._last_write = now
        return due


class ProgressReporter:
    """A running job's writes: throttled progress reports and heartbeats. It keeps the
    latest report, which heartbeats rewrite when no report did lately (so a poll can tell
    a live job from a lost one, even while the job waits for a free analysis process and
    reports nothing), and the time the store last took one of this owner's writes."""

    def __init__(
        self,
        store: JobStore,
        job: Job,
        interval: float,
        *,
        heartbeat_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.job = job
        self.throttle = ProgressThrottle(interval)
        self.latest = Progress.starting(job)
        self.heartbeat_seconds = heartbeat_seconds
        self._clock = clock
        now = clock()
        self.alive_at = now  # the store last accepted a write of this owner then
        self._progress_at = now
        self._index_at = now
        self._pending: tuple[str, float, str] | None = None
        self.fenced = False  # set once this owner must stop writing
        self.lost = asyncio.Event()  # set with it: the work stops too
        self.why: Exception | None = None  # what fenced it (taken over, or erased)
        self.finished = False  # set once the outcome is written (or given up)
        # A heartbeat rewrites the latest progress; it must not interleave with a report
        # or a final write, or it could put an older stage back over a newer one.
        self.lock = asyncio.Lock()

    async def _write(self, stage: str, percent: float, message: str) -> None:
        async with self.lock:
            self.latest = await self.store.report_progress(self.job, stage, percent, message)
            self.alive_at = self._progress_at = self._clock()

    async def report(self, stage: str, percent: float, message: str = "") -> None:
        if not self.throttle.due(percent):
            self._pending = (stage, percent, message)
            return
        self._pending = None
        await self._write(stage, percent, message)

    async def flush(self) -> None:
        """Write a report the throttle held back, if any."""
        if self._pending is not None:
            stage, percent, message = self._pending
            self._pending = None
            await self._write(stage, percent, message)

    async def heartbeat(self) -> None:
        """Refresh the job's heartbeat; the progress only if no report refreshed it within
        half a heartbeat (its age then stays under two heartbeats, far below the stale
        limit), and the index's TTL a few times per TTL: each is a command. A report the
        throttle held back is that rewrite: a stage the work then stays quiet in is seen."""
        if self._pending is not None and self._clock() - self._progress_at >= (
            self.heartbeat_seconds / 2
        ):
            await self.flush()  # it refreshes the progress: the heartbeat need not
        async with self.lock:
            now = self._clock()
            stale_progress = now - self._progress_at >= self.heartbeat_seconds / 2
            refresh_index = now - self._index_at >= self.store.config.ttl_seconds / 4
            self.job = await self.store.heartbeat(
                self.job, self.latest if stale_progress else None, refresh_index=refresh_index
            )
            self.alive_at = now
            if stale_progress:
                self._progress_at = now
            if refresh_index:
                self._index_at = now
