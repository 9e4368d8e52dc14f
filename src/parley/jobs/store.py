"""The job store: jobs, progress and results in the shared KV, under the documented keys.

The write rules (DESIGN.md) hold for every operation here:
1. every write carries its TTL in the same command;
2. no command touches two keys (the index is claimed with SET NX, job transitions are a
   single-key compare-and-set);
3. completion writes result, then job, then progress, so a reader that sees `completed`
   always finds the result;
4. a progress poll is one read;
5. one live job per conversation.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from parley.errors import (
    InputTooLargeError,
    JobConflictError,
    JobNotFoundError,
    StoredValueError,
)
from parley.jobs.keys import KeyLayout, validate_conversation_id, validate_job_id
from parley.jobs.models import WORKER_LOST, Job, JobError, JobStatus, Progress, utcnow
from parley.kv import KV, decode, encode
from parley.log import get_logger
from parley.settings import Settings

__all__ = ["RESULT_TTL_MARGIN", "JobStore", "StoreConfig"]

log = get_logger("parley.jobs")

T = TypeVar("T")

# A compare-and-set loses only to another writer of the same key in the same instant;
# more than a few losses in a row means something is wrong, not busy.
_MAX_RACES = 16
# Seconds a result lives past its job's TTL (see complete()).
RESULT_TTL_MARGIN = 60


@dataclass(frozen=True, slots=True)
class StoreConfig:
    ttl_seconds: float = 3600
    key_prefix: str = ""
    stale_seconds: float = 30
    max_result_bytes: int = 1024 * 1024
    compress_threshold_bytes: int = 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreConfig:
        return cls(
            ttl_seconds=settings.ttl_seconds,
            key_prefix=settings.key_prefix,
            stale_seconds=settings.stale_seconds,
            max_result_bytes=settings.max_result_bytes,
            compress_threshold_bytes=settings.compress_threshold_bytes,
        )


class JobStore:
    """Jobs, progress and results of conversations, in a KV every worker shares."""

    def __init__(
        self,
        kv: KV,
        config: StoreConfig | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.kv = kv
        self.config = config or StoreConfig()
        self.keys = KeyLayout(self.config.key_prefix)
        self._clock = clock

    # -- encoding -----------------------------------------------------------------------

    def _encode(self, value: Any) -> bytes:
        return encode(value, compress_threshold=self.config.compress_threshold_bytes)

    def _log(self, event: str, job: Job, **extra: Any) -> None:
        log.info(
            event,
            usingKv=self.kv.shared,
            backend=self.kv.backend,
            jobId=job.job_id,
            conversationId=job.conversation_id,
            status=job.status.value,
            **extra,
        )

    async def _write_progress(self, conversation_id: str, progress: Progress) -> None:
        await self.kv.set(
            self.keys.progress(conversation_id), _encode_progress(progress), self.config.ttl_seconds
        )

    async def _read_job_raw(self, job_id: str) -> tuple[bytes, Job] | None:
        raw = await self.kv.get(self.keys.job(job_id))
        return None if raw is None else (raw, _parse(Job.from_json, raw))

    async def _transition(self, job_id: str, change: Callable[[Job], Job]) -> Job:
        """Apply `change` to the stored job with a compare-and-set, retrying lost races.
        `change` raises JobConflictError when the transition is not allowed."""
        ttl = self.config.ttl_seconds
        for _ in range(_MAX_RACES):
            found = await self._read_job_raw(job_id)
            if found is None:
                raise JobNotFoundError(f"job {job_id} does not exist or has expired")
            raw, job = found
            new = change(job)
            data = self._encode(new.to_json())
            if await self.kv.compare_and_set(self.keys.job(job_id), raw, data, ttl):
                return new
            # A retried command may have been applied before its reply was lost: our
            # own write found in place is a success, not a race to run again.
            if await self.kv.get(self.keys.job(job_id)) == data:
                return new
        raise JobConflictError(f"job {job_id} kept changing under {_MAX_RACES} updates")

    # -- creating -----------------------------------------------------------------------

    def _replaceable(self, current: Job | None, *, force: bool) -> bool:
        if current is None or current.status is JobStatus.FAILED:
            return True  # missing, failed, or its worker was lost: run it again
        return force and current.status is JobStatus.COMPLETED

    async def create_or_get(self, conversation_id: str, *, force: bool = False) -> tuple[Job, bool]:
        """The conversation's job, creating it when there is none to reuse.

        Returns (job, created). An existing queued, running or completed job is returned
        as it is (completed ones are re-run only with `force`); a failed or lost one is
        replaced. Concurrent callers, in any process, all get the one job.
        """
        validate_conversation_id(conversation_id)
        index_key = self.keys.job_index(conversation_id)
        ttl = self.config.ttl_seconds
        for _ in range(_MAX_RACES):
            current_raw = await self.kv.get(index_key)
            current: Job | None = None
            if current_raw is not None:
                current = await self.get_job(current_raw.decode())
                if not self._replaceable(current, force=force):
                    assert current is not None
                    return current, False
                if current is not None and current.error and current.error.code == WORKER_LOST:
                    try:
                        await self._mark_lost(current.job_id)
                    except JobConflictError:
                        continue  # its worker came back to life: read it again
            job = Job.new(conversation_id, self._clock())
            # The job record exists before the index points at it, so a reader that
            # follows the index always finds the job.
            await self.kv.set(self.keys.job(job.job_id), self._encode(job.to_json()), ttl)
            new_id = job.job_id.encode()
            if current_raw is None:
                claimed = await self.kv.set_nx(index_key, new_id, ttl)
            else:
                claimed = await self.kv.compare_and_set(index_key, current_raw, new_id, ttl)
            # As in _transition: a claim applied before its reply was lost is still ours.
            if claimed or await self.kv.get(index_key) == new_id:
                await self._write_progress(
                    conversation_id,
                    Progress(
                        job.job_id,
                        JobStatus.QUEUED,
                        "queued",
                        0.0,
                        "Waiting to start",
                        job.created_at,
                    ),
                )
                self._log("job_created", job, replaced=current.job_id if current else None)
                return job, True
            await self.kv.delete(self.keys.job(job.job_id))  # lost the race: not ours
        raise JobConflictError(f"conversation {conversation_id} kept changing; try again")

    async def _mark_lost(self, job_id: str) -> None:
        """Record a stale job as failed/worker_lost, so its old owner, should it wake up,
        is fenced out instead of writing over the job that replaces it."""
        now = self._clock()

        def change(job: Job) -> Job:
            if job.status is JobStatus.FAILED:
                return job
            lost = job.effective(now, self.config.stale_seconds)
            if lost.status is not JobStatus.FAILED:
                raise JobConflictError(f"job {job_id} is alive again")
            return lost.replace(finished_at=now)

        await self._transition(job_id, change)

    # -- the owner's writes ---------------------------------------------------------------

    async def start(self, job_id: str) -> Job:
        """Mark the job running and take ownership. Returns the job; its `attempts` is the
        owner's fencing token for every later write. A queued job starts; a running job
        whose worker was lost is taken over (attempts + 1); anything else conflicts."""
        now = self._clock()

        def change(job: Job) -> Job:
            if job.status is JobStatus.QUEUED or job.is_stale(now, self.config.stale_seconds):
                return job.replace(
                    status=JobStatus.RUNNING,
                    started_at=now,
                    heartbeat_at=now,
                    attempts=job.attempts + 1,
                    error=None,
                )
            raise JobConflictError(f"job {job_id} is {job.status.value}; it cannot start")

        job = await self._transition(validate_job_id(job_id), change)
        await self.kv.expire(self.keys.job_index(job.conversation_id), self.config.ttl_seconds)
        await self._write_progress(job.conversation_id, Progress.starting(job))
        self._log("job_started", job, attempt=job.attempts)
        return job

    def _owned(self, job: Job, attempt: int) -> None:
        if job.status is not JobStatus.RUNNING or job.attempts != attempt:
            raise JobConflictError(
                f"job {job.job_id} is no longer owned by attempt {attempt} "
                f"(now {job.status.value}, attempt {job.attempts})"
            )

    async def _write_own_progress(self, conversation_id: str, progress: Progress) -> None:
        """Write progress only over this job's own: an owner that lost its job (taken over,
        or the conversation erased) must not write over what replaced it. One command on
        one key; raises JobConflictError when the progress is not ours."""
        key = self.keys.progress(conversation_id)
        mine = _progress_prefix(progress.job_id)
        data = _encode_progress(progress)
        if not await self.kv.set_if_prefix(key, mine, data, self.config.ttl_seconds):
            raise JobConflictError(
                f"job {progress.job_id} no longer owns conversation {conversation_id}'s "
                "progress (erased, or replaced by a new job)"
            )

    async def report_progress(
        self, job: Job, stage: str, percent: float, message: str = ""
    ) -> Progress:
        """Write the running job's progress (callers throttle; see ProgressReporter).
        Raises JobConflictError once the job no longer owns its conversation's progress."""
        progress = Progress(
            job.job_id,
            JobStatus.RUNNING,
            stage,
            max(0.0, min(100.0, percent)),
            message,
            self._clock(),
        )
        await self._write_own_progress(job.conversation_id, progress)
        return progress

    async def heartbeat(self, job: Job, progress: Progress) -> Job:
        """Prove the owner is alive: refresh heartbeatAt, rewrite the latest progress
        (its updatedAt is what a poll's stale rule reads) and the TTLs of the job's keys.
        Raises JobConflictError when another owner has taken the job over, and
        JobNotFoundError when the conversation was erased."""
        now = self._clock()

        def change(current: Job) -> Job:
            self._owned(current, job.attempts)
            return current.replace(heartbeat_at=now)

        updated = await self._transition(job.job_id, change)
        await self._write_own_progress(
            job.conversation_id, dataclasses.replace(progress, updated_at=now)
        )
        await self.kv.expire(self.keys.job_index(job.conversation_id), self.config.ttl_seconds)
        return updated

    async def complete(self, job: Job, result: Any) -> Job:
        """Store the result, then mark the job completed, then the progress: in that
        order, so whoever sees `completed` finds the result."""
        data = self._encode(result)
        if len(data) > self.config.max_result_bytes:
            raise InputTooLargeError(
                f"the result is {len(data)} bytes stored, over the limit of "
                f"{self.config.max_result_bytes} (PARLEY_MAX_RESULT_BYTES)",
                limit=self.config.max_result_bytes,
            )
        found = await self._read_job_raw(job.job_id)
        if found is None:
            raise JobNotFoundError(f"job {job.job_id} does not exist or has expired")
        self._owned(found[1], job.attempts)
        ttl = self.config.ttl_seconds
        # The result outlives its job by a margin: written first, it would otherwise
        # expire a moment before the job that says it exists.
        await self.kv.set(self.keys.result(job.job_id), data, ttl + RESULT_TTL_MARGIN)
        now = self._clock()

        def change(current: Job) -> Job:
            self._owned(current, job.attempts)
            return current.replace(
                status=JobStatus.COMPLETED,
                finished_at=now,
                heartbeat_at=now,
                result_bytes=len(data),
            )

        done = await self._transition(job.job_id, change)
        await self._write_progress(
            job.conversation_id,
            Progress(job.job_id, JobStatus.COMPLETED, "done", 100.0, "Analysis complete", now),
        )
        await self.kv.expire(self.keys.job_index(job.conversation_id), ttl)
        self._log("job_completed", done, resultBytes=len(data))
        return done

    async def fail(
        self, job: Job, code: str, message: str, details: dict[str, Any] | None = None
    ) -> Job:
        """Mark the job failed with a machine code and a sentence for the user. A job that
        was never started (queued) may be failed too, e.g. when its input is rejected."""
        now = self._clock()
        error = JobError(code, message, details or None)

        def change(current: Job) -> Job:
            if current.status is not JobStatus.QUEUED:
                self._owned(current, job.attempts)
            return current.replace(status=JobStatus.FAILED, finished_at=now, error=error)

        failed = await self._transition(job.job_id, change)
        await self._write_progress(
            job.conversation_id,
            Progress(job.job_id, JobStatus.FAILED, "failed", 100.0, message, now, error),
        )
        await self.kv.expire(self.keys.job_index(job.conversation_id), self.config.ttl_seconds)
        self._log("job_failed", failed, code=code)
        return failed

    # -- reads ------------------------------------------------------------------------------

    async def get_job(self, job_id: str) -> Job | None:
        """The job as readers see it (the stale rule applied), or None."""
        found = await self._read_job_raw(validate_job_id(job_id))
        return (
            None if found is None else found[1].effective(self._clock(), self.config.stale_seconds)
        )

    async def get_progress(self, conversation_id: str) -> Progress | None:
        """One read: the conversation's latest progress (the stale rule applied), or None."""
        raw = await self.kv.get(self.keys.progress(validate_conversation_id(conversation_id)))
        if raw is None:
            return None
        progress = _parse(Progress.from_json, raw)
        return progress.effective(self._clock(), self.config.stale_seconds)

    async def get_result(self, job_id: str) -> Any | None:
        raw = await self.kv.get(self.keys.result(validate_job_id(job_id)))
        return None if raw is None else decode(raw)

    async def find_job(self, conversation_id: str) -> Job | None:
        """The conversation's current job, through its index."""
        raw = await self.kv.get(self.keys.job_index(validate_conversation_id(conversation_id)))
        return None if raw is None else await self.get_job(raw.decode())

    async def erase(self, conversation_id: str) -> int:
        """Delete the conversation's progress, index, current job and its result now.
        Returns how many keys existed."""
        index_key = self.keys.job_index(validate_conversation_id(conversation_id))
        raw = await self.kv.get(index_key)
        keys = [self.keys.progress(conversation_id), index_key]
        if raw is not None:
            keys += [self.keys.job(raw.decode()), self.keys.result(raw.decode())]
        deleted = await asyncio.gather(*(self.kv.delete(key) for key in keys))
        log.info(
            "conversation_erased",
            usingKv=self.kv.shared,
            conversationId=conversation_id,
            keys=sum(deleted),
        )
        return sum(deleted)


def _parse(build: Callable[[dict[str, Any]], T], raw: bytes) -> T:
    """A stored record, or StoredValueError when it is not one parley wrote."""
    try:
        return build(decode(raw))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoredValueError(f"a stored record is not one parley can read: {exc!r}") from None


def _encode_progress(progress: Progress) -> bytes:
    """Progress is ~200 bytes: always plain JSON, never compressed, with jobId first, so
    the owner's fenced write can check whose it is by its first bytes."""
    return encode(progress.to_json(), compress_threshold=sys.maxsize)


def _progress_prefix(job_id: str) -> bytes:
    return encode({"jobId": job_id}, compress_threshold=sys.maxsize)[:-1] + b","
