"""Top-level work functions: picklable, so analysis processes can run them in tests.
Each reads its parameters from its input's options, as real work reads its input."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

from parley.errors import ParseError
from parley.jobs import JobInput
from parley.jobs.execution import WorkEvents


def given(**options: Any) -> JobInput:
    """An input carrying only options (the work functions here read nothing else)."""
    return JobInput(b"", options=options)


def count_to(input: JobInput, events: WorkEvents) -> dict[str, int]:
    n = int(input.options["n"])
    events.accepted()
    for i in range(n):
        events.progress("counting", 100 * i / n, f"{i} of {n}")
    events.progress("counting", 100, "done")
    return {"counted": n}


def slow(input: JobInput, events: WorkEvents) -> dict[str, float]:
    seconds = float(input.options["seconds"])
    events.progress("sleeping", 0, "")
    events.accepted()
    time.sleep(seconds)
    events.progress("sleeping", 100, "")
    return {"slept": seconds}


def bad_input(input: JobInput, events: WorkEvents) -> None:
    events.progress("parsing", 0, "")
    raise ParseError("not a message", format="whatsapp", line=3)


def crash(input: JobInput, events: WorkEvents) -> None:
    raise RuntimeError("boom")


def report_then_crash(input: JobInput, events: WorkEvents) -> None:
    events.progress("analysing", 10, "")
    time.sleep(0.1)
    events.progress("analysing", 20, "")  # held back by the owner's throttle
    raise RuntimeError("boom")


def ticking(input: JobInput, events: WorkEvents) -> dict[str, float]:
    """Reports every 0.1 s for `seconds`: a live job that keeps writing progress."""
    seconds = float(input.options["seconds"])
    steps = int(seconds / 0.1)
    events.accepted()
    for i in range(steps):
        events.progress("ticking", 100 * i / steps, "")
        time.sleep(0.1)
    return {"ticked": seconds}


def die(input: JobInput, events: WorkEvents) -> None:
    """The analysis process is killed (as the kernel's OOM killer would)."""
    events.progress("analysing", 5, "")
    os.kill(os.getpid(), signal.SIGKILL)


def echo_size(input: JobInput, events: WorkEvents) -> dict[str, Any]:
    """What arrived: the input's size and options (it crossed a pipe intact)."""
    events.accepted()
    return {"bytes": len(input.data), "filename": input.filename, "options": dict(input.options)}


# Gates for work run in threads of the test's own process: the test opens one when it
# has set the scene (filled the store, stopped Redis...).
GATES: dict[str, threading.Event] = {}


def gated(input: JobInput, events: WorkEvents) -> dict[str, str]:
    """Waits for its gate, then returns `kb` KB of incompressible noise."""
    events.accepted()
    if not GATES[str(input.options["gate"])].wait(60):
        raise TimeoutError("the test never opened the gate")
    return {"noise": os.urandom(int(input.options.get("kb", 1)) * 512).hex()}
