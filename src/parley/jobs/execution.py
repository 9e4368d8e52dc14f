"""Where a job's work runs: threads of this process, or a pool of analysis processes.

The work is a top-level function `work(input, events) -> result`: it reads its input
value, reports through `events` (progress, and "input accepted" once it has parsed), and
returns a JSON-ready result. Its reports come back to the event loop of the job's owner,
which writes them to the store; the work itself never touches the store.

Threads serve serverless functions (no /dev/shm for process pools there) and tests. A
long-lived server runs CPU-bound work in processes, or it would stall every poll its
event loop answers. The pool here is parley's own rather than concurrent.futures': there,
one dead process breaks the pool and fails every job in it; here each process serves one
job at a time over its own pipe, so a killed process fails only its own job, as
`WorkerLostError`, and is replaced. Analysis processes exit at once when their parent
dies (a kernel parent-death signal, and a watchdog thread where there is none), ignore
Ctrl-C (the parent stops them), and use no semaphores, so nothing "leaks" at exit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing
import os
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from parley.errors import WorkerLostError
from parley.jobs._child import Events, child_main
from parley.jobs.input import JobInput
from parley.log import get_logger

__all__ = [
    "Execution",
    "ProcessExecution",
    "Relay",
    "ThreadExecution",
    "Work",
    "WorkEvents",
]

log = get_logger("parley.execution")


class WorkEvents(Protocol):
    """What the work reports while it runs, from its own thread or process."""

    def progress(self, stage: str, percent: float, message: str = "") -> None: ...

    def accepted(self) -> None:
        """The input has parsed: from here on, a failure is not the input's fault."""


class Relay(Protocol):
    """The owner's side of WorkEvents: called on the owner's event loop thread."""

    def progress(self, stage: str, percent: float, message: str) -> None: ...

    def accepted(self) -> None: ...


Work = Callable[[JobInput, WorkEvents], Any]


class Execution(Protocol):
    """Where work runs. `run` calls the relay on the event loop's thread."""

    async def start(self) -> None:
        """Get ready (start processes) before the first job, so it does not wait."""

    async def run(self, job_id: str, work: Work, input: JobInput, relay: Relay) -> Any: ...

    def shutdown(self) -> None:
        """Stop everything, running work included (its jobs are the runner's to record)."""


# How long stopping the pool waits for idle processes to exit before it kills them.
_SHUTDOWN_SECONDS = 2.0
# How long a killed process may take to be reaped (the kernel does it at once).
_REAP_SECONDS = 1.0
# Bodies above this go through the pipe from a thread, not the event loop's.
_OFFLOAD_BYTES = 256 * 1024


def _deliver(relay: Relay, message: tuple[Any, ...]) -> None:
    if message[0] == "progress":
        relay.progress(*message[1:])
    else:
        relay.accepted()


class ThreadExecution:
    """Runs work in a thread pool of this process (serverless functions, tests)."""

    def __init__(self, max_workers: int = 2) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers, "parley-work")

    async def start(self) -> None:
        return None

    async def run(self, job_id: str, work: Work, input: JobInput, relay: Relay) -> Any:
        loop = asyncio.get_running_loop()
        events = Events(lambda message: loop.call_soon_threadsafe(_deliver, relay, message))
        return await loop.run_in_executor(self._pool, work, input, events)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# -- the analysis processes ------------------------------------------------------------


class _Slot:
    """One analysis process and the parent's end of its pipe."""

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn

    def kill(self) -> None:
        """Kill the process (it ignores SIGTERM) and reap it, so no zombie is left."""
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self.process.kill()
            self.process.join(_REAP_SECONDS)
        self.conn.close()


