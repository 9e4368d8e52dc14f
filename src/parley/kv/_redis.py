"""The Redis backend: redis.asyncio with explicit timeouts, retries and a bounded pool,
on one server or a Redis Cluster (the same operations: none touches two keys).

Built inside the running event loop (never at import), from REDIS_URL: redis:// or
rediss:// (TLS), with an optional password and database number. Errors leave this module
as StoreUnavailableError or StoreFullError with messages that name host and port and
never the password.
"""

from __future__ import annotations

import asyncio
import math
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar, cast

import redis.asyncio as aioredis
import redis.exceptions as rexc
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

from parley.errors import StoreError, StoreFullError, StoreUnavailableError
from parley.kv import _scripts as scripts
from parley.kv._base import PendingEntry, ServerInfo, StreamEntry, StreamInfo
from parley.kv._counted import CountedCluster, CountedRedis
from parley.kv._fanout import Listener
from parley.kv._metering import CommandCounts
from parley.kv._subscriber import Subscriber
from parley.kv._target import RedisTarget, TlsFiles, tls_hint

__all__ = ["RedisKV", "RedisTarget"]

T = TypeVar("T")
Client = CountedRedis | CountedCluster

# Hosted providers' words for "over your quota / plan limit" (Upstash and friends), and
# Redis's own OOM reply when maxmemory is reached under noeviction.
_FULL_MARKERS = ("OOM", "max requests limit", "max daily request limit", "max database size")
# Replies of a script engine that does not know shebang flags (Redis < 7).
_NO_FLAGS = ("shebang", "Unexpected engine", "unexpected symbol", "'#'")

# A connection blocked in XREADGROUP for hours must not hang on a peer that vanished
# (a NAT or proxy dropping it silently): TCP keepalive notices in about a minute, and
# keepalive probes are packets, not commands a provider bills.
_KEEPALIVE: dict[int, int] = {
    option: value
    for name, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3))
    if (option := getattr(socket, name, None)) is not None
}


def _ms(ttl: float) -> int:
    if not ttl > 0:
        raise ValueError(f"ttl must be > 0 seconds, got {ttl!r}")
    return max(1, math.ceil(ttl * 1000))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entries(raw: Any) -> list[StreamEntry]:
    """[(id, {field: value}), ...] as redis-py parses XREADGROUP's and XCLAIM's replies;
    an entry deleted before it was claimed comes back without fields: skipped."""
    out: list[StreamEntry] = []
    for entry_id, fields in raw or []:
        if fields is not None:
            out.append(
                StreamEntry(_text(entry_id), {_text(k): _text(v) for k, v in fields.items()})
            )
    return out


