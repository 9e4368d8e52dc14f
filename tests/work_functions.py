"""Top-level work functions: picklable, so process pools can run them in tests."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

from parley.errors import ParseError

Progress = Callable[[str, float, str], None]


def count_to(n: int, progress: Progress) -> dict[str, int]:
    for i in range(n):
        progress("counting", 100 * i / n, f"{i} of {n}")
    progress("counting", 100, "done")
    return {"counted": n}


def slow(seconds: float, progress: Progress) -> dict[str, float]:
    progress("sleeping", 0, "")
    time.sleep(seconds)
    progress("sleeping", 100, "")
    return {"slept": seconds}


def bad_input(progress: Progress) -> None:
    progress("parsing", 0, "")
    raise ParseError("not a message", format="whatsapp", line=3)


def crash(progress: Progress) -> None:
    raise RuntimeError("boom")


def report_then_crash(progress: Progress) -> None:
    progress("analysing", 10, "")
    time.sleep(0.1)
    progress("analysing", 20, "")  # held back by the owner's throttle
    raise RuntimeError("boom")


def ticking(seconds: float, progress: Progress) -> dict[str, float]:
    """Reports every 0.1 s for `seconds`: a live job that keeps writing progress."""
    steps = int(seconds / 0.1)
    for i in range(steps):
        progress("ticking", 100 * i / steps, "")
        time.sleep(0.1)
    return {"ticked": seconds}


def die(progress: Progress) -> None:
    """The analysis process is killed (as the kernel's OOM killer would)."""
    progress("analysing", 5, "")
    os.kill(os.getpid(), signal.SIGKILL)
