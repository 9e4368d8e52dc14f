"""Counting the commands a store sends, as a hosted Redis bills them.

Every backend counts each command it sends (a script is one command, as providers bill
it, named `EVALSHA <script>`; a SCAN counts its pages; the memory backend counts the
commands Redis would have been sent) in its `CommandCounts`, by name. While a `Meter` is
current (`metered()`, a context variable: tasks started inside inherit it), the same
commands are added to it too: that is how a job's owner learns what the job cost.

Not counted: a retry of a command whose connection dropped, the PING redis-py sends
before reusing a connection idle for 30 s, and a new connection's handshake (HELLO or
AUTH, CLIENT SETNAME, CLIENT SETINFO): a few per connection, not per job.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["CommandCounts", "Meter", "current_meter", "metered"]


@dataclass(slots=True)
class Meter:
    """The commands counted while this meter was current."""

    commands: int = 0


_METER: ContextVar[Meter | None] = ContextVar("parley_meter", default=None)


@contextmanager
def metered(meter: Meter | None = None) -> Iterator[Meter]:
    """Count the commands sent inside the block (and in tasks it starts) in a meter."""
    meter = Meter() if meter is None else meter
    token = _METER.set(meter)
    try:
        yield meter
    finally:
        _METER.reset(token)


def current_meter() -> Meter | None:
    return _METER.get()


class CommandCounts:
    """The commands one store has sent, by name, since it was opened. Safe to add to
    from threads (the memory backend is called from analysis threads too)."""

    def __init__(self) -> None:
        self._by_name: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._total = 0

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._by_name[name] += n
            self._total += n
        if (meter := _METER.get()) is not None:
            meter.commands += n

    @property
    def total(self) -> int:
        return self._total

    def by_name(self) -> dict[str, int]:
        """A copy, most sent first."""
        with self._lock:
            return dict(self._by_name.most_common())
