"""The in-process store: a dict with expiry times. One process only.

It keeps Redis's semantics for everything parley uses — TTL on every write, SET NX,
compare-and-set, expiry on read, streams read in consumer groups with pending entries and
claims — so the same contract tests pass on both backends. All operations are
synchronous under a lock and never await while holding it, which makes them atomic under
asyncio tasks and threads alike; a blocked stream read waits outside the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from parley.errors import StoreFullError, StoreUnavailableError
from parley.kv._base import PendingEntry, ServerInfo, StreamEntry, StreamInfo
from parley.kv._fanout import Fanout, Listener
from parley.kv._metering import CommandCounts

__all__ = ["MemoryKV"]

# Expired keys are removed on read, and all of them at most once per this interval, so
# keys nobody reads again do not pile up (an O(n) sweep, amortised over the writes).
_SWEEP_INTERVAL = 1.0
_SCAN_PAGE = 500  # keys per SCAN, as the Redis backend asks (its COUNT)


def _parse_id(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass
class _Pending:
    consumer: str
    delivered_at: float  # the backend's clock
    deliveries: int


@dataclass
class _Group:
    last_delivered: tuple[int, int] = (0, 0)
    pending: dict[str, _Pending] = field(default_factory=dict)  # in id order
    consumers: set[str] = field(default_factory=set)


@dataclass
class _Stream:
    entries: dict[str, dict[str, str]] = field(default_factory=dict)  # in id order
    groups: dict[str, _Group] = field(default_factory=dict)
    last_id: tuple[int, int] = (0, 0)

    def size(self) -> int:
        return sum(
            len(i) + sum(len(k) + len(v) for k, v in f.items()) for i, f in self.entries.items()
        )


class MemoryKV:
    """The memory backend. `max_bytes` (keys + values) makes writes past it StoreFullError."""

    def __init__(self, *, max_bytes: int = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: dict[str, tuple[bytes, float]] = {}
        self._streams: dict[str, tuple[_Stream, float]] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._max_bytes = max_bytes
        self._used = 0
        self._next_sweep = 0.0
        self._counts = CommandCounts()  # what Redis would have been sent
        # Blocked stream reads, by key: each is woken (from any thread) when the key changes.
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]] = {}
        self._fanout = Fanout()  # listeners of published values, in this process

    @property
    def backend(self) -> str:
        return "memory"

    @property
    def shared(self) -> bool:
        return False

    @property
    def commands(self) -> CommandCounts:
        return self._counts

    # -- helpers, called with the lock held ------------------------------------------

    def _live(self, key: str, now: float) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= now:
            self._remove(key)
            return None
        return item[0]

    def _stream(self, key: str, now: float) -> _Stream | None:
        item = self._streams.get(key)
        if item is None:
            if key in self._data and self._data[key][1] > now:
                raise StoreUnavailableError(
                    f"the in-process store refused the command: {key} holds a value, not a stream"
                )
            return None
        if item[1] <= now:
            self._remove_stream(key)
            return None
        return item[0]

    def _remove(self, key: str) -> None:
        value, _ = self._data.pop(key)
        self._used -= len(key) + len(value)

    def _remove_stream(self, key: str) -> None:
        stream, _ = self._streams.pop(key)
        self._used -= len(key) + stream.size()
        self._wake(key)

    def _room(self, grow: int, even_if_full: bool = False) -> None:
        if self._max_bytes and self._used + grow > self._max_bytes and not even_if_full:
            raise StoreFullError(
                f"the in-process store is full ({self._used} of {self._max_bytes} bytes used)"
            )

    def _put(
        self, key: str, value: bytes, ttl: float, now: float, even_if_full: bool = False
    ) -> None:
        if not ttl > 0:
            raise ValueError(f"ttl must be > 0 seconds, got {ttl!r}")
        old = self._data.get(key)
        grow = len(key) + len(value) - (len(key) + len(old[0]) if old else 0)
        self._room(grow, even_if_full)
        if key in self._streams:  # SET replaces a key of any type, as in Redis
            self._remove_stream(key)
        self._data[key] = (value, now + ttl)
        self._used += grow
        if now >= self._next_sweep:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        for key in [k for k, (_, expires) in self._data.items() if expires <= now]:
            self._remove(key)
        for key in [k for k, (_, expires) in self._streams.items() if expires <= now]:
            self._remove_stream(key)
        self._next_sweep = now + _SWEEP_INTERVAL

    def _wake(self, key: str) -> None:
        for loop, future in self._waiters.pop(key, []):
            with contextlib.suppress(RuntimeError):  # its loop has closed
                loop.call_soon_threadsafe(_resolve, future)

    # -- the KV interface -------------------------------------------------------------

    async def get(self, key: str) -> bytes | None:
        self._counts.add("GET")
        with self._lock:
            now = self._clock()
            if key in self._streams and self._stream(key, now) is not None:
                raise StoreUnavailableError(
                    f"the in-process store refused the command: {key} holds a stream"
                )
            return self._live(key, now)

    async def get_with_ttl(self, key: str) -> tuple[bytes, float] | None:
        self._counts.add("EVALSHA get_with_ttl")
        with self._lock:
            now = self._clock()
            value = self._live(key, now)
            return None if value is None else (value, self._data[key][1] - now)

    async def set(self, key: str, value: bytes, ttl: float, *, publish: str | None = None) -> None:
        self._counts.add("SET" if publish is None else "EVALSHA set_publish")
        with self._lock:
            self._put(key, value, ttl, self._clock())
            self._publish(publish, value)

    async def set_nx(
        self, key: str, value: bytes, ttl: float, *, publish: str | None = None
    ) -> bool:
        self._counts.add("SET" if publish is None else "EVALSHA set_nx_publish")
        with self._lock:
            now = self._clock()
            if self._live(key, now) is not None:
                return False
            self._put(key, value, ttl, now)
            self._publish(publish, value)
            return True

    async def compare_and_set(
        self,
        key: str,
        expected: bytes | None,
        value: bytes,
        ttl: float,
        *,
        even_if_full: bool = False,
    ) -> bool:
        self._counts.add("EVALSHA cas")
        with self._lock:
            now = self._clock()
            if self._live(key, now) != expected:
                return False
            self._put(key, value, ttl, now, even_if_full)
            return True

    async def set_if_prefix(
        self,
        key: str,
        prefix: bytes,
        value: bytes,
        ttl: float,
        *,
        even_if_full: bool = False,
        publish: str | None = None,
    ) -> bool:
        self._counts.add("EVALSHA prefix")
        with self._lock:
            now = self._clock()
            current = self._live(key, now)
            if current is None or not current.startswith(prefix):
                return False
            self._put(key, value, ttl, now, even_if_full)
            self._publish(publish, value)
            return True

    def _publish(self, channel: str | None, value: bytes) -> None:
        """Under the lock, so listeners hear values in the order they were written."""
        if channel is not None:
            self._fanout.deliver(channel, value)

    @asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[Listener]:
        listener, first = self._fanout.add(channel)
        if first:
            self._counts.add("SUBSCRIBE")
        try:
            yield listener
        finally:
            if self._fanout.remove(listener):
                self._counts.add("UNSUBSCRIBE")

    async def add_counts(self, key: str, counts: Mapping[str, int], ttl: float) -> dict[str, int]:
        # The hash is kept as a JSON object under the key: it expires, scans and deletes
        # like any value (Redis would refuse a GET of it, which parley never sends).
        self._counts.add("EVALSHA add_counts" if counts else "HGETALL")
        with self._lock:
            now = self._clock()
            current = self._live(key, now)
            totals: dict[str, int] = json.loads(current) if current is not None else {}
            if not counts:
                return totals
            for name, n in counts.items():
                totals[name] = totals.get(name, 0) + int(n)
            self._put(key, json.dumps(totals).encode(), ttl, now)
            return totals

    async def delete(self, key: str, *, publish: str | None = None) -> bool:
        self._counts.add("DEL" if publish is None else "EVALSHA delete_publish")
        with self._lock:
            now = self._clock()
            if key in self._streams:
                if self._stream(key, now) is None:
                    return False
                self._remove_stream(key)
                return True
            if self._live(key, now) is None:
                return False
            self._remove(key)
            self._publish(publish, b"")
            return True

    async def delete_if(self, key: str, expected: bytes) -> bool:
        self._counts.add("EVALSHA delete_if")
        with self._lock:
            if self._live(key, self._clock()) != expected:
                return False
            self._remove(key)
            return True

    async def expire(self, key: str, ttl: float) -> bool:
        if not ttl > 0:
            raise ValueError(f"ttl must be > 0 seconds, got {ttl!r}")
        self._counts.add("PEXPIRE")
        with self._lock:
            now = self._clock()
            if key in self._streams:
                stream = self._stream(key, now)
                if stream is None:
                    return False
                self._streams[key] = (stream, now + ttl)
                return True
            value = self._live(key, now)
            if value is None:
                return False
            self._data[key] = (value, now + ttl)
            return True

    async def ttl(self, key: str) -> float | None:
        self._counts.add("PTTL")
        with self._lock:
            now = self._clock()
            if key in self._streams:
                return None if self._stream(key, now) is None else self._streams[key][1] - now
            if self._live(key, now) is None:
                return None
            return self._data[key][1] - now

    async def scan(self, match: str) -> AsyncIterator[str]:
        with self._lock:
            now = self._clock()
            self._sweep(now)
            every = [*self._data, *self._streams]
            keys = [k for k in every if fnmatch.fnmatchcase(k, match)]
        self._counts.add("SCAN", max(1, math.ceil(len(every) / _SCAN_PAGE)))
        for key in keys:
            yield key

    async def ping(self) -> float:
        started = time.perf_counter()
        self._counts.add("PING")
        return time.perf_counter() - started

    async def info(self) -> ServerInfo:
        self._counts.add("INFO")
        with self._lock:
            self._sweep(self._clock())
            return ServerInfo(
                backend="memory",
                version="in-process",
                used_memory=self._used,
                maxmemory=self._max_bytes,
                maxmemory_policy="noeviction",
                keys=len(self._data) + len(self._streams),
                commands_processed=self._counts.total,
            )

    # -- streams ----------------------------------------------------------------------

    def _ensure_stream(self, key: str, group: str, ttl: float, now: float) -> _Stream:
        if not ttl > 0:
            raise ValueError(f"ttl must be > 0 seconds, got {ttl!r}")
        stream = self._stream(key, now)
        if stream is None:
            stream = _Stream()
            self._streams[key] = (stream, now + ttl)
            self._used += len(key)
        stream.groups.setdefault(group, _Group())
        return stream

    async def stream_add(
        self, key: str, group: str, fields: Mapping[str, str], ttl: float, *, max_age: float
    ) -> str:
        self._counts.add("EVALSHA stream_add")
        with self._lock:
            now = self._clock()
            stream = self._ensure_stream(key, group, ttl, now)
            ms = max(stream.last_id[0], int(time.time() * 1000))
            seq = stream.last_id[1] + 1 if ms == stream.last_id[0] else 0
            entry_id = f"{ms}-{seq}"
            values = {str(k): str(v) for k, v in fields.items()}
            grow = len(entry_id) + sum(len(k) + len(v) for k, v in values.items())
            self._room(grow)
            # Trim what is older than max_age (as XADD MINID does).
            oldest = ms - int(max_age * 1000)
            for old in [i for i in stream.entries if _parse_id(i)[0] < oldest]:
                self._used -= len(old) + sum(
                    len(k) + len(v) for k, v in stream.entries.pop(old).items()
                )
            stream.entries[entry_id] = values
            stream.last_id = (ms, seq)
            self._used += grow
            self._streams[key] = (stream, now + ttl)
            self._wake(key)
            return entry_id

    def _deliver(
        self, stream: _Stream, group: str, consumer: str, count: int, now: float
    ) -> list[StreamEntry]:
        state = stream.groups[group]
        out: list[StreamEntry] = []
        for entry_id, values in stream.entries.items():
            if len(out) >= count:
                break
            if _parse_id(entry_id) <= state.last_delivered:
                continue
            state.last_delivered = _parse_id(entry_id)
            state.pending[entry_id] = _Pending(consumer, now, 1)
            out.append(StreamEntry(entry_id, dict(values)))
        if out:  # as Redis 7: a consumer exists once it has been given an entry
            state.consumers.add(consumer)
        return out

    async def stream_read(
        self, key: str, group: str, consumer: str, count: int, *, block: float | None, ttl: float
    ) -> list[StreamEntry]:
        self._counts.add("XREADGROUP")
        loop = asyncio.get_running_loop()
        deadline = None if block is None or math.isinf(block) else time.monotonic() + block
        while True:
            with self._lock:
                now = self._clock()
                stream = self._ensure_stream(key, group, ttl, now)
                found = self._deliver(stream, group, consumer, count, now)
                if found or block is None:
                    return found
                future: asyncio.Future[None] = loop.create_future()
                self._waiters.setdefault(key, []).append((loop, future))
                expires_in = self._streams[key][1] - now
            left = math.inf if deadline is None else deadline - time.monotonic()
            wait = min(left, expires_in)
            if wait <= 0:
                return []
            try:
                await asyncio.wait_for(future, None if math.isinf(wait) else wait)
            except TimeoutError:
                with self._lock:
                    expired = self._stream(key, self._clock()) is None
                if expired or (deadline is not None and time.monotonic() >= deadline):
                    return []  # as Redis: a read blocked on a stream that expired returns
            finally:
                with self._lock:
                    waiters = self._waiters.get(key, [])
                    if (loop, future) in waiters:
                        waiters.remove((loop, future))
            with self._lock:
                if self._stream(key, self._clock()) is None:
                    return []  # deleted or expired while we waited

    async def stream_ack(self, key: str, group: str, ids: list[str]) -> int:
        if not ids:
            return 0
        self._counts.add("EVALSHA stream_ack")
        with self._lock:
            stream = self._stream(key, self._clock())
            if stream is None:
                return 0
            state = stream.groups.get(group)
            acked = 0
            for entry_id in ids:
                if state is not None and state.pending.pop(entry_id, None) is not None:
                    acked += 1
                values = stream.entries.pop(entry_id, None)
                if values is not None:
                    self._used -= len(entry_id) + sum(len(k) + len(v) for k, v in values.items())
            return acked

    async def stream_pending(
        self, key: str, group: str, min_idle: float, count: int, *, after: str | None = None
    ) -> tuple[StreamInfo, list[PendingEntry]]:
        self._counts.add("EVALSHA stream_pending")
        with self._lock:
            now = self._clock()
            stream = self._stream(key, now)
            if stream is None or group not in stream.groups:
                length = len(stream.entries) if stream else 0
                return StreamInfo(length, 0, {}), []
            state = stream.groups[group]
            consumers = dict.fromkeys(state.consumers, 0)
            for pending in state.pending.values():
                consumers[pending.consumer] = consumers.get(pending.consumer, 0) + 1
            idle = [
                PendingEntry(
                    i,
                    p.consumer,
                    now - p.delivered_at,
                    p.deliveries,
                    dict(stream.entries.get(i, {})),
                )
                for i, p in sorted(state.pending.items(), key=lambda item: _parse_id(item[0]))
                if now - p.delivered_at >= min_idle
                and (after is None or _parse_id(i) > _parse_id(after))
            ]
            waiting = [i for i in stream.entries if _parse_id(i) > state.last_delivered]
            oldest = max(0.0, time.time() - _parse_id(waiting[0])[0] / 1000) if waiting else None
            info = StreamInfo(len(stream.entries), len(state.pending), consumers, oldest)
            return info, idle[:count]

    async def stream_claim(
        self, key: str, group: str, consumer: str, ids: list[str], min_idle: float
    ) -> list[StreamEntry]:
        if not ids:
            return []
        self._counts.add("XCLAIM")
        with self._lock:
            now = self._clock()
            stream = self._stream(key, now)
            if stream is None or group not in stream.groups:
                return []
            state = stream.groups[group]
            state.consumers.add(consumer)
            claimed: list[StreamEntry] = []
            for entry_id in ids:
                pending = state.pending.get(entry_id)
                if pending is None or now - pending.delivered_at < min_idle:
                    continue
                if entry_id not in stream.entries:  # deleted: no longer pending (Redis 7)
                    del state.pending[entry_id]
                    continue
                state.pending[entry_id] = _Pending(consumer, now, pending.deliveries + 1)
                claimed.append(StreamEntry(entry_id, dict(stream.entries[entry_id])))
            return claimed

    async def stream_remove_consumer(self, key: str, group: str, consumer: str) -> int:
        self._counts.add("XGROUP DELCONSUMER")
        with self._lock:
            stream = self._stream(key, self._clock())
            if stream is None or group not in stream.groups:
                return 0
            state = stream.groups[group]
            state.consumers.discard(consumer)
            mine = [i for i, p in state.pending.items() if p.consumer == consumer]
            for entry_id in mine:
                del state.pending[entry_id]
            return len(mine)

    async def aclose(self) -> None:
        with self._lock:
            self._data.clear()
            for key in list(self._streams):
                self._remove_stream(key)
            self._used = 0


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
