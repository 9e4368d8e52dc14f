"""A retried command may already have been applied when its first reply was lost: the job
store must take its own write, found in place, as the success it was."""

from __future__ import annotations

from parley.jobs import JobStatus, JobStore, StoreConfig
from parley.kv import MemoryKV


class LostFirstReplyKV(MemoryKV):
    """Applies every write, but answers the first compare-and-set and set-if-absent as
    failed: what a client sees when a reply is lost and the retry finds the key changed."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = {"cas": False, "nx": False}

    async def compare_and_set(
        self,
        key: str,
        expected: bytes | None,
        value: bytes,
        ttl: float,
        *,
        even_if_full: bool = False,
    ) -> bool:
        applied = await super().compare_and_set(
            key, expected, value, ttl, even_if_full=even_if_full
        )
        if applied and not self.lost["cas"]:
            self.lost["cas"] = True
            return False
        return applied

    async def set_nx(
        self, key: str, value: bytes, ttl: float, *, publish: str | None = None
    ) -> bool:
        applied = await super().set_nx(key, value, ttl, publish=publish)
        if applied and not self.lost["nx"]:
            self.lost["nx"] = True
            return False
        return applied


async def test_a_transition_whose_reply_was_lost_still_succeeds() -> None:
    store = JobStore(LostFirstReplyKV(), StoreConfig(ttl_seconds=60))
    job, created = await store.create_or_get("conv")
    assert created  # the index claim's reply was lost, and it is still ours
    running = await store.start(job.job_id)  # the CAS's reply was lost
    assert running.status is JobStatus.RUNNING
    assert running.attempts == 1
    done = await store.complete(running, {"ok": True})
    assert done.status is JobStatus.COMPLETED
