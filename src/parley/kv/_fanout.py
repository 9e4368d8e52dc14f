"""One process's listeners of published values, by channel: the fan-out behind `KV.listen`.

A backend feeds it: the memory store on each write that publishes, the Redis store from
its one subscription connection. However many listeners a channel has, the backend
subscribes once. Each listener reads its own mailbox on its own event loop; deliveries
may come from any thread. A published value is the latest state of something (a job's
progress), so a mailbox that falls far behind keeps the newest values and drops the oldest.
"""

from __future__ import annotations

import asyncio
import enum
import threading
from collections import deque

__all__ = ["Fanout", "Gap", "Listener", "Notice"]

MAILBOX = 256  # values a listener may fall behind by before the oldest are dropped


class Gap(enum.Enum):
    """A break in what a listener hears, put in its mailbox between values."""

    LOST = "lost"  # the subscription broke: values published now are missed
    BACK = "back"  # subscribed again: values may have been missed; read the current one


Notice = bytes | Gap


class Listener:
    """One reader of a channel: `await listener.next(wait)`."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._loop = asyncio.get_running_loop()
        self._items: deque[Notice] = deque(maxlen=MAILBOX)
        self._ready = asyncio.Event()

    def _put(self, item: Notice) -> None:  # on the listener's loop
        self._items.append(item)
        self._ready.set()

    def put(self, item: Notice) -> None:
        """Deliver from any thread."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._put(item)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._put, item)

    async def next(self, wait: float | None = None) -> Notice | None:
        """The next notice, or None when `wait` seconds pass without one (None: no limit)."""
        while not self._items:
            self._ready.clear()
            try:
                async with asyncio.timeout(wait):
                    await self._ready.wait()
            except TimeoutError:
                return None
        return self._items.popleft()


class Fanout:
    """Listeners by channel. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, set[Listener]] = {}

    def add(self, channel: str) -> tuple[Listener, bool]:
        """A new listener, and whether it is the channel's first (subscribe then)."""
        listener = Listener(channel)
        with self._lock:
            group = self._listeners.setdefault(channel, set())
            group.add(listener)
            return listener, len(group) == 1

    def remove(self, listener: Listener) -> bool:
        """Forget a listener; True when it was its channel's last (unsubscribe then)."""
        with self._lock:
            group = self._listeners.get(listener.channel)
            if group is None:
                return False
            group.discard(listener)
            if group:
                return False
            del self._listeners[listener.channel]
            return True

    def channels(self) -> list[str]:
        with self._lock:
            return list(self._listeners)

    def deliver(self, channel: str, value: Notice) -> None:
        with self._lock:
            group = list(self._listeners.get(channel, ()))
        for listener in group:
            listener.put(value)

    def broadcast(self, gap: Gap) -> None:
        with self._lock:
            everyone = [listener for group in self._listeners.values() for listener in group]
        for listener in everyone:
            listener.put(gap)
