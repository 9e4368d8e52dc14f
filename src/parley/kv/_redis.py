"""The Redis backend: redis.asyncio with explicit timeouts, retries and a bounded pool.

Built inside the running event loop (never at import), from REDIS_URL: redis:// or
rediss:// (TLS), with an optional password and database number. Errors leave this module
as StoreUnavailableError or StoreFullError with messages that name host and port and
never the password.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis.asyncio as aioredis
import redis.exceptions as rexc
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

from parley.errors import StoreFullError, StoreUnavailableError
from parley.kv._base import ServerInfo

__all__ = ["RedisKV", "RedisTarget"]

T = TypeVar("T")

# One script, one key: atomic compare-and-set that also works on Redis Cluster and on
# hosted Redis (Upstash, Vercel) that allow EVAL. ARGV[1] is the expected value, or ""
# with ARGV[3] == "0" for "the key must be absent".
_CAS = """
local current = redis.call('GET', KEYS[1])
if ARGV[3] == '0' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
return 1
"""

# One script, one key: write only over a value that starts with ARGV[1].
_SET_IF_PREFIX = """
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, #ARGV[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""

# Hosted providers' words for "over your quota / plan limit" (Upstash and friends), and
# Redis's own OOM reply when maxmemory is reached under noeviction.
_FULL_MARKERS = ("OOM", "max requests limit", "max daily request limit", "max database size")


