"""What parley costs a metered Redis: commands per job, and the plan's budget.

Each job's owner records the commands it sent for the job on the job record (see
`JobRunner.run`); `per_job` summarises those. With PARLEY_COMMAND_BUDGET set, each process
adds the commands its store sent, and the analyses it started, to the period's counter in
the store (`usage:{period}`, one command per flush), so every process and `parley stats`
see the whole deployment's use: a flush at most once a minute, or once 200 commands are
waiting, and never from an idle process. A process that is killed loses at most what it
had not flushed yet; a serverless instance flushes when it next runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from parley.errors import StoreError
from parley.jobs.keys import KeyLayout
from parley.jobs.store import JobStore
from parley.kv import KV
from parley.log import get_logger
from parley.settings import CommandBudget

__all__ = [
    "FLUSH_COMMANDS",
    "FLUSH_SECONDS",
    "WARN_AT",
    "BudgetUse",
    "CommandUsage",
    "PerJob",
    "per_job",
    "period_of",
]

log = get_logger("parley.usage")

FLUSH_SECONDS = 60.0  # waiting commands are added to the period's counter this often...
FLUSH_COMMANDS = 200  # ... or once this many wait
WARN_AT = 0.8  # of the budget: said once per period and process, and again when it is spent
_CHECK_SECONDS = 5.0  # how often the flusher looks (no command unless it flushes)
_AFTER_PERIOD = timedelta(hours=1)  # a period's counter outlives it this long


@dataclass(frozen=True, slots=True)
class PerJob:
    """Commands per job, as their owners recorded them on the jobs still in the store."""

    jobs: int
    median: float
    p90: float

    def to_json(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "median": self.median, "p90": self.p90}


def per_job(commands: Sequence[int]) -> PerJob | None:
    if not commands:
        return None
    ordered = sorted(commands)
    p90 = ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]
    return PerJob(len(ordered), float(statistics.median(ordered)), float(p90))


def period_of(budget: CommandBudget, now: datetime) -> tuple[str, datetime]:
    """The UTC period `now` falls in: its name and its end."""
    now = now.astimezone(UTC)
    if budget.period == "day":
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return start.strftime("%Y-%m-%d"), start + timedelta(days=1)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start.strftime("%Y-%m"), end


@dataclass(frozen=True, slots=True)
class BudgetUse:
    """How much of the budget the deployment has used in the current period."""

    budget: CommandBudget
    period: str
    used: int
    analyses: int
    per_analysis: float | None  # commands per analysis started, all commands included

    @property
    def fraction(self) -> float:
        return self.used / self.budget.limit

    @property
    def analyses_left(self) -> int | None:
        if not self.per_analysis:
            return None
        return max(0, math.floor((self.budget.limit - self.used) / self.per_analysis))

    def to_json(self) -> dict[str, Any]:
        return {
            "limit": self.budget.limit,
            "period": self.budget.period,
            "periodStarted": self.period,
            "used": self.used,
            "usedPercent": round(100 * self.fraction, 1),
            "analyses": self.analyses,
            "commandsPerAnalysis": (
                None if self.per_analysis is None else round(self.per_analysis, 1)
            ),
            "analysesLeft": self.analyses_left,
        }


class CommandUsage:
    """This process's share of the budget: adds what its store sent (and the analyses it
    started, counted by `started`) to the period's counter, and says when 80 % is used."""

    def __init__(
        self,
        kv: KV,
        keys: KeyLayout,
        budget: CommandBudget,
        *,
        started: Callable[[], int],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._kv = kv
        self._keys = keys
        self.budget = budget
        self._started = started  # analyses this process has started so far
        self._clock = clock
        self._sent = 0  # commands already added to a counter
        self._analyses = 0
        self._flushed_at = asyncio.get_running_loop().time()
        self._warned: dict[str, float] = {}  # period -> the highest level said
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def started_for(cls, store: JobStore, budget: CommandBudget | None) -> CommandUsage | None:
        """A process's running flusher, counting the analyses its `store` creates; None
        without a budget (nothing is written for it then)."""
        if budget is None:
            return None
        usage = cls(store.kv, store.keys, budget, started=lambda: store.created)
        usage.start()
        return usage

    def _waiting(self) -> tuple[int, int]:
        return self._kv.commands.total - self._sent, self._started() - self._analyses

    async def flush(self) -> BudgetUse:
        """Add what waits to the period's counter (the flush itself included: one command)
        and return the period's use; with nothing waiting, a read. Raises StoreError."""
        async with self._lock:
            commands, analyses = self._waiting()
            now = self._clock()
            period, end = period_of(self.budget, now)
            adds: dict[str, int] = {}
            if commands or analyses:  # this very command is one more
                adds = {"commands": commands + 1, "analyses": analyses}
            ttl = (end + _AFTER_PERIOD - now).total_seconds()
            totals = await self._kv.add_counts(self._keys.usage(period), adds, ttl)
            if adds:  # a read is not added yet: it waits for the next flush
                self._sent += commands + 1
                self._analyses += analyses
            self._flushed_at = asyncio.get_running_loop().time()
        used, started = totals.get("commands", 0), totals.get("analyses", 0)
        use = BudgetUse(self.budget, period, used, started, used / started if started else None)
        self._warn(use)
        return use

    def _warn(self, use: BudgetUse) -> None:
        said = self._warned.get(use.period, 0.0)
        level = 1.0 if use.fraction >= 1.0 else WARN_AT if use.fraction >= WARN_AT else 0.0
        if level <= said:
            return
        self._warned[use.period] = level
        log.warning(
            "command_budget_spent" if level >= 1.0 else "command_budget_warning",
            budget=str(self.budget),
            period=use.period,
            used=use.used,
            usedPercent=round(100 * use.fraction, 1),
            analysesLeft=use.analyses_left,
        )

    def due(self) -> bool:
        commands, analyses = self._waiting()
        if not commands and not analyses:
            return False  # an idle process sends nothing
        waited = asyncio.get_running_loop().time() - self._flushed_at
        return commands >= FLUSH_COMMANDS or waited >= FLUSH_SECONDS

    def start(self) -> None:
        """Flush in the background whenever due, until `aclose`."""
        self._task = asyncio.create_task(self._run(), name="parley-command-usage")

    async def aclose(self) -> None:
        """Stop flushing; add what still waits, if the store takes it within 2 s."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if any(self._waiting()):
            with contextlib.suppress(StoreError, TimeoutError):
                async with asyncio.timeout(2.0):
                    await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(_CHECK_SECONDS)
            if self.due():
                try:
                    await self.flush()
                except StoreError as exc:  # what waits is added next time
                    log.warning("command_usage_flush_failed", error=str(exc))
