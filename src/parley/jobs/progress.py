"""Throttled progress writes from the job's owner.

The analysis calls its progress callback often; a metered Redis counts every command. So
at most one write per interval reaches the store — except the first, a stage change and
the last (100 %), which always do, so a poller never misses a stage or the end.
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
        self._last_stage: str | None = None

    def due(self, stage: str, percent: float) -> bool:
        """True when this report must be written; records it as written if so."""
        now = self._clock()
        due = (
            self._last_write is None
            or stage != self._last_stage
            or percent >= 100
            or now - self._last_write >= self.interval
        )
        if due:
            self._last_write = now
            self._last_stage = stage
        return due


class ProgressReporter:
    """Writes a running job's progress through a throttle and keeps the latest report,
    which heartbeats rewrite (so a poll can tell a live job from a lost one, even while
    the job waits for a free analysis process and reports nothing)."""

    def __init__(self, store: JobStore, job: Job, interval: float) -> None:
        self.store = store
        self.job = job
        self.throttle = ProgressThrottle(interval)
        self.latest = Progress.starting(job)
        self._pending: tuple[str, float, str] | None = None
        # A heartbeat rewrites the latest progress; it must not interleave with a report,
        # or it could put an older stage back over a newer one.
        self._lock = asyncio.Lock()

    async def report(self, stage: str, percent: float, message: str = "") -> None:
        if not self.throttle.due(stage, percent):
            self._pending = (stage, percent, message)
            return
        self._pending = None
        async with self._lock:
            self.latest = await self.store.report_progress(self.job, stage, percent, message)

    async def flush(self) -> None:
        """Write a report the throttle held back, if any."""
        if self._pending is not None:
            stage, percent, message = self._pending
            self._pending = None
            async with self._lock:
                self.latest = await self.store.report_progress(self.job, stage, percent, message)

    async def heartbeat(self) -> None:
        async with self._lock:
            self.job = await self.store.heartbeat(self.job, self.latest)
