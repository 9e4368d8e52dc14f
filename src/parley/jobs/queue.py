"""Queue mode's work list: one stream of job ids (`queue:analyses`), one consumer group.

The web tier adds a job's id once its job and input are stored; `parley worker` processes
read entries in the group (each entry goes to one worker, and stays pending for it until
acknowledged), and claim the pending entries of workers that were lost. Every operation
is one command on the stream's key, so the queue works the same on a Redis Cluster.

Two kinds of entry:

    job=<jobId>     run this job
    wake=1          no job: the worker that reads it checks for lost work now (the web
                    tier adds one when a poll finds a job whose worker went silent)
"""

from __future__ import annotations

from dataclasses import dataclass

from parley.jobs.keys import QUEUE_GROUP, KeyLayout
from parley.kv import KV, PendingEntry, StreamEntry, StreamInfo

__all__ = ["JobQueue", "QueueEntry"]


@dataclass(frozen=True, slots=True)
class QueueEntry:
    entry_id: str
    job_id: str | None  # None: a wake-up entry

    @classmethod
    def of(cls, entry: StreamEntry | PendingEntry) -> QueueEntry:
        return cls(entry.id, entry.fields.get("job"))


# Entries are deleted when acknowledged; trimming by age only sweeps what a worker never
# acknowledged. A job's record lives a TTL past its last heartbeat, so an entry may belong
# to a job that waited and then ran for a long time: trimming keeps four TTLs.
_MAX_AGE_TTLS = 4


class JobQueue:
    def __init__(self, kv: KV, keys: KeyLayout, ttl: float) -> None:
        self.kv = kv
        self.key = keys.queue()
        self.ttl = keys.ttl("queue", ttl)

    async def _add(self, fields: dict[str, str]) -> str:
        return await self.kv.stream_add(
            self.key, QUEUE_GROUP, fields, self.ttl, max_age=_MAX_AGE_TTLS * self.ttl
        )

    async def enqueue(self, job_id: str) -> str:
        """Add a job for the workers; returns its entry id."""
        return await self._add({"job": job_id})

    async def wake(self) -> str:
        """Add a wake-up entry: the idle worker that reads it checks for lost work."""
        return await self._add({"wake": "1"})

    async def info(self) -> StreamInfo:
        """Entries waiting and pending, and the workers the group knows. One command."""
        info, _ = await self.kv.stream_pending(self.key, QUEUE_GROUP, 0, 0)
        return info

    async def read(self, consumer: str, count: int, block: float | None) -> list[QueueEntry]:
        """Up to `count` new entries for `consumer`, waiting up to `block` seconds."""
        found = await self.kv.stream_read(
            self.key, QUEUE_GROUP, consumer, count, block=block, ttl=self.ttl
        )
        return [QueueEntry.of(entry) for entry in found]

    async def ack(self, *entry_ids: str) -> int:
        """The entries are done: acknowledged and deleted."""
        return await self.kv.stream_ack(self.key, QUEUE_GROUP, list(entry_ids))

    async def idle(
        self, min_idle: float, count: int, *, after: str | None = None
    ) -> tuple[StreamInfo, list[PendingEntry]]:
        """The counts, and pending entries nobody touched for `min_idle` seconds (from just
        after the entry id `after`): work of a worker that may be lost, or that runs long
        (its job's heartbeat tells which)."""
        return await self.kv.stream_pending(self.key, QUEUE_GROUP, min_idle, count, after=after)

    async def touch(self) -> bool:
        """Renew the stream's TTL: a worker does while it runs jobs, so their entries live
        as long as they do, even when nothing has been added for an hour."""
        return await self.kv.expire(self.key, self.ttl)

    async def claim(self, consumer: str, entry_ids: list[str], min_idle: float) -> list[QueueEntry]:
        """Take pending entries over; of two claimers of one entry, only the first wins."""
        claimed = await self.kv.stream_claim(self.key, QUEUE_GROUP, consumer, entry_ids, min_idle)
        return [QueueEntry.of(entry) for entry in claimed]

    async def leave(self, consumer: str) -> None:
        """Forget a worker that holds no pending entry (a clean exit)."""
        info = await self.info()
        if info.consumers.get(consumer, 0) == 0:
            await self.kv.stream_remove_consumer(self.key, QUEUE_GROUP, consumer)
