"""Choosing the backend, once, at start-up, and proving it works before serving."""

from __future__ import annotations

import asyncio
import secrets

from parley.errors import StoreError, StoreUnavailableError
from parley.kv._base import KV
from parley.kv._memory import MemoryKV
from parley.kv._redis import RedisKV
from parley.log import get_logger
from parley.settings import Settings

__all__ = ["PROBE_DEADLINE_SECONDS", "open_kv"]

# However the retries and timeouts are set, start-up learns within this that Redis is
# unusable, and says why.
PROBE_DEADLINE_SECONDS = 5.0
# The probe key lives just long enough to be read back, should its DEL be lost.
_PROBE_TTL_SECONDS = 10

log = get_logger("parley.kv")


async def open_kv(settings: Settings) -> KV:
    """The store the settings ask for, probed; raises StoreError with what to fix.

    REDIS_URL (or KV_URL) set: Redis, proven with PING and a SET with EX. Never a silent
    fallback to memory, which would bring back the worker-isolation bug.
    Unset: the in-process store, said in the log.
    """
    if settings.redis_url is None:
        log.warning(
            "kv_memory_store",
            usingKv=False,
            backend="memory",
            reason="REDIS_URL is not set: jobs live in this process only",
        )
        return MemoryKV()
    kv = RedisKV.from_url(
        settings.redis_url,
        timeout=settings.redis_timeout_seconds,
        retries=settings.redis_retries,
        max_connections=settings.redis_max_connections,
    )
    target = kv.target
    try:
        async with asyncio.timeout(PROBE_DEADLINE_SECONDS):
            latency = await kv.ping()
            probe = f"{settings.key_prefix}parley:probe:{secrets.token_hex(8)}"
            await kv.set(probe, b"1", _PROBE_TTL_SECONDS)
            await kv.delete(probe)
    except TimeoutError:
        await kv.aclose()
        raise StoreUnavailableError(
            f"Redis at {target} did not answer within {PROBE_DEADLINE_SECONDS:g} s "
            f"({settings.redis_url_source} is set); check that it runs, that the host and "
            "port are reachable from here, and the TLS scheme (rediss:// for TLS)."
        ) from None
    except StoreError:
        await kv.aclose()
        raise
    log.info(
        "redis_client_connected",
        usingKv=True,
        backend="redis",
        host=target.host,
        port=target.port,
        db=target.db,
        tls=target.tls,
        latencyMs=round(latency * 1000, 2),
        source=settings.redis_url_source,
    )
    return kv
