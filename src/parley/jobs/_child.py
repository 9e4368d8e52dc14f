"""The analysis process's side of the pool (see `execution`): it runs one (work, input)
at a time, sent over its pipe, and sends back the work's reports and its outcome.

Kept apart so that an analysis process imports only this, the work and the analysis:
not the parent's logging, store or event loop machinery.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["Events", "child_main"]

# The work side sends at most one report per this interval (stage changes and 100 %
# always): the callback stays cheap for the work however often it is called, and the
# relay carries ~20 messages a second at most.
_SEND_INTERVAL = 0.05
# How often an analysis process checks that its parent is still there (where the kernel
# cannot tell it: the parent-death signal is Linux-only).
_WATCHDOG_SECONDS = 0.2


class Events:
    """The work's WorkEvents: drops progress reports that come too soon after the last."""

    def __init__(self, send: Callable[[tuple[Any, ...]], object]) -> None:
        self._send = send
        self._last = 0.0
        self._stage = ""

    def progress(self, stage: str, percent: float, message: str = "") -> None:
        now = time.monotonic()
        if stage != self._stage or percent >= 100 or now - self._last >= _SEND_INTERVAL:
            self._last = now
            self._stage = stage
            self._send(("progress", stage, percent, message))

    def accepted(self) -> None:
        self._send(("accepted",))


def _die_with_parent(parent: int) -> None:
    """Exit as soon as `parent` is gone: a parent killed with SIGKILL cannot stop us."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_WATCHDOG_SECONDS)
        os._exit(0)

    if os.getppid() != parent:  # it died before the signal was set
        os._exit(0)
    threading.Thread(target=watch, name="parley-parent-watch", daemon=True).start()


def _portable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling (parley's errors do), else a RuntimeError saying it."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes, made a line above
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def child_main(conn: Connection, preload: tuple[str, ...], parent: int) -> None:
    """An analysis process: runs one (work, input) at a time, sent over `conn`."""
    # Ctrl-C, and a supervisor's SIGTERM to the whole process group (systemd's default),
    # reach this process too: its parent decides when it stops (after a grace period,
    # with SIGKILL), so that a running analysis can finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent(parent)
    for module in preload:  # pay the imports when the process starts, not in a job
        importlib.import_module(module)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        work, input = task
        events = Events(conn.send)
        try:
            result = work(input, events)
        except BaseException as exc:
            conn.send(("error", _portable(exc), traceback.format_exc()))
        else:
            conn.send(("done", result))
