"""A conversation's progress as it changes: what a live stream (Server-Sent Events) reads.

The owner of a job publishes every progress write, heartbeats included, on the
conversation's channel in the same command as the write (see `JobStore`). A feed listens
on it through this process's one subscription, reads the current progress once after
subscribing (so no write falls between), and from then on costs no store command: it
hears the writes. The stale rule runs on what it heard, as a poll's read would: a job
whose heartbeats stop reads as lost. When the subscription breaks, the feed says so
(`Gap.LOST`); when it is back, the feed reads the current progress again, since writes
made meanwhile were not heard.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from parley.errors import StoreError
from parley.jobs.keys import validate_conversation_id
from parley.jobs.models import Progress
from parley.jobs.store import JobStore, parse_progress
from parley.kv import Gap, Listener

__all__ = ["Gap", "ProgressFeed", "watch"]


class ProgressFeed:
    """The latest progress of one conversation, and each change to it."""

    def __init__(self, store: JobStore, conversation_id: str, listener: Listener) -> None:
        self._store = store
        self._conversation_id = conversation_id
        self._listener = listener
        self._heard: Progress | None = None  # as written (the stale rule not applied)
        self._unread = False  # the subscription came back, and the store is yet to be read

    @property
    def current(self) -> Progress | None:
        """The latest progress, the stale rule applied now; None when there is none."""
        if self._heard is None:
            return None
        return self._store.effective(self._heard)

    async def read(self) -> Progress | None:
        """Read the current progress from the store (one command)."""
        stored = await self._store.get_progress_stored(self._conversation_id)
        self._heard = None if stored is None else stored[1]
        return self.current

    async def next(self, wait: float) -> Progress | Gap | None:
        """What came next: the progress after a write heard; `Gap.LOST` when the
        subscription broke (or the store still cannot be read after it came back);
        `Gap.BACK` once it is back and the store was read again (`current` is then the
        truth: writes made meanwhile were not heard); or None when `wait` seconds passed
        without any of these (`current` may still have changed: the stale rule reads the
        clock). A read that failed after a break is tried again at each call."""
        item = await self._listener.next(wait)
        if item is Gap.LOST:
            return Gap.LOST
        if item is Gap.BACK:
            self._unread = True
        elif item == b"":  # the progress was deleted: the conversation was erased
            self._heard = None
            return None
        elif item is not None:
            self._heard = _published(item)
        if self._unread:
            try:
                await self.read()
            except StoreError:
                return Gap.LOST  # still out, for reads
            self._unread = False
            return Gap.BACK
        return None if item is None else self.current


@functools.lru_cache(maxsize=64)
def _published(raw: bytes) -> Progress:
    """A published value, parsed once for all of this process's streams of it (each of
    200 streams hears the same bytes of every write and heartbeat)."""
    return parse_progress(raw)


@asynccontextmanager
async def watch(store: JobStore, conversation_id: str) -> AsyncIterator[ProgressFeed]:
    """Listen to a conversation's progress; the feed's `current` is read once subscribed."""
    validate_conversation_id(conversation_id)
    async with store.kv.listen(store.keys.progress_channel(conversation_id)) as listener:
        feed = ProgressFeed(store, conversation_id, listener)
        await feed.read()
        yield feed
