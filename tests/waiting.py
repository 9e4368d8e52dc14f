"""Waiting on a condition, for as long as a busy machine may need: a deadline, not a count."""

from __future__ import annotations

import time
from collections.abc import Iterator

# Generous: a shared CI machine may run a test many times slower than a laptop.
DEADLINE_SECONDS = 60.0


def attempts(seconds: float = DEADLINE_SECONDS) -> Iterator[int]:
    """`for _ in attempts(): check, break when done, sleep`: tries until `seconds` have
    passed, however many tries that takes (at least one)."""
    deadline = time.monotonic() + seconds
    tried = 0
    while tried == 0 or time.monotonic() < deadline:
        yield tried
        tried += 1