class RedisTarget:
    """Host, port, db and TLS of a Redis URL: what may be logged. Never the password."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 6379
        self.db = int(parts.path.lstrip("/") or 0)
        self.tls = parts.scheme == "rediss"
        self._password = parts.password

    def __str__(self) -> str:
        return f"{'rediss' if self.tls else 'redis'}://{self.host}:{self.port}/{self.db}"

    def scrub(self, text: str) -> str:
        """`text` with the password removed, in case a library echoed the URL."""
        return text.replace(self._password, "***") if self._password else text


def _ms(ttl: float) -> int:
    if not ttl > 0:
        raise ValueError(f"ttl must be > 0 seconds, got {ttl!r}")
    return max(1, math.ceil(ttl * 1000))


class RedisKV:
    """The Redis backend. Create with `RedisKV.from_url(...)` inside a running loop."""

    def __init__(self, client: aioredis.Redis, target: RedisTarget, timeout: float) -> None:
        self._client = client
        self._target = target
        self._timeout = timeout
        self._cas = client.register_script(_CAS)
        self._set_if_prefix = client.register_script(_SET_IF_PREFIX)

    @classmethod
    def from_url(
        cls, url: str, *, timeout: float = 2.0, retries: int = 2, max_connections: int = 32
    ) -> RedisKV:
        target = RedisTarget(url)
        # Retry a dropped connection (a restarted server, an idle connection a proxy cut),
        # with backoff; never a timeout, which would multiply the wait: a command gives
        # up after `timeout` (plus at most `timeout` waiting for a pooled connection).
        retry = Retry(
            ExponentialWithJitterBackoff(base=0.05, cap=0.5),
            retries,
            supported_errors=(rexc.ConnectionError,),
        )
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout,  # how long a caller waits for a free connection
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            socket_keepalive=True,
            # A connection idle this long is PINGed before use: hosted Redis and NATs
            # drop idle connections silently, and a dead one would cost a timeout.
            health_check_interval=30,
            retry=retry,
            client_name="parley",
        )
        return cls(aioredis.Redis.from_pool(pool), target, timeout)

    @property
    def backend(self) -> str:
        return "redis"

    @property
    def shared(self) -> bool:
        return True

    @property
    def target(self) -> RedisTarget:
        return self._target

    @asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        try:
            yield
        except rexc.AuthenticationError as exc:
            raise StoreUnavailableError(
                f"Redis at {self._target} refused the credentials in REDIS_URL "
                f"({self._target.scrub(str(exc))}); check the username and password."
            ) from None
        except (rexc.ConnectionError, rexc.TimeoutError, TimeoutError, OSError) as exc:
            raise StoreUnavailableError(
                f"Redis at {self._target} is unreachable ({type(exc).__name__}: "
                f"{self._target.scrub(str(exc)) or 'no answer'}); check that it runs and "
                "that REDIS_URL names the right host, port and TLS scheme."
            ) from None
        except rexc.ResponseError as exc:
            message = self._target.scrub(str(exc))
            full = isinstance(exc, rexc.OutOfMemoryError)  # redis-py strips the OOM prefix
            if full or any(marker in message for marker in _FULL_MARKERS):
                raise StoreFullError(f"Redis at {self._target} is full: {message}") from None
            # READONLY (a replica after a failover), MISCONF (cannot persist), LOADING,
            # TRYAGAIN, CLUSTERDOWN...: the store refuses service for now.
            raise StoreUnavailableError(
                f"Redis at {self._target} refused the command: {message}"
            ) from None
        except rexc.RedisError as exc:  # anything else the client raises
            raise StoreUnavailableError(
                f"Redis at {self._target} failed: {type(exc).__name__}: "
                f"{self._target.scrub(str(exc))}"
            ) from None

    async def _call(self, fn: Callable[[], Awaitable[T]]) -> T:
        async with self._errors():
            return await fn()

    async def get(self, key: str) -> bytes | None:
        value = await self._call(lambda: self._client.get(key))
        return value if value is None or isinstance(value, bytes) else value.encode()

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        ms = _ms(ttl)
        await self._call(lambda: self._client.set(key, value, px=ms))

    async def set_nx(self, key: str, value: bytes, ttl: float) -> bool:
        ms = _ms(ttl)
        return bool(await self._call(lambda: self._client.set(key, value, px=ms, nx=True)))

    async def compare_and_set(
        self, key: str, expected: bytes | None, value: bytes, ttl: float
    ) -> bool:
        args: list[Any] = [expected or b"", value, "0" if expected is None else "1", _ms(ttl)]
        return bool(await self._call(lambda: self._cas(keys=[key], args=args)))

    async def set_if_prefix(self, key: str, prefix: bytes, value: bytes, ttl: float) -> bool:
        args: list[Any] = [prefix, value, _ms(ttl)]
        return bool(await self._call(lambda: self._set_if_prefix(keys=[key], args=args)))

    async def delete(self, key: str) -> bool:
        return bool(await self._call(lambda: self._client.delete(key)))

    async def expire(self, key: str, ttl: float) -> bool:
        ms = _ms(ttl)
        return bool(await self._call(lambda: self._client.pexpire(key, ms)))

    async def ttl(self, key: str) -> float | None:
        ms: int = await self._call(lambda: self._client.pttl(key))
        if ms == -2:
            return None
        if ms == -1:
            return math.inf
        return ms / 1000

    async def scan(self, match: str) -> AsyncIterator[str]:
        async with self._errors():
            async for key in self._client.scan_iter(match=match, count=500):
                yield key.decode() if isinstance(key, bytes) else str(key)

    async def ping(self) -> float:
        started = time.perf_counter()
        await self._call(self._client.ping)
        return time.perf_counter() - started

    async def info(self) -> ServerInfo:
        info: dict[str, Any] = await self._call(self._client.info)
        keys = info.get(f"db{self._target.db}", {})
        return ServerInfo(
            backend="redis",
            version=str(info.get("redis_version", "unknown")),
            used_memory=int(info.get("used_memory", 0)),
            maxmemory=int(info.get("maxmemory", 0)),
            maxmemory_policy=str(info.get("maxmemory_policy", "unknown")),
            keys=int(keys.get("keys", 0)) if isinstance(keys, dict) else 0,
            commands_processed=(
                int(info["total_commands_processed"])
                if "total_commands_processed" in info
                else None
            ),
        )

    async def aclose(self) -> None:
        await self._client.aclose()
