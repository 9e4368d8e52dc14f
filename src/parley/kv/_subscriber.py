"""The Redis backend's one subscription per process, fanned out to its listeners.

A channel is subscribed when its first listener comes and unsubscribed when its last one
goes; one reader task hears every channel on one connection (on a Redis Cluster, sharded
pub/sub: one connection per node that owns a listened channel's slot). An idle
subscription sends nothing: no health-check PINGs, TCP keepalive watches the link. The
connection never reconnects behind the listeners' backs: a break puts `Gap.LOST` in
every mailbox, and `Gap.BACK` once the reader has subscribed again, so each listener
knows to re-read the current value rather than trust that it heard everything.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import redis.exceptions as rexc
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import ClusterPubSub, RedisCluster

from parley.errors import StoreError
from parley.kv._fanout import Fanout, Gap, Listener
from parley.log import get_logger

__all__ = ["Subscriber"]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


log = get_logger("parley.kv")

_READ_SECONDS = 1.0  # each read waits this long for a message (no command is sent)
_CLUSTER_TURN_SECONDS = 0.02  # on a cluster, each node's turn when several hold channels
_BACKOFF = (0.1, 0.2, 0.5, 1.0, 2.0)  # seconds between tries to subscribe again
_ERRORS = (rexc.RedisError, rexc.RedisClusterException, OSError, TimeoutError)


class Subscriber:
    """Listeners of this process by channel, over one subscription connection."""

    def __init__(
        self,
        make_client: Callable[[], Any],
        *,
        sharded: bool,
        translate: Callable[[Exception], StoreError],
        timeout: float,
        count: Callable[[str], None] = lambda name: None,
    ) -> None:
        self._make_client = make_client
        self._count = count  # the store's command counts
        self._sharded = sharded
        self._translate = translate
        self._fanout = Fanout()
        self._client: Any = None
        self._pubsub: PubSub | ClusterPubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # subscribe, unsubscribe and reconnect one at a time
        self._lost = False
        self._closed = False
        # channels whose SUBSCRIBE the server has confirmed: a listener starts only then,
        # so a value written after `listen` returns is never published before it is heard
        self._confirmed: dict[str, asyncio.Event] = {}
        self._rejoining: set[str] = set()  # resubscribed after a break, not yet confirmed
        self._wanted = asyncio.Event()  # set when a SUBSCRIBE goes out
        self._timeout = timeout

    @asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[Listener]:
        listener, first = self._fanout.add(channel)
        try:
            if first:
                try:
                    await self._subscribe(channel)
                except _ERRORS as exc:
                    raise self._translate(exc) from None
            await self._heard(channel)
            yield listener
        finally:
            if self._fanout.remove(listener):
                with contextlib.suppress(*_ERRORS):  # a dead connection forgets it anyway
                    await asyncio.shield(self._unsubscribe(channel))

    async def _heard(self, channel: str) -> None:
        confirmed = self._confirmed.setdefault(channel, asyncio.Event())
        try:
            async with asyncio.timeout(self._timeout):
                await confirmed.wait()
        except TimeoutError:
            raise self._translate(
                TimeoutError(f"no confirmation of the subscription within {self._timeout:g} s")
            ) from None

    async def _subscribe(self, channel: str) -> None:
        self._confirmed.setdefault(channel, asyncio.Event()).clear()
        async with self._lock:
            if self._pubsub is None and self._reader is not None:
                return  # lost: the reader subscribes again to every channel, this one too
            if self._pubsub is None:
                self._pubsub = await self._connect([channel])
            else:
                await self._send(self._pubsub, "subscribe", [channel])
            self._wanted.set()  # its confirmation is there to read
            if self._reader is None:
                self._reader = asyncio.create_task(self._read(), name="parley-subscriber")

    async def _unsubscribe(self, channel: str) -> None:
        async with self._lock:
            if self._pubsub is None or channel in self._fanout.channels():
                return  # gone with its connection, or listened to again meanwhile
            self._confirmed.pop(channel, None)
            await self._send(self._pubsub, "unsubscribe", [channel])

    async def _send(self, pubsub: PubSub | ClusterPubSub, verb: str, channels: list[str]) -> None:
        """One SUBSCRIBE or UNSUBSCRIBE (`verb`) of `channels`, sharded on a cluster
        (SSUBSCRIBE, SUNSUBSCRIBE), counted in the store's commands."""
        joining = verb == "subscribe"
        send: Callable[..., Awaitable[Any]]
        if self._sharded:
            send = pubsub.ssubscribe if joining else pubsub.sunsubscribe
        else:
            send = pubsub.subscribe if joining else pubsub.unsubscribe
        self._count(f"S{verb.upper()}" if self._sharded else verb.upper())
        await send(*channels)

    async def _connect(self, channels: list[str]) -> PubSub | ClusterPubSub:
        if self._client is None:
            client = self._make_client()
            if isinstance(client, RedisCluster):
                await client.initialize()  # the slots' owners, before any SSUBSCRIBE
            self._client = client
        pubsub: PubSub | ClusterPubSub = self._client.pubsub()
        try:
            if channels:
                await self._send(pubsub, "subscribe", channels)
        except BaseException:
            with contextlib.suppress(*_ERRORS):
                await pubsub.aclose()
            raise
        return pubsub

    async def _next(self) -> dict[str, Any] | None:
        pubsub = self._pubsub
        if pubsub is None or not pubsub.subscribed:  # nothing to hear: no read to wait on
            self._wanted.clear()
            with contextlib.suppress(TimeoutError):  # until a SUBSCRIBE is sent
                async with asyncio.timeout(_READ_SECONDS):
                    await self._wanted.wait()
            return None
        if isinstance(pubsub, ClusterPubSub):
            # redis-py reads the nodes' connections in turn, each for the whole timeout: a
            # short turn each, or a value on the third node waits for two idle reads.
            nodes = len(pubsub.node_pubsub_mapping)
            turn = _READ_SECONDS if nodes <= 1 else _CLUSTER_TURN_SECONDS
            message: dict[str, Any] | None = await pubsub.get_sharded_message(timeout=turn)
        else:
            message = await pubsub.get_message(timeout=_READ_SECONDS)
        return message

    async def _read(self) -> None:
        tries = 0
        while not self._closed:
            try:
                if self._pubsub is None:
                    async with self._lock:
                        channels = self._fanout.channels()
                        self._pubsub = await self._connect(channels)
                        # each channel's listeners hear BACK once its SUBSCRIBE is confirmed
                        self._rejoining = set(channels)
                    log.info("subscription_restored", channels=len(channels))
                    self._lost, tries = False, 0
                message = await self._next()
            except Exception as exc:  # the one reader must not die, whatever broke it
                if not isinstance(exc, _ERRORS):
                    log.exception("subscription_reader_error", error=repr(exc))
                await self._drop(exc)
                await asyncio.sleep(_BACKOFF[min(tries, len(_BACKOFF) - 1)])
                tries += 1
                continue
            if not message:
                continue
            kind, channel = message.get("type"), _text(message.get("channel"))
            if kind in ("message", "smessage"):
                data = message["data"]
                self._fanout.deliver(
                    channel, data if isinstance(data, bytes) else str(data).encode()
                )
            elif kind in ("subscribe", "ssubscribe"):
                if channel in self._confirmed:
                    self._confirmed[channel].set()
                if channel in self._rejoining:
                    self._rejoining.discard(channel)
                    self._fanout.deliver(channel, Gap.BACK)

    async def _drop(self, exc: Exception) -> None:
        """The connection broke: tell every listener (once), and forget it."""
        pubsub, self._pubsub = self._pubsub, None
        for confirmed in self._confirmed.values():
            confirmed.clear()  # until the new connection's SUBSCRIBE is confirmed
        if not self._lost:
            self._lost = True
            log.warning("subscription_lost", error=str(self._translate(exc)))
            self._fanout.broadcast(Gap.LOST)
        if pubsub is not None:
            with contextlib.suppress(*_ERRORS):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def aclose(self) -> None:
        self._closed = True
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, *_ERRORS):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(*_ERRORS):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        if self._client is not None:
            with contextlib.suppress(*_ERRORS):
                await self._client.aclose()
