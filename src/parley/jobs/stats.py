"""What the hosting dashboard shows, from inside: memory, limits, keys and bytes per key
family, how many more results fit, and warnings about settings that lose jobs."""

from __future__ import annotations

import contextlib
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from parley.errors import StoredValueError
from parley.jobs.keys import QUEUE_GROUP, KeyLayout
from parley.jobs.store import parse_job
from parley.jobs.usage import WARN_AT, BudgetUse, CommandUsage, PerJob, per_job
from parley.kv import KV, ServerInfo, StreamInfo

__all__ = ["FamilyStats", "StoreStats", "collect_stats", "results_fit", "store_warnings"]

# Sizes are measured on at most this many keys per family (one GET each: a metered Redis
# counts every command), and extrapolated to the family's key count.
SAMPLE_KEYS = 100
# Before any result exists, assume a typical stored (compressed) result: measured 5.3 KB
# for 3,000 messages and 7.5 KB for 250,000 (bench/codec.py); round up.
TYPICAL_RESULT_BYTES = 8 * 1024
# Fewer free result slots than this is worth a warning.
FEW_RESULTS = 200


@dataclass(frozen=True, slots=True)
class FamilyStats:
    keys: int
    bytes: int  # value bytes, extrapolated from a sample when the family is large
    sampled: int


@dataclass(frozen=True, slots=True)
class StoreStats:
    backend: str
    shared: bool
    latency_ms: float
    server: ServerInfo
    families: dict[str, FamilyStats]
    average_result_bytes: int | None
    results_fit: int | None  # None: no memory limit
    queue: StreamInfo | None = None  # queue mode's stream, when there is one
    per_job: PerJob | None = None  # commands per job, from the sampled job records
    budget: BudgetUse | None = None  # with PARLEY_COMMAND_BUDGET
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "usingKv": self.shared,
            "latencyMs": self.latency_ms,
            "server": {
                "version": self.server.version,
                "usedMemory": self.server.used_memory,
                "maxMemory": self.server.maxmemory,
                "maxMemoryPolicy": self.server.maxmemory_policy,
                "keys": self.server.keys,
                "commandsProcessed": self.server.commands_processed,
                "nodes": self.server.nodes,
            },
            "families": {name: asdict(f) for name, f in self.families.items()},
            "averageResultBytes": self.average_result_bytes,
            "resultsFit": self.results_fit,
            "queue": (
                None
                if self.queue is None
                else {
                    "waiting": self.queue.waiting,
                    "running": self.queue.pending,
                    "oldestWaitingSeconds": (
                        None
                        if self.queue.oldest_waiting is None
                        else round(self.queue.oldest_waiting, 1)
                    ),
                    "workers": len(self.queue.consumers),
                }
            ),
            "commandsPerJob": None if self.per_job is None else self.per_job.to_json(),
            "budget": None if self.budget is None else self.budget.to_json(),
            "warnings": self.warnings,
        }


async def _family(kv: KV, pattern: str, *, sample: bool) -> tuple[FamilyStats, list[bytes]]:
    keys = 0
    values: list[bytes] = []
    async for key in kv.scan(pattern):
        keys += 1
        if sample and len(values) < SAMPLE_KEYS:
            value = await kv.get(key)
            if value is not None:
                values.append(value)
    total = round(statistics.fmean(map(len, values)) * keys) if values else 0
    return FamilyStats(keys=keys, bytes=total, sampled=len(values)), values


def _commands_of(records: list[bytes]) -> list[int]:
    """What the sampled jobs' owners recorded (an ended job's `commands`), skipping the
    records that cannot be read."""
    spent: list[int] = []
    for raw in records:
        with contextlib.suppress(StoredValueError):
            if (commands := parse_job(raw).commands) is not None:
                spent.append(commands)
    return spent


def results_fit(info: ServerInfo, average_result_bytes: int | None) -> int | None:
    """How many more results fit under maxmemory; None when there is no limit."""
    if not info.maxmemory:
        return None
    free = max(0, info.maxmemory - info.used_memory)
    return free // (average_result_bytes or TYPICAL_RESULT_BYTES)


