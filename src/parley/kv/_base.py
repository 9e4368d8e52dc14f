"""The store interface: exactly the operations parley needs, each touching one key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["KV", "ServerInfo"]


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What the store says about itself (Redis INFO, or the memory backend's own count)."""

    backend: str  # "redis" | "memory"
    version: str
    used_memory: int  # bytes
    maxmemory: int  # bytes; 0 means no limit
    maxmemory_policy: str  # e.g. "noeviction", "allkeys-lru"
    keys: int  # keys in the selected database
    commands_processed: int | None  # since the server started; None when not reported


@runtime_checkable
class KV(Protocol):
    """An async key-value store with per-key TTLs.

    Every write takes its TTL (seconds, > 0) and applies it in the same command: no key
    ever lives without one. No operation touches two keys, so every step stays atomic on
    Redis Cluster. Failures raise `StoreUnavailableError` (unreachable, timed out) or
    `StoreFullError` (out of memory, over quota); never a backend's own exception.
    """

    @property
    def backend(self) -> str:
        """'redis' or 'memory'."""

    @property
    def shared(self) -> bool:
        """True when other processes see the same keys (logged as `usingKv`)."""

    async def get(self, key: str) -> bytes | None:
        """The value, or None when the key is missing or expired."""

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        """Write the value with a fresh TTL."""

    async def set_nx(self, key: str, value: bytes, ttl: float) -> bool:
        """Write only if the key is absent; True when this call wrote it."""

    async def compare_and_set(
        self, key: str, expected: bytes | None, value: bytes, ttl: float
    ) -> bool:
        """Write only if the current value is `expected` (None: absent); True on success."""

    async def set_if_prefix(self, key: str, prefix: bytes, value: bytes, ttl: float) -> bool:
        """Write only if the key exists and its value starts with `prefix`; True on success.
        One command: the owner of a job rewrites progress only while it is its own."""

    async def delete(self, key: str) -> bool:
        """Remove the key; True when it existed."""

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

    async def aclose(self) -> None:
        """Release connections. The store is unusable afterwards."""