class ProcessExecution:
    """A pool of analysis processes, each running one job at a time."""

    def __init__(self, max_workers: int | None = None, preload: tuple[str, ...] = ()) -> None:
        # spawn: forking a process that runs an event loop and threads is unsafe.
        self._ctx = multiprocessing.get_context("spawn")
        self.size = max_workers or max(1, min(2, os.cpu_count() or 1))
        self._preload = preload
        self._idle: list[_Slot] = []
        self._busy: set[_Slot] = set()
        self._starting: set[_Slot] = set()  # spawned, not yet ready
        self._free: asyncio.Semaphore | None = None
        # One thread per process waits on its pipe, plus one for sending large inputs.
        self._io = concurrent.futures.ThreadPoolExecutor(self.size + 1, "parley-pipe")
        self._closed = False

    async def _recv(self, slot: _Slot) -> tuple[Any, ...]:
        loop = asyncio.get_running_loop()
        try:
            message: tuple[Any, ...] = await loop.run_in_executor(self._io, slot.conn.recv)
        except (EOFError, OSError):
            raise WorkerLostError(
                "the analysis process stopped unexpectedly (out of memory, or killed)"
            ) from None
        except RuntimeError:  # the pool was shut down meanwhile: its threads are gone
            raise WorkerLostError("the analysis processes have been stopped") from None
        return message

    async def _spawn(self) -> _Slot:
        """A new analysis process, started from the event loop's thread (the kernel's
        parent-death signal is tied to the thread that starts it), once it is ready."""
        parent_end, child_end = self._ctx.Pipe()
        process = self._ctx.Process(
            target=child_main,
            args=(child_end, self._preload, os.getpid()),
            name="parley-analysis",
            daemon=True,
        )
        process.start()
        child_end.close()
        slot = _Slot(process, parent_end)
        self._starting.add(slot)
        try:
            ready = await self._recv(slot)
        except BaseException:
            slot.kill()
            raise
        finally:
            self._starting.discard(slot)
        if self._closed:
            slot.kill()
            raise WorkerLostError("the analysis processes have been stopped")
        if ready[0] != "ready":
            slot.kill()
            raise WorkerLostError(f"the analysis process sent {ready[0]!r} before it was ready")
        return slot

    async def start(self) -> None:
        if self._free is not None:
            return
        self._free = asyncio.Semaphore(self.size)
        started = await asyncio.gather(
            *(self._spawn() for _ in range(self.size)), return_exceptions=True
        )
        slots = [slot for slot in started if isinstance(slot, _Slot)]
        failed = [error for error in started if isinstance(error, BaseException)]
        if failed:
            for slot in slots:
                slot.kill()
            raise failed[0]
        self._idle.extend(slots)

    async def _acquire(self) -> _Slot:
        await self.start()
        assert self._free is not None
        await self._free.acquire()
        slot = self._idle.pop() if self._idle else None
        if slot is None or not slot.process.is_alive():
            if slot is not None:
                slot.kill()
            try:
                slot = await self._spawn()
            except BaseException:
                self._free.release()
                raise
        self._busy.add(slot)
        return slot

    def _release(self, slot: _Slot, *, alive: bool) -> None:
        self._busy.discard(slot)
        if alive and not self._closed:
            self._idle.append(slot)
        else:
            slot.kill()
        assert self._free is not None
        self._free.release()

    async def _send(self, slot: _Slot, task: tuple[Work, JobInput]) -> None:
        try:
            if task[1].size > _OFFLOAD_BYTES:
                await asyncio.get_running_loop().run_in_executor(self._io, slot.conn.send, task)
            else:
                slot.conn.send(task)
        except (OSError, ValueError):
            raise WorkerLostError("the analysis process stopped before it took the job") from None

    async def run(self, job_id: str, work: Work, input: JobInput, relay: Relay) -> Any:
        if self._closed:
            raise WorkerLostError("the analysis processes have been stopped")
        slot = await self._acquire()
        alive = False
        try:
            await self._send(slot, (work, input))
            while True:
                message = await self._recv(slot)
                if message[0] == "done":
                    alive = True
                    return message[1]
                if message[0] == "error":
                    alive = True
                    exc: BaseException = message[1]
                    if not isinstance(exc, Exception):  # SystemExit, KeyboardInterrupt...
                        raise RuntimeError(f"the analysis stopped: {type(exc).__name__}")
                    exc.__notes__ = [message[2]]  # the traceback, from the process
                    raise exc
                _deliver(relay, message)
        except WorkerLostError:
            log.warning("analysis_process_lost", jobId=job_id, processes=self.size)
            raise
        finally:
            # Cancelled (shutdown) or lost: the process is killed, and replaced on demand.
            self._release(slot, alive=alive)

    def shutdown(self) -> None:
        """Stop every analysis process: idle ones are asked to exit, busy ones (whose
        jobs the runner has already recorded) and ones still starting are killed."""
        self._closed = True
        for slot in self._idle:
            with contextlib.suppress(OSError, ValueError):
                slot.conn.send(None)
        for slot in [*self._busy, *self._starting]:
            slot.kill()
        deadline = time.monotonic() + _SHUTDOWN_SECONDS
        for slot in self._idle:
            with contextlib.suppress(ValueError, AttributeError):
                slot.process.join(max(0.0, deadline - time.monotonic()))
            slot.kill()
        self._idle.clear()
        self._busy.clear()
        self._starting.clear()
        self._io.shutdown(wait=False, cancel_futures=True)

    def pids(self) -> list[int]:
        """The analysis processes' ids (for tests and `parley worker`'s log)."""
        slots = [*self._idle, *self._busy, *self._starting]
        return [pid for slot in slots if (pid := slot.process.pid) is not None]