# Analyses waiting this long for a worker deserve a word: maybe none is running.
SLOW_QUEUE_SECONDS = 60.0


def queue_warnings(queue: StreamInfo | None) -> list[str]:
    """What the queue says about its workers, in plain words."""
    if queue is None or queue.oldest_waiting is None or queue.oldest_waiting < SLOW_QUEUE_SECONDS:
        return []
    return [
        f"{queue.waiting} analyses wait for a worker, the oldest for "
        f"{queue.oldest_waiting:.0f} s: check that parley worker processes run against this "
        "Redis, with the same PARLEY_KEY_PREFIX as the web processes (or add workers)."
    ]


def budget_warnings(use: BudgetUse | None) -> list[str]:
    """A budget mostly spent, in plain words."""
    if use is None or use.fraction < WARN_AT:
        return []
    left = use.analyses_left
    return [
        f"{use.used} of the {use.budget} Redis commands (PARLEY_COMMAND_BUDGET) are used "
        f"this {use.budget.period} ({100 * use.fraction:.0f} %)"
        + (f": about {left} more analyses fit" if left is not None else "")
        + "; past the limit a hosted Redis refuses commands (parley answers 507)."
    ]


def store_warnings(info: ServerInfo, average_result_bytes: int | None) -> list[str]:
    """Settings of the store that can lose jobs or leave little room, in plain words."""
    warnings: list[str] = []
    policy = info.maxmemory_policy
    if policy.startswith("allkeys-"):
        warnings.append(
            f"maxmemory-policy is {policy}: when memory runs out Redis evicts any key, "
            "including keys without a TTL that other applications keep here, and parley's "
            "running jobs (their polls then answer 'not found'). Prefer noeviction, which "
            "parley reports as 507 Insufficient Storage, or a database of its own."
        )
    elif policy.startswith("volatile-"):
        warnings.append(
            f"maxmemory-policy is {policy}: when memory runs out Redis evicts keys with a "
            "TTL, which is every parley key, so running jobs can vanish mid-analysis. "
            "Prefer noeviction: parley then answers 507 and loses nothing."
        )
    fit = results_fit(info, average_result_bytes)
    if fit is not None and fit < FEW_RESULTS:
        warnings.append(
            f"only about {fit} more results fit in the {info.maxmemory // 1024} KB "
            "maxmemory; results expire after the TTL, but a burst of analyses will "
            "find the store full."
        )
    return warnings


async def collect_stats(kv: KV, layout: KeyLayout, usage: CommandUsage | None = None) -> StoreStats:
    """The store's statistics; with `usage` (PARLEY_COMMAND_BUDGET), the budget's use too,
    after adding this process's waiting commands to it."""
    budget = None if usage is None else await usage.flush()
    latency = await kv.ping()
    info = await kv.info()
    families: dict[str, FamilyStats] = {}
    sampled: dict[str, list[bytes]] = {}
    for name, pattern in layout.family_patterns().items():
        # The queue is a stream: no value to GET (its counts come from the stream itself);
        # the usage counters are hashes, read by `usage`.
        families[name], sampled[name] = await _family(
            kv, pattern, sample=name not in ("queue", "usage")
        )
    result_sizes = [len(value) for value in sampled["result"]]
    queue = None
    if families["queue"].keys:
        queue, _ = await kv.stream_pending(layout.queue(), QUEUE_GROUP, 0, 0)
    average = round(statistics.fmean(result_sizes)) if result_sizes else None
    return StoreStats(
        backend=kv.backend,
        shared=kv.shared,
        latency_ms=round(latency * 1000, 3),
        server=info,
        families=families,
        average_result_bytes=average,
        results_fit=results_fit(info, average),
        queue=queue,
        per_job=per_job(_commands_of(sampled["job"])),
        budget=budget,
        warnings=store_warnings(info, average) + queue_warnings(queue) + budget_warnings(budget),
    )
