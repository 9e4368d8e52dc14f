"""Everything one worker process needs to answer requests: the store and the driver of its
execution mode. Created inside the running event loop, on start-up or on first use."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from parley.api.access import Access
from parley.errors import ConfigError
from parley.jobs import JobStore, StoreConfig
from parley.jobs.drivers import BackgroundDriver, Driver, InlineDriver, QueueDriver
from parley.jobs.execution import Execution, ProcessExecution, ThreadExecution
from parley.jobs.models import utcnow
from parley.jobs.queue import JobQueue
from parley.jobs.runner import JobRunner
from parley.jobs.stats import collect_stats
from parley.jobs.usage import CommandUsage
from parley.kv import KV, describe_store, open_kv
from parley.log import get_logger
from parley.settings import ExecutionMode, Settings
from parley.work import analyze_input

__all__ = ["Service", "build_driver", "default_mode"]

log = get_logger("parley.api")

# /api/stats scans every key family (one command per 500 keys, one GET per sampled key):
# a dashboard refreshing it must not multiply that.
STATS_CACHE_SECONDS = 10.0


def default_mode(settings: Settings) -> ExecutionMode:
    """PARLEY_MODE, else inline on a serverless host (work must finish inside the request
    there, in a thread), else background."""
    if settings.execution_mode is not None:
        return settings.execution_mode
    return ExecutionMode.INLINE if settings.serverless else ExecutionMode.BACKGROUND


def instance_name() -> str:
    """This process, as jobs and logs name it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def build_driver(mode: ExecutionMode, store: JobStore, settings: Settings) -> Driver:
    """The driver of `mode`, with what it runs on. Background runs CPU-bound analysis in
    processes (in a thread it would stall every poll this worker answers); inline
    (serverless: no /dev/shm) in threads; queue in no process of this one."""
    if mode is ExecutionMode.QUEUE:
        queue = JobQueue(store.kv, store.keys, settings.ttl_seconds)
        return QueueDriver(store, queue, queue_max=settings.queue_max)
    processes = settings.analysis_processes
    execution: Execution = (
        ProcessExecution(processes, preload=(analyze_input.__module__,))
        if mode is ExecutionMode.BACKGROUND and processes != 0
        else ThreadExecution()
    )
    runner = JobRunner(
        store,
        execution,
        analyze_input,
        heartbeat_seconds=settings.heartbeat_seconds,
        progress_interval=settings.progress_interval_seconds,
        owner=instance_name(),
    )
    if mode is ExecutionMode.INLINE:
        return InlineDriver(store, runner)
    return BackgroundDriver(store, runner)


@dataclass
class Service:
    settings: Settings
    kv: KV
    store: JobStore
    driver: Driver
    instance: str
    loop: asyncio.AbstractEventLoop
    access: Access
    usage: CommandUsage | None = None  # with PARLEY_COMMAND_BUDGET
    _stats: tuple[float, dict[str, Any]] | None = None

    @property
    def mode(self) -> ExecutionMode:
        return self.driver.mode

    @classmethod
    async def start(cls, settings: Settings) -> Service:
        choice = describe_store(settings)
        if not choice.shared and settings.web_concurrency > 1:
            raise ConfigError(
                "the in-process store serves one process, but WEB_CONCURRENCY asks for "
                "several workers: they would not see each other's jobs. Set REDIS_URL."
            )
        mode = default_mode(settings)
        if mode is ExecutionMode.QUEUE and not choice.shared:
            raise ConfigError(
                "PARLEY_MODE=queue hands jobs to `parley worker` processes, which only a "
                "shared store reaches: set REDIS_URL (or use background or inline)."
            )
        kv = await open_kv(settings)
        store = JobStore(kv, StoreConfig.from_settings(settings))
        driver = build_driver(mode, store, settings)
        try:
            # Start the analysis processes now, so the first POST does not pay for them.
            await driver.start()
        except BaseException:
            await driver.aclose()
            await kv.aclose()
            raise
        instance = instance_name()
        log.info(
            "service_started",
            usingKv=kv.shared,
            backend=kv.backend,
            mode=mode.value,
            instance=instance,
        )
        access = Access.from_settings(settings)
        usage = CommandUsage.started_for(store, settings.command_budget)
        loop = asyncio.get_running_loop()
        return cls(settings, kv, store, driver, instance, loop, access, usage)

    async def cached_stats(self) -> dict[str, Any]:
        """The store's statistics, collected at most once per STATS_CACHE_SECONDS."""
        now = time.monotonic()
        if self._stats is None or now - self._stats[0] > STATS_CACHE_SECONDS:
            collected = await collect_stats(self.kv, self.store.keys, self.usage)
            body = {
                **collected.to_json(),
                # what this worker process's store has sent since it started, by command
                "processCommands": {
                    "total": self.kv.commands.total,
                    "byCommand": self.kv.commands.by_name(),
                },
                "instance": self.instance,
                "cachedAt": utcnow().isoformat(timespec="seconds"),
            }
            self._stats = (now, body)
        return self._stats[1]

    async def close(self) -> None:
        """Stop the driver (running analyses end, or say they stopped), then the store."""
        await self.driver.aclose()
        if self.usage is not None:
            await self.usage.aclose()
        await self.kv.aclose()