class RedisKV:
    """The Redis backend. Create with `RedisKV.from_url(...)` inside a running loop."""

    def __init__(
        self,
        client: Client,
        target: RedisTarget,
        timeout: float,
        make_blocking: Callable[[], Client] | None = None,
        max_connections: int = 32,
        *,
        make_subscriber: Callable[[], Client],
    ) -> None:
        self._client = client
        self._counts = client.counts  # shared by every client `from_url` builds
        # The cluster client raises MaxConnectionsError when a node's connections are all
        # busy, where the single-server pool waits for one: bound the commands in flight,
        # waiting up to the timeout, so both behave alike (a wait, then a 503).
        self._slots = asyncio.Semaphore(max_connections) if target.cluster else None
        self._max_connections = max_connections
        # redis-py's async cluster client resets connections under commands that arrive
        # before its first topology read has finished (AttributeError on a None writer):
        # read the topology once, alone, before anything runs concurrently.
        self._ready = not target.cluster
        self._ready_lock = asyncio.Lock()
        self._target = target
        self._timeout = timeout
        self._make_blocking = make_blocking
        self._blocking: Client | None = None
        self._oom_flags = True  # until the server says it does not know script flags
        self._publish = "SPUBLISH" if target.cluster else "PUBLISH"  # sharded on a cluster
        self._subscriber = Subscriber(
            make_subscriber,
            sharded=target.cluster,
            translate=self._translate,
            timeout=timeout,
            count=self._counts.add,
        )
        self._scripts = {
            name: client.register_script(body)
            for name, body in (
                ("cas", scripts.CAS),
                ("cas_oom", scripts.ALLOW_OOM + scripts.CAS),
                ("prefix", scripts.SET_IF_PREFIX),
                ("prefix_oom", scripts.ALLOW_OOM + scripts.SET_IF_PREFIX),
                ("set_publish", scripts.SET_PUBLISH),
                ("set_nx_publish", scripts.SET_NX_PUBLISH),
                ("delete_publish", scripts.DELETE_PUBLISH),
                ("delete_if", scripts.DELETE_IF),
                ("stream_add", scripts.STREAM_ADD),
                ("stream_ensure", scripts.STREAM_ENSURE),
                ("stream_ack", scripts.STREAM_ACK),
                ("stream_pending", scripts.STREAM_PENDING),
                ("add_counts", scripts.ADD_COUNTS),
                ("get_with_ttl", scripts.GET_WITH_TTL),
            )
        }
        # The clients count their commands, naming scripts by what they do (the _oom
        # variant is the same write, allowed past maxmemory).
        names = {script.sha: name.removesuffix("_oom") for name, script in self._scripts.items()}
        client.scripts.update(names)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout: float = 2.0,
        retries: int = 2,
        max_connections: int = 32,
        cluster: bool = False,
        client_name: str = "parley",
        tls: TlsFiles | None = None,
    ) -> RedisKV:
        target = RedisTarget(url, cluster=cluster, tls=tls)
        counts = CommandCounts()
        script_names: dict[str, str] = {}  # shared by the clients; filled by __init__

        def build(
            socket_timeout: float | None, health_check: int, connections: int, tries: int = retries
        ) -> Client:
            # Retry a dropped connection (a restarted server, an idle connection a proxy
            # cut), with backoff; never a timeout, which would multiply the wait: a command
            # gives up after `timeout` (plus at most `timeout` waiting for a connection).
            retry = Retry(
                ExponentialWithJitterBackoff(base=0.05, cap=0.5),
                tries,
                supported_errors=(rexc.ConnectionError,),
            )
            options: dict[str, Any] = {
                "socket_connect_timeout": timeout,
                "socket_timeout": socket_timeout,
                "socket_keepalive": True,
                "socket_keepalive_options": _KEEPALIVE,
                # A connection idle this long is PINGed before use: hosted Redis and NATs
                # drop idle connections silently, and a dead one would cost a timeout.
                "health_check_interval": health_check,
                "retry": retry,
                "client_name": client_name,  # CLIENT LIST tells web from worker
                **(target.tls_files.options() if target.tls else {}),
            }
            client: Client
            if cluster:
                client = cast(
                    CountedCluster,
                    CountedCluster.from_url(url, max_connections=connections, **options),
                )
            else:
                pool = aioredis.BlockingConnectionPool.from_url(
                    url, max_connections=connections, timeout=timeout, **options
                )
                client = cast(CountedRedis, CountedRedis.from_pool(pool))
            client.counts, client.scripts = counts, script_names
            return client

        # The blocking reader (queue workers only) waits for hours in XREADGROUP: no socket
        # timeout, and no health-check PING before each read (the read proves the link).
        # The subscription is the same, and never retried behind its listeners' backs: a
        # reconnect that resubscribed silently would hide the messages it missed.
        return cls(
            build(timeout, 30, max_connections),
            target,
            timeout,
            lambda: build(None, 0, 4),
            max_connections,
            make_subscriber=lambda: build(None, 0, 2, tries=0),
        )

    @property
    def backend(self) -> str:
        return "redis-cluster" if self._target.cluster else "redis"

    @property
    def shared(self) -> bool:
        return True

    @property
    def commands(self) -> CommandCounts:
        return self._counts

    @property
    def target(self) -> RedisTarget:
        return self._target

    def _translate(self, exc: Exception) -> StoreError:
        if isinstance(exc, rexc.AuthenticationError):
            return StoreUnavailableError(
                f"Redis at {self._target} refused the credentials in REDIS_URL "
                f"({self._target.scrub(str(exc))}); check the username and password."
            )
        if isinstance(exc, rexc.ConnectionError | rexc.TimeoutError | TimeoutError | OSError):
            return self._unreachable(exc)
        message = self._target.scrub(str(exc))
        if isinstance(exc, rexc.MovedError | rexc.AskError):  # redis-py strips "MOVED"
            return StoreUnavailableError(
                f"Redis at {self._target} is a node of a Redis Cluster and sent a key to "
                f"another node (MOVED {message}): let parley detect the cluster "
                "(PARLEY_REDIS_CLUSTER=auto, the default) or set PARLEY_REDIS_CLUSTER=yes."
            )
        if isinstance(exc, rexc.ResponseError):
            full = isinstance(exc, rexc.OutOfMemoryError)  # redis-py strips the OOM prefix
            if full or any(marker in message for marker in _FULL_MARKERS):
                return StoreFullError(f"Redis at {self._target} is full: {message}")
            # READONLY (a replica after a failover), MISCONF (cannot persist), LOADING,
            # TRYAGAIN, CLUSTERDOWN...: the store refuses service for now.
            return StoreUnavailableError(f"Redis at {self._target} refused the command: {message}")
        return StoreUnavailableError(
            f"Redis at {self._target} failed: {type(exc).__name__}: {message}"
        )

    def _unreachable(self, exc: Exception) -> StoreError:
        if hint := tls_hint(exc, self._target):
            return StoreUnavailableError(
                f"Redis at {self._target} refused the TLS connection: {hint}."
            )
        return StoreUnavailableError(
            f"Redis at {self._target} is unreachable ({type(exc).__name__}: "
            f"{self._target.scrub(str(exc)) or 'no answer'}); check that it runs and "
            "that REDIS_URL names the right host, port and TLS scheme."
        )

    async def _initialize(self, client: Client) -> None:
        if isinstance(client, RedisCluster):
            await client.initialize()

    @asynccontextmanager
    async def _limit(self) -> AsyncIterator[None]:
        if self._slots is None:
            yield
            return
        if not self._ready:
            async with self._ready_lock:
                if not self._ready:
                    try:
                        await self._initialize(self._client)
                    except (rexc.RedisError, TimeoutError, OSError) as exc:
                        raise self._translate(exc) from None
                    self._ready = True
        try:
            async with asyncio.timeout(self._timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise StoreUnavailableError(
                f"Redis at {self._target} is too slow: all {self._max_connections} "
                f"connections stayed busy for {self._timeout:g} s (PARLEY_REDIS_MAX_CONNECTIONS)"
            ) from None
        try:
            yield
        finally:
            self._slots.release()

    @asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        async with self._limit():
            try:
                yield
            except (rexc.RedisError, TimeoutError, OSError) as exc:
                raise self._translate(exc) from None

    async def _call(self, fn: Callable[[], Awaitable[T]]) -> T:
        async with self._errors():
            return await fn()

    async def _script(self, name: str, key: str, args: list[Any]) -> Any:
        return await self._call(lambda: self._scripts[name](keys=[key], args=args))

    async def _write_script(self, name: str, key: str, args: list[Any], even_if_full: bool) -> Any:
        if even_if_full and self._oom_flags:
            try:
                async with self._limit():
                    return await self._scripts[f"{name}_oom"](keys=[key], args=args)
            except rexc.ResponseError as exc:
                if not any(marker in str(exc) for marker in _NO_FLAGS):
                    raise self._translate(exc) from None
                self._oom_flags = False  # Redis < 7: plain scripts from now on
            except (rexc.RedisError, TimeoutError, OSError) as exc:
                raise self._translate(exc) from None
        return await self._script(name, key, args)

    async def get(self, key: str) -> bytes | None:
        value = await self._call(lambda: self._client.get(key))
        return value if value is None or isinstance(value, bytes) else value.encode()

    async def get_with_ttl(self, key: str) -> tuple[bytes, float] | None:
        reply = await self._script("get_with_ttl", key, [])
        if not reply:
            return None
        value, ms = reply
        return (value if isinstance(value, bytes) else str(value).encode()), int(ms) / 1000

    async def set(self, key: str, value: bytes, ttl: float, *, publish: str | None = None) -> None:
        ms = _ms(ttl)
        if publish is not None:
            await self._script("set_publish", key, [value, ms, self._publish, publish])
            return
        await self._call(lambda: self._client.set(key, value, px=ms))

    async def set_nx(
        self, key: str, value: bytes, ttl: float, *, publish: str | None = None
    ) -> bool:
        ms = _ms(ttl)
        if publish is not None:
            args = [value, ms, self._publish, publish]
            return bool(await self._script("set_nx_publish", key, args))
        return bool(await self._call(lambda: self._client.set(key, value, px=ms, nx=True)))

    async def compare_and_set(
        self,
        key: str,
        expected: bytes | None,
        value: bytes,
        ttl: float,
        *,
        even_if_full: bool = False,
    ) -> bool:
        args: list[Any] = [expected or b"", value, "0" if expected is None else "1", _ms(ttl)]
        return bool(await self._write_script("cas", key, args, even_if_full))

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
        args: list[Any] = [prefix, value, _ms(ttl)]
        if publish is not None:
            args += [self._publish, publish]
        return bool(await self._write_script("prefix", key, args, even_if_full))

    def listen(self, channel: str) -> AbstractAsyncContextManager[Listener]:
        return self._subscriber.listen(channel)

    async def add_counts(self, key: str, counts: Mapping[str, int], ttl: float) -> dict[str, int]:
        if not counts:
            reply = await self._call(lambda: self._client.hgetall(key))
            return {_text(k): int(v) for k, v in reply.items()}
        args: list[Any] = [item for pair in counts.items() for item in pair] + [_ms(ttl)]
        flat = await self._script("add_counts", key, args)
        return {_text(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2)}

    async def delete(self, key: str, *, publish: str | None = None) -> bool:
        if publish is not None:
            return bool(await self._script("delete_publish", key, [self._publish, publish]))
        # One DEL on the key's node: the cluster client's delete() splits its keys by slot
        # into pipelines, whose commands bypass execute_command, where they are counted.
        return bool(await self._call(lambda: self._client.execute_command("DEL", key)))

    async def delete_if(self, key: str, expected: bytes) -> bool:
        return bool(await self._script("delete_if", key, [expected]))

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
                yield _text(key)

    async def cluster_enabled(self) -> bool:
        """Whether the server is a node of a Redis Cluster (INFO cluster: one command)."""
        info: dict[str, Any] = await self._call(lambda: self._client.info("cluster"))
        return str(info.get("cluster_enabled", "0")) == "1"

    async def ping(self) -> float:
        started = time.perf_counter()
        await self._call(self._client.ping)
        return time.perf_counter() - started

    async def info(self) -> ServerInfo:
        if isinstance(self._client, RedisCluster):
            client = self._client
            per_node: dict[str, dict[str, Any]] = await self._call(
                lambda: client.info(target_nodes=RedisCluster.PRIMARIES)
            )
            nodes = list(per_node.values())
        else:
            nodes = [await self._call(self._client.info)]
        keyspace = [node.get(f"db{self._target.db}", {}) for node in nodes]
        commands = [node.get("total_commands_processed") for node in nodes]
        return ServerInfo(
            backend=self.backend,
            version=min(str(node.get("redis_version", "unknown")) for node in nodes),
            used_memory=sum(int(node.get("used_memory", 0)) for node in nodes),
            maxmemory=sum(int(node.get("maxmemory", 0)) for node in nodes),
            maxmemory_policy=str(nodes[0].get("maxmemory_policy", "unknown")),
            keys=sum(int(db.get("keys", 0)) for db in keyspace if isinstance(db, dict)),
            commands_processed=(None if None in commands else sum(int(str(c)) for c in commands)),
            nodes=len(nodes),
        )

    # -- streams ----------------------------------------------------------------------

    async def stream_add(
        self, key: str, group: str, fields: Mapping[str, str], ttl: float, *, max_age: float
    ) -> str:
        pairs = [item for field in fields.items() for item in field]
        args = [group, _ms(ttl), _ms(max_age), *pairs]
        return _text(await self._script("stream_add", key, args))

    async def _blocking_client(self) -> Client:
        if self._blocking is None:
            assert self._make_blocking is not None
            client = self._make_blocking()
            try:
                await self._initialize(client)
            except (rexc.RedisError, TimeoutError, OSError) as exc:
                await client.aclose()
                raise self._translate(exc) from None
            self._blocking = client
        return self._blocking

    async def stream_read(
        self, key: str, group: str, consumer: str, count: int, *, block: float | None, ttl: float
    ) -> list[StreamEntry]:
        client = self._client if block is None else await self._blocking_client()
        options: dict[str, Any] = {"count": count}
        if block is not None:
            options["block"] = 0 if math.isinf(block) else max(1, math.ceil(block * 1000))
        for _ in range(2):
            try:
                if block is None:
                    async with self._limit():
                        reply = await client.xreadgroup(group, consumer, {key: ">"}, **options)
                else:
                    reply = await client.xreadgroup(group, consumer, {key: ">"}, **options)
            except rexc.ResponseError as exc:
                if str(exc).startswith("NOGROUP"):  # no stream or no group yet: make them
                    await self._script("stream_ensure", key, [group, _ms(ttl)])
                    continue
                if str(exc).startswith("UNBLOCKED"):  # the stream expired while we waited
                    return []
                raise self._translate(exc) from None
            except (rexc.RedisError, TimeoutError, OSError) as exc:
                raise self._translate(exc) from None
            # [[key, entries]] on RESP2, {key: entries} on RESP3
            replies: Any = (
                reply.values() if isinstance(reply, dict) else [r[1] for r in reply or []]
            )
            return [entry for found in replies for entry in _entries(found)]
        return []

    async def _grouped(self, fn: Callable[[], Awaitable[T]], missing: T) -> T:
        """A command on a consumer group: `missing` when there is no stream or group."""
        try:
            async with self._limit():
                return await fn()
        except rexc.ResponseError as exc:
            # NOGROUP, or XGROUP's "requires the key to exist": no stream, or no group
            if str(exc).startswith("NOGROUP") or "requires the key to exist" in str(exc):
                return missing
            raise self._translate(exc) from None
        except (rexc.RedisError, TimeoutError, OSError) as exc:
            raise self._translate(exc) from None

    async def stream_ack(self, key: str, group: str, ids: list[str]) -> int:
        if not ids:
            return 0
        acked = await self._grouped(
            lambda: self._scripts["stream_ack"](keys=[key], args=[group, *ids]), 0
        )
        return int(acked)

    async def stream_pending(
        self, key: str, group: str, min_idle: float, count: int, *, after: str | None = None
    ) -> tuple[StreamInfo, list[PendingEntry]]:
        start = "-" if after is None else f"({after}"
        args = [group, max(0, math.floor(min_idle * 1000)), count, start]
        length, pending, names, idle, waited = await self._script("stream_pending", key, args)
        consumers = {_text(names[i]): int(names[i + 1]) for i in range(0, len(names), 2)}
        entries = [
            PendingEntry(
                _text(entry_id),
                _text(consumer),
                int(ms) / 1000,
                int(deliveries),
                {_text(fields[i]): _text(fields[i + 1]) for i in range(0, len(fields), 2)},
            )
            for entry_id, consumer, ms, deliveries, fields in idle
        ]
        oldest = None if int(waited) < 0 else max(0, int(waited)) / 1000
        return StreamInfo(int(length), int(pending), consumers, oldest), entries

    async def stream_claim(
        self, key: str, group: str, consumer: str, ids: list[str], min_idle: float
    ) -> list[StreamEntry]:
        if not ids:
            return []
        ms = max(0, math.floor(min_idle * 1000))
        claim = self._client.xclaim
        return _entries(
            await self._grouped(lambda: claim(key, group, consumer, ms, list[Any](ids)), [])
        )

    async def stream_remove_consumer(self, key: str, group: str, consumer: str) -> int:
        remove = self._client.xgroup_delconsumer
        return int(await self._grouped(lambda: remove(key, group, consumer), 0))

    async def aclose(self) -> None:
        await self._subscriber.aclose()
        await self._client.aclose()
        if self._blocking is not None:
            await self._blocking.aclose()
