"""The in-process store: a dict with expiry times. One process only.

It keeps Redis's semantics for everything parley uses — TTL on every write, SET NX,
compare-and-set, expiry on read — so the same contract tests pass on both backends.
All operations are synchronous under a lock and never await while holding it, which
makes them atomic under asyncio tasks and threads alike.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import AsyncIterator, Callable

from parley.errors import StoreFullError
from parley.kv._base import ServerInfo

__all__ = ["MemoryKV"]

# Expired keys are removed on read, and all of them at most once per this interval, so
# keys nobody reads again do not pile up (an O(n) sweep, amortised over the writes).
_SWEEP_INTERVAL = 1.0


class MemoryKV:
    """The memory backend. `max_bytes` (keys + values) makes writes past it StoreFullError."""

    def __init__(self, *, max_bytes: int = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._max_bytes = max_bytes
        self._used = 0
        self._next_sweep = 0.0
        self._commands = 0

    @property
    def backend(self) -> str:
        return "memory"

    @property
    def shared(self) -> bool:
        return False

    # -- helpers, called with the lock held ------------------------------------------

    def _live(self, key: str, now: float) -> bytes | None:
        self._commands += 1
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= now:
            self._remove(key)
            return None
        return item[0]

    def _remove(self, key: str) -> None:
        value, _ = self._data.pop(key)
        self._used -= len(key) + len(value)

    def _put(self, key: str, value: bytes, ttl: float, now: float) -> None:
        if not ttl > 0:
            raise ValueError(f"ttl must be > 0 seconds, got {ttl!r}")
        old = self._data.get(key)
        grow = len(key) + len(value) - (len(key) + len(old[0]) if old else 0)
        if self._max_bytes and self._used + grow > self._max_bytes:
            raise StoreFullError(
                f"the in-process store is full ({self._used} of {self._max_bytes} bytes used)"
            )
        self._data[key] = (value, now + ttl)
        self._used += grow
        if now >= self._next_sweep:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        for key in [k for k, (_, expires) in self._data.items() if expires <= now]:
            self._remove(key)
        self._next_sweep = now + _SWEEP_INTERVAL

    # -- the KV interface -------------------------------------------------------------

    async def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._live(key, self._clock())

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        with self._lock:
            self._commands += 1
            self._put(key, value, ttl, self._clock())

    async def set_nx(self, key: str, value: bytes, ttl: float) -> bool:
        with self._lock:
            now = self._clock()
            if self._live(key, now) is not None:
                return False
            self._put(key, value, ttl, now)
            return True

    async def compare_and_set(
        self, key: str, expected: bytes | None, value: bytes, ttl: float
    ) -> bool:
        with self._lock:
            now = self._clock()
            if self._live(key, now) != expected:
                return False
            self._put(key, value, ttl, now)
            return True

    async def set_if_prefix(self, key: str, prefix: bytes, value: bytes, ttl: float) -> bool:
        with self._lock:
            now = self._clock()
            current = self._live(key, now)
            if current is None or not current.startswith(prefix):
                return False
            self._put(key, value, ttl, now)
            return True

    async def delete(self, key: str) -> bool:
        with self._lock:
            if self._live(key, self._clock()) is None:
                return False
            self._remove(key)
            return True

    async def expire(self, key: str, ttl: float) -> bool:
        with self._lock:
            now = self._clock()
            value = self._live(key, now)
            if value is None:
                return False
            self._put(key, value, ttl, now)
            return True

    async def ttl(self, key: str) -> float | None:
        with self._lock:
            now = self._clock()
            if self._live(key, now) is None:
                return None
            return self._data[key][1] - now

    async def scan(self, match: str) -> AsyncIterator[str]:
        with self._lock:
            now = self._clock()
            self._sweep(now)
            keys = [k for k in self._data if fnmatch.fnmatchcase(k, match)]
        for key in keys:
            yield key

    async def ping(self) -> float:
        started = time.perf_counter()
        with self._lock:
            self._commands += 1
        return time.perf_counter() - started

    async def info(self) -> ServerInfo:
        with self._lock:
            self._sweep(self._clock())
            return ServerInfo(
                backend="memory",
                version="in-process",
                used_memory=self._used,
                maxmemory=self._max_bytes,
                maxmemory_policy="noeviction",
                keys=len(self._data),
                commands_processed=self._commands,
            )

    async def aclose(self) -> None:
        with self._lock:
            self._data.clear()
            self._used = 0
