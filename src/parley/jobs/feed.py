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

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from parley.jobs.keys import validate_conversation_id
from parley.jobs.models import Progress
from parley.kv._fanout import Gap, Listener

if TYPE_CHECKING:
    from parley.jobs.store import JobStore

__all__ = ["Gap", "ProgressFeed", "watch"]


class ProgressFeed:
    """The latest progress of one conversation, and each change to it."""

    def __init__(self, store: JobStore, conversation_id: str, listener: Listener) -> None:
        self._store = store
        self._conversation_id = conversation_id
        self._listener = listener
        self._heard: Progress | None = None  # as written (the stale rule not applied)

    @property
    def current(self) -> Progress | None:
        """The latest progress, the stale rule applied now; None when there is none."""
        if self._heard is None:
            return None
        return self._store.effective(self._heard)

    async def read(self) -> Progress | None:
        """Read the current progress from the store (one command)."""
        self._heard = await self._store.get_progress(self._conversation_id, as_written=True)
        return self.current

    async def next(self, wait: float) -> Progress | Gap | None:
        """The progress after the next write heard, `Gap.LOST` when the subscription broke,
        or None when `wait` seconds pass without either (then `current` may still have
        changed: the stale rule reads the clock). After a break, the first write heard or
        the subscription's return reads the store again."""
        item = await self._listener.next(wait)
        if item is None:
            return None
        if item is Gap.LOST:
            return Gap.LOST
        if item is Gap.BACK:
            return await self.read()
        self._heard = self._store.parse_progress(item)
        return self.current


@asynccontextmanager
async def watch(store: JobStore, conversation_id: str) -> AsyncIterator[ProgressFeed]:
    """Listen to a conversation's progress; the feed's `current` is read once subscribed."""
    validate_conversation_id(conversation_id)
    async with store.kv.listen(store.keys.progress_channel(conversation_id)) as listener:
        feed = ProgressFeed(store, conversation_id, listener)
        await feed.read()
        yield feed
