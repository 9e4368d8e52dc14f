"""Choosing the backend, once, at start-up, and proving it works before serving.

This module is the one place that maps a store URL to a backend: every edge (serve,
worker, doctor, stats, the app) asks `describe_store` what the settings select and
`open_kv` for the store itself. A new backend is one more entry in `_OPENERS`.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from parley.errors import ConfigError, StoreError, StoreUnavailableError
from parley.kv._base import KV
from parley.kv._memory import MemoryKV
from parley.kv._redis import RedisKV
from parley.kv._target import TlsFiles
from parley.log import get_logger
from parley.settings import Settings

__all__ = ["PROBE_DEADLINE_SECONDS", "StoreChoice", "describe_store", "open_kv"]

# However the retries and timeouts are set, start-up learns within this that Redis is
# unusable, and says why.
PROBE_DEADLINE_SECONDS = 5.0
# The probe key lives just long enough to be read back, should its DEL be lost.
_PROBE_TTL_SECONDS = 10

log = get_logger("parley.kv")


@dataclass(frozen=True, slots=True)
class StoreChoice:
    """What the settings select, before any connection: for banners, checks and errors."""

    scheme: str  # "memory", "redis" or "rediss"
    shared: bool  # other processes see the same keys
    target: str  # safe to print: never a password
    why: str  # which setting chose it

    @property
    def name(self) -> str:
        return "memory" if self.scheme == "memory" else "redis"


def describe_store(settings: Settings) -> StoreChoice:
    url = settings.redis_url
    if url is None:
        return StoreChoice(
            "memory",
            False,
            "in-process (this process only)",
            "REDIS_URL is not set: jobs live in this process only (one worker)",
        )
    scheme = urlsplit(url).scheme
    if scheme not in _OPENERS:
        raise ConfigError(
            f"{settings.redis_url_source} names a {scheme}:// store, which parley does not know"
        )
    return StoreChoice(scheme, True, settings.redis_target, f"{settings.redis_url_source} is set")


async def open_kv(settings: Settings, *, client_name: str = "parley") -> KV:
    """The store the settings ask for, probed; raises StoreError with what to fix.

    REDIS_URL (or KV_URL) set: Redis (a Redis Cluster when the server says it is one, or
    PARLEY_REDIS_CLUSTER=yes), proven with PING and a SET with EX. Never a silent fallback
    to memory, which would bring back the worker-isolation bug.
    Unset: the in-process store, said in the log.
    """
    choice = describe_store(settings)
    return await _OPENERS[choice.scheme](settings, choice, client_name)


async def _open_memory(settings: Settings, choice: StoreChoice, client_name: str) -> KV:
    log.warning(
        "kv_memory_store",
        usingKv=False,
        backend="memory",
        reason="REDIS_URL is not set: jobs live in this process only",
    )
    return MemoryKV()


def _redis(settings: Settings, cluster: bool, client_name: str) -> RedisKV:
    assert settings.redis_url is not None
    return RedisKV.from_url(
        settings.redis_url,
        timeout=settings.redis_timeout_seconds,
        retries=settings.redis_retries,
        max_connections=settings.redis_max_connections,
        cluster=cluster,
        client_name=client_name,
        tls=TlsFiles(settings.redis_ca_file, settings.redis_cert_file, settings.redis_key_file),
    )


async def _is_cluster(kv: RedisKV, settings: Settings) -> bool:
    if settings.redis_cluster != "auto":
        return settings.redis_cluster == "yes"
    return await kv.cluster_enabled()


async def _open_redis(settings: Settings, choice: StoreChoice, client_name: str) -> KV:
    kv = _redis(settings, settings.redis_cluster == "yes", client_name)
    try:
        async with asyncio.timeout(PROBE_DEADLINE_SECONDS):
            latency = await kv.ping()
            if not kv.target.cluster and await _is_cluster(kv, settings):
                await kv.aclose()
                kv = _redis(settings, True, client_name)
                latency = await kv.ping()
            probe = f"{settings.key_prefix}parley:probe:{secrets.token_hex(8)}"
            await kv.set(probe, b"1", _PROBE_TTL_SECONDS)
            await kv.delete(probe)
    except TimeoutError:
        await kv.aclose()
        raise StoreUnavailableError(
            f"Redis at {kv.target} did not answer within {PROBE_DEADLINE_SECONDS:g} s "
            f"({settings.redis_url_source} is set); check that it runs, that the host and "
            "port are reachable from here, and the TLS scheme (rediss:// for TLS)."
        ) from None
    except StoreError:
        await kv.aclose()
        raise
    target = kv.target
    log.info(
        "redis_client_connected",
        usingKv=True,
        backend=kv.backend,
        host=target.host,
        port=target.port,
        db=target.db,
        tls=target.tls,
        cluster=target.cluster,
        latencyMs=round(latency * 1000, 2),
        source=settings.redis_url_source,
    )
    return kv


_OPENERS: dict[str, Callable[[Settings, StoreChoice, str], Awaitable[KV]]] = {
    "memory": _open_memory,
    "redis": _open_redis,
    "rediss": _open_redis,
}
