"""The store interface: exactly the operations parley needs, each touching one key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from parley.kv._fanout import Listener
from parley.kv._metering import CommandCounts

__all__ = ["KV", "PendingEntry", "ServerInfo", "StreamEntry", "StreamInfo"]


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What the store says about itself (Redis INFO, or the memory backend's own count).
    On a Redis Cluster: the sums over its primaries, and the lowest version."""

    backend: str  # "redis" | "redis-cluster" | "memory"
    version: str
    used_memory: int  # bytes
    maxmemory: int  # bytes; 0 means no limit
    maxmemory_policy: str  # e.g. "noeviction", "allkeys-lru"
    keys: int  # keys in the selected database
    commands_processed: int | None  # since the server started; None when not reported
    nodes: int = 1  # primaries that answered


@dataclass(frozen=True, slots=True)
class StreamEntry:
    id: str  # "<milliseconds>-<sequence>", increasing
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """An entry delivered to a consumer and not yet acknowledged."""

    id: str
    consumer: str
    idle: float  # seconds since it was delivered or last claimed
    deliveries: int
    fields: dict[str, str]  # empty when the entry was deleted after its delivery


@dataclass(frozen=True, slots=True)
class StreamInfo:
    length: int  # entries in the stream: waiting plus pending
    pending: int  # delivered to a consumer of the group, not acknowledged
    consumers: dict[str, int]  # consumer name -> its pending entries
    oldest_waiting: float | None = None  # seconds the first undelivered entry has waited

    @property
    def waiting(self) -> int:
        """Entries no consumer has been given yet."""
        return max(0, self.length - self.pending)


@runtime_checkable
class KV(Protocol):
    """An async key-value store with per-key TTLs, and streams read in consumer groups.

    Every write takes its TTL (seconds, > 0) and applies it in the same command: no key
    ever lives without one. No operation touches two keys, so every step stays atomic on
    Redis Cluster. Failures raise `StoreUnavailableError` (unreachable, timed out) or
    `StoreFullError` (out of memory, over quota); never a backend's own exception.
    """

    @property
    def backend(self) -> str:
        """'redis', 'redis-cluster' or 'memory'."""

    @property
    def shared(self) -> bool:
        """True when other processes see the same keys (logged as `usingKv`)."""

    @property
    def commands(self) -> CommandCounts:
        """The commands this store has sent since it was opened, by name (the memory
        backend: those Redis would have been sent). See `parley.kv.metered`."""

    async def get(self, key: str) -> bytes | None:
        """The value, or None when the key is missing or expired."""

    async def get_with_ttl(self, key: str) -> tuple[bytes, float] | None:
        """The value and the seconds it has left, or None when missing. One command."""

    async def set(self, key: str, value: bytes, ttl: float, *, publish: str | None = None) -> None:
        """Write the value with a fresh TTL. `publish`: also publish the value on that
        channel, in the same command (on a Redis Cluster, a sharded channel: name it so it
        hashes to the key's slot)."""

    async def set_nx(
        self, key: str, value: bytes, ttl: float, *, publish: str | None = None
    ) -> bool:
        """Write only if the key is absent; True when this call wrote it (and published
        the value on `publish`, if given, in the same command)."""

    async def compare_and_set(
        self,
        key: str,
        expected: bytes | None,
        value: bytes,
        ttl: float,
        *,
        even_if_full: bool = False,
    ) -> bool:
        """Write only if the current value is `expected` (None: absent); True on success.
        `even_if_full`: write even when the store refuses writes for lack of memory — only
        for a small record that ends a job (its failure), never for data."""

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
        """Write only if the key exists and its value starts with `prefix`; True on success.
        One command: the owner of a job rewrites progress only while it is its own. A write
        that happens is published on `publish`, if given, in the same command."""

    def listen(self, channel: str) -> AbstractAsyncContextManager[Listener]:
        """Hear the values published on `channel` while the context is open. However many
        listen in this process, the store subscribes once per channel, on one connection.
        A broken subscription puts `Gap.LOST` in every mailbox, and `Gap.BACK` once it is
        subscribed again. Raises StoreUnavailableError when it cannot subscribe."""

    async def add_counts(self, key: str, counts: Mapping[str, int], ttl: float) -> dict[str, int]:
        """Add each count to its field of the hash at `key` (made when missing), reset the
        hash's TTL, and return every field's total. One command; with no counts, a read
        that writes nothing (and leaves the TTL as it is)."""

    async def delete(self, key: str, *, publish: str | None = None) -> bool:
        """Remove the key; True when it existed. `publish`: a key that existed is also
        published on that channel as an empty value, in the same command (it is gone)."""

    async def delete_if(self, key: str, expected: bytes) -> bool:
        """Remove the key only while its value is `expected`; True when removed."""

    async def expire(self, key: str, ttl: float) -> bool:
        """Reset the key's TTL; False when the key is missing."""

    async def ttl(self, key: str) -> float | None:
        """Seconds left; None when missing; math.inf for a key without a TTL (a bug)."""

    def scan(self, match: str) -> AsyncIterator[str]:
        """Keys matching a glob pattern, without blocking the server (SCAN, not KEYS)."""

    async def ping(self) -> float:
        """The round-trip time in seconds."""

    async def info(self) -> ServerInfo:
        """Version, memory use and limits, key count, commands processed."""

    # -- streams: one key each; the consumer group lives inside the stream's key ----------

    async def stream_add(
        self, key: str, group: str, fields: Mapping[str, str], ttl: float, *, max_age: float
    ) -> str:
        """Append an entry and return its id. Creates the stream and `group` if missing,
        resets the stream's TTL, and trims entries older than `max_age` seconds (Redis
        trims whole blocks of entries: some may outlive it a little). One command."""

    async def stream_read(
        self, key: str, group: str, consumer: str, count: int, *, block: float | None, ttl: float
    ) -> list[StreamEntry]:
        """Up to `count` entries no consumer of `group` was given yet; they become pending
        for `consumer`. Waits up to `block` seconds for one (None: no wait; math.inf:
        until one comes). A stream or group that does not exist is created (with `ttl`).
        A read waiting on a stream that expires or is deleted returns []."""

    async def stream_ack(self, key: str, group: str, ids: list[str]) -> int:
        """Acknowledge and delete entries (they are done); returns how many were pending."""

    async def stream_pending(
        self, key: str, group: str, min_idle: float, count: int, *, after: str | None = None
    ) -> tuple[StreamInfo, list[PendingEntry]]:
        """The stream's counts, and up to `count` pending entries idle at least `min_idle`
        seconds, in id order from just after the id `after` (None: the first), with their
        fields. One command."""

    async def stream_claim(
        self, key: str, group: str, consumer: str, ids: list[str], min_idle: float
    ) -> list[StreamEntry]:
        """Take over pending entries idle at least `min_idle` seconds (their idle time
        restarts, so two claimers never both win); entries deleted meanwhile are skipped."""

    async def stream_remove_consumer(self, key: str, group: str, consumer: str) -> int:
        """Forget a consumer; returns the pending entries it still had (now lost: call
        only for a consumer that has none)."""

    async def aclose(self) -> None:
        """Release connections. The store is unusable afterwards."""
