"""Everything one worker process needs to answer requests: the store, the runner and the
execution mode. Created inside the running event loop, on start-up or on first use."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from parley.api.work import analyze_upload
from parley.errors import ConfigError
from parley.jobs import JobStore, StoreConfig
from parley.jobs.models import utcnow
from parley.jobs.runner import Execution, JobRunner, ProcessExecution, ThreadExecution
from parley.jobs.stats import collect_stats
from parley.kv import KV, open_kv
from parley.log import get_logger
from parley.settings import ExecutionMode, Settings

__all__ = ["Service", "default_mode"]

log = get_logger("parley.api")

T = TypeVar("T")

# Environment variables that say "this is a serverless function": Vercel, and the AWS
# Lambda runtime under it. There a request's process may be frozen after its response,
# so work must finish inside the request (inline), in a thread (no /dev/shm).
_SERVERLESS_MARKERS = ("VERCEL", "AWS_LAMBDA_FUNCTION_NAME")


# /api/stats scans every key family (one command per 500 keys, one GET per sampled key):
# a dashboard refreshing it must not multiply that.
STATS_CACHE_SECONDS = 10.0
# How long shutdown waits for running analyses (uvicorn gives the app 10 s in all).
_SHUTDOWN_GRACE_SECONDS = 5.0


def default_mode(settings: Settings) -> ExecutionMode:
    if settings.execution_mode is not None:
        return settings.execution_mode
    if any(os.environ.get(name) for name in _SERVERLESS_MARKERS):
        return ExecutionMode.INLINE
    return ExecutionMode.BACKGROUND


def _workers_from_environment() -> int:
    # uvicorn and gunicorn read WEB_CONCURRENCY for their worker count.
    try:
        return int(os.environ.get("WEB_CONCURRENCY", "1"))
    except ValueError:
        return 1


@dataclass
class Service:
    settings: Settings
    kv: KV
    store: JobStore
    runner: JobRunner
    mode: ExecutionMode
    instance: str
    loop: asyncio.AbstractEventLoop
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _stats: tuple[float, dict[str, Any]] | None = None

    @classmethod
    async def start(cls, settings: Settings) -> Service:
        if settings.redis_url is None and _workers_from_environment() > 1:
            raise ConfigError(
                "the in-process store serves one process, but WEB_CONCURRENCY asks for "
                "several workers: they would not see each other's jobs. Set REDIS_URL."
            )
        mode = default_mode(settings)
        if mode is ExecutionMode.QUEUE:
            raise ConfigError(
                "PARLEY_MODE=queue (Redis Streams and `parley worker`) is designed but not "
                "built yet; use background (long-lived servers) or inline (serverless)."
            )
        kv = await open_kv(settings)
        store = JobStore(kv, StoreConfig.from_settings(settings))
        # Background: CPU-bound analysis in a thread would stall every poll this worker
        # answers, so it runs in processes. Inline (serverless): no /dev/shm, so threads.
        processes = settings.analysis_processes
        execution: Execution = (
            ProcessExecution(processes, preload=(analyze_upload.__module__,))
            if mode is ExecutionMode.BACKGROUND and processes != 0
            else ThreadExecution()
        )
        runner = JobRunner(
            store,
            execution,
            heartbeat_seconds=settings.heartbeat_seconds,
            progress_interval=settings.progress_interval_seconds,
        )
        if isinstance(execution, ProcessExecution):
            # Start the analysis processes now, off the loop, so the first POST does
            # not pay for spawning them.
            await asyncio.get_running_loop().run_in_executor(None, execution.warm_up)
        instance = f"{socket.gethostname()}:{os.getpid()}"
        log.info(
            "service_started",
            usingKv=kv.shared,
            backend=kv.backend,
            mode=mode.value,
            instance=instance,
        )
        return cls(settings, kv, store, runner, mode, instance, asyncio.get_running_loop())

    def spawn(self, coro: Coroutine[Any, Any, T], **context: Any) -> asyncio.Task[T]:
        """Run a coroutine in the background, keeping a reference until it ends, and log
        its failure (nobody awaits it to see the exception)."""
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        task.add_done_callback(lambda t: self._log_failure(t, context))
        return task

    def _log_failure(self, task: asyncio.Task[Any], context: dict[str, Any]) -> None:
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error(
                "job_run_failed",
                usingKv=self.kv.shared,
                error=str(exc),
                errorType=type(exc).__name__,
                **context,
            )

    async def cached_stats(self) -> dict[str, Any]:
        """The store's statistics, collected at most once per STATS_CACHE_SECONDS."""
        now = time.monotonic()
        if self._stats is None or now - self._stats[0] > STATS_CACHE_SECONDS:
            collected = await collect_stats(self.kv, self.store.keys)
            body = {**collected.to_json(), "instance": self.instance,
                    "cachedAt": utcnow().isoformat(timespec="seconds")}  # fmt: skip
            self._stats = (now, body)
        return self._stats[1]

    async def close(self) -> None:
        """Let running analyses finish for a moment, then stop the rest; their jobs are
        recorded as failed/worker_stopped so pollers learn it at once."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=_SHUTDOWN_GRACE_SECONDS)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.runner.execution.shutdown()
        await self.kv.aclose()
