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
import contextlib
import dataclasses
import sys
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from parley.errors import (
    ConversationTakenError,
    InputTooLargeError,
    JobConflictError,
    JobNotFoundError,
    StoredValueError,
    StoreError,
    StoreFullError,
)
from parley.jobs.input import JobInput
from parley.jobs.keys import (
    RESULT_TTL_MARGIN,
    KeyLayout,
    validate_conversation_id,
    validate_job_id,
)
from parley.jobs.models import ErrorCode, Job, JobError, JobStatus, Progress, utcnow
from parley.kv import KV, current_meter, decode, encode
from parley.log import get_logger
from parley.settings import ExecutionMode, Settings

__all__ = ["JobStore", "StoreConfig", "parse_job", "parse_progress"]

log = get_logger("parley.jobs")

# Erasing follows at most this many replaced jobs back (each forced re-run adds one;
# older ones have expired within the hour anyway).
_MAX_ERASED_JOBS = 64

T = TypeVar("T")

# A compare-and-set loses only to another writer of the same key in the same instant;
# more than a few losses in a row means something is wrong, not busy.
_MAX_RACES = 16
# Jobs whose last written record a process keeps (see JobStore._written): far more than
# run at once in one process.
_WRITTEN_MAX = 1024


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
        self.created = 0  # jobs this store created (analyses started by this process)
        # The record this process last wrote of each job it may write again (one it runs,
        # or created to run itself): the expected value of its next compare-and-set, which
        # then needs no GET first. A guess: another writer meanwhile makes the CAS fail,
        # and the job is read as before.
        self._written: OrderedDict[str, tuple[bytes, Job]] = OrderedDict()

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

    def _ttl(self, family: str) -> float:
        return self.keys.ttl(family, self.config.ttl_seconds)

    async def _write_progress(self, conversation_id: str, progress: Progress) -> None:
        await self.kv.set(
            self.keys.progress(conversation_id),
            _encode_progress(progress),
            self._ttl("progress"),
            publish=self.keys.progress_channel(conversation_id),
        )

    async def _read_job_raw(self, job_id: str) -> tuple[bytes, Job] | None:
        raw = await self.kv.get(self.keys.job(job_id))
        return None if raw is None else (raw, parse_job(raw))

    async def _transition(
        self,
        job_id: str,
        change: Callable[[Job], Job],
        *,
        even_if_full: bool = False,
        read: tuple[bytes, Job] | None = None,
    ) -> Job:
        """Apply `change` to the stored job with a compare-and-set, retrying lost races.
        `change` raises JobConflictError when the transition is not allowed. `read`: the
        job as the caller just read it, tried first instead of reading it again (a lost
        race reads it anew)."""
        ttl = self._ttl("job")
        guess = read is None and job_id in self._written  # our own last write, unread
        read = read or self._written.get(job_id)
        key = self.keys.job(job_id)
        for _ in range(_MAX_RACES):
            found, read = read or await self._read_job_raw(job_id), None
            if found is None:
                raise JobNotFoundError(f"job {job_id} does not exist or has expired")
            raw, job = found
            try:
                new = change(job)
            except JobConflictError:
                if not guess:
                    raise
                guess = False  # what the store holds may allow it: read it
                continue
            data = self._encode(new.to_json())
            try:
                if await self.kv.compare_and_set(key, raw, data, ttl, even_if_full=even_if_full):
                    self._wrote(new, data)
                    return new
                # A retried command may have been applied before its reply was lost: our
                # own write found in place is a success, not a race to run again.
                if await self.kv.get(key) == data:
                    self._wrote(new, data)
                    return new
            except StoreError:
                self._written.pop(job_id, None)  # whether it was written is unknown now
                raise
            guess = False
        raise JobConflictError(f"job {job_id} kept changing under {_MAX_RACES} updates")

    def _wrote(self, job: Job, data: bytes) -> None:
        """Remember the record just written while this process may write the job again."""
        if job.status is JobStatus.RUNNING or (
            job.status is JobStatus.QUEUED and not job.queued_for_workers
        ):
            self._written[job.job_id] = (data, job)
            self._written.move_to_end(job.job_id)
            while len(self._written) > _WRITTEN_MAX:
                self._written.popitem(last=False)
        else:
            self._written.pop(job.job_id, None)

    # -- creating -----------------------------------------------------------------------

    async def _replaceable(self, current: Job | None, *, force: bool) -> bool:
        if current is None or current.status is JobStatus.FAILED:
            return True  # missing, failed, or its worker was lost: run it again
        if current.status is JobStatus.COMPLETED and not await self.has_result(current.job_id):
            return True  # evicted: the one thing a reader wants is gone
        if current.status is JobStatus.QUEUED and current.queued_for_workers:
            return await self._never_enqueued(current)
        return force and current.status is JobStatus.COMPLETED

    async def _never_enqueued(self, job: Job) -> bool:
        """A queue job whose POST died (or met a store failure it could not undo) between
        writing the job and adding it to the stream: nothing will ever run it. Its
        queued progress is written only once it is in the stream (see `announce`), so a
        queued job older than the stale limit without its own progress is such a one."""
        age = (self._clock() - job.created_at).total_seconds()
        if age <= self.config.stale_seconds:
            return False
        raw = await self.kv.get(self.keys.progress(job.conversation_id))
        return raw is None or not raw.startswith(_progress_prefix(job.job_id))

    async def announce(self, job: Job) -> None:
        """Write a queue job's queued progress once it is in the stream: only if no
        progress of this job's is there yet (a fast worker's 'starting' stays), and
        only then, so a reader can tell a job that never reached the queue."""
        await self.kv.set_nx(
            self.keys.progress(job.conversation_id),
            _encode_progress(Progress.queued(job)),
            self._ttl("progress"),
            publish=self.keys.progress_channel(job.conversation_id),
        )

    async def create_or_get(
        self,
        conversation_id: str,
        *,
        force: bool = False,
        mode: ExecutionMode = ExecutionMode.BACKGROUND,
        token_hash: str | None = None,
        input_hash: str | None = None,
    ) -> tuple[Job, bool]:
        """The conversation's job, creating it when there is none to reuse.

        Returns (job, created). An existing queued, running or completed job is returned
        as it is (completed ones are re-run only with `force`); a failed or lost one is
        replaced. Concurrent callers, in any process, all get the one job. `mode` is the
        driver that will run a new job, and decides its stale rule. `token_hash` is the
        hash of a new job's owner token (see jobs.tokens), unless it replaces a job that
        has one: a conversation stays its first owner's until it expires or is erased, so
        nobody takes it over by running it again. A creation the store refuses part-way
        (full, unreachable) leaves no job and no index behind.

        `input_hash` says what the new job would analyse. An existing job of other content
        is not reused: a completed one is replaced with `force`, otherwise the id is taken
        (ConversationTakenError) — a chosen id never shows another file's result.

        A queue job gets no progress here: the caller adds it to the stream, then calls
        `announce`. The progress of a job it replaces is removed, so that announce's
        write-if-absent can land.
        """
        validate_conversation_id(conversation_id)
        index_key = self.keys.job_index(conversation_id)
        ttl = self._ttl("job_index")
        for _ in range(_MAX_RACES):
            current_raw = await self.kv.get(index_key)
            current: Job | None = None
            if current_raw is not None:
                current = await self.get_job(current_raw.decode())
                if not await self._replaceable(current, force=force):
                    assert current is not None
                    if input_hash and current.input_hash and current.input_hash != input_hash:
                        raise ConversationTakenError(
                            f"conversation {conversation_id} already holds the analysis of "
                            "another file; choose another id, or replace it (force, with "
                            "its owner token)",
                            conversation_id=conversation_id,
                            job_id=current.job_id,
                        )
                    return current, False
                if (
                    current is not None
                    and current.error
                    and current.error.code is ErrorCode.WORKER_LOST
                ):
                    try:
                        await self._mark_lost(current.job_id)
                    except JobConflictError:
                        continue  # its worker came back to life: read it again
            owner = current.token_hash if current and current.token_hash else token_hash
            replaced = current.job_id if current else None
            job = Job.new(
                conversation_id,
                self._clock(),
                mode,
                token_hash=owner,
                replaces=replaced,
                input_hash=input_hash,
            )
            # The job record exists before the index points at it, so a reader that
            # follows the index always finds the job.
            record = self._encode(job.to_json())
            await self.kv.set(self.keys.job(job.job_id), record, self._ttl("job"))
            self._wrote(job, record)
            new_id = job.job_id.encode()
            try:
                if current_raw is None:
                    claimed = await self.kv.set_nx(index_key, new_id, ttl)
                else:
                    claimed = await self.kv.compare_and_set(index_key, current_raw, new_id, ttl)
                # As in _transition: a claim applied before its reply was lost is still ours.
                if claimed or await self.kv.get(index_key) == new_id:
                    if not job.queued_for_workers:
                        await self._write_progress(conversation_id, Progress.queued(job))
                    elif current_raw is not None:
                        await self._drop_progress_of(conversation_id, current_raw.decode())
                    self._log("job_created", job, replaced=current.job_id if current else None)
                    self.created += 1
                    return job, True
            except StoreError:
                await self.discard(job)
                raise
            await self.kv.delete(self.keys.job(job.job_id))  # lost the race: not ours
        raise JobConflictError(f"conversation {conversation_id} kept changing; try again")

    async def _drop_progress_of(self, conversation_id: str, job_id: str) -> None:
        key = self.keys.progress(conversation_id)
        raw = await self.kv.get(key)
        if raw is not None and raw.startswith(_progress_prefix(job_id)):
            await self.kv.delete_if(key, raw)

    async def discard(self, job: Job) -> None:
        """Undo a job that never started: delete its record, its input, and its index and
        progress while they are still its own. Deletes succeed on a full store, so a POST
        refused with 507 leaves nothing behind; on an unreachable one, the job reads as
        lost (or, queued for workers, waits) until it expires."""
        keys = self.keys
        with contextlib.suppress(StoreError):
            await self.kv.delete_if(keys.job_index(job.conversation_id), job.job_id.encode())
            await self._drop_progress_of(job.conversation_id, job.job_id)
            await self.kv.delete(keys.input(job.job_id))
            await self.kv.delete(keys.job(job.job_id))

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

    async def start(self, job_id: str, owner: str | None = None) -> Job:
        """Mark the job running and take ownership. Returns the job; its `attempts` is the
        owner's fencing token for every later write. A queued job starts; a running job
        whose worker was lost is taken over (attempts + 1); anything else conflicts.
        `owner` names the process, for people reading the job."""
        now = self._clock()

        def change(job: Job) -> Job:
            if job.status is JobStatus.QUEUED or job.is_stale(now, self.config.stale_seconds):
                return job.replace(
                    status=JobStatus.RUNNING,
                    started_at=now,
                    heartbeat_at=now,
                    attempts=job.attempts + 1,
                    owner=owner,
                    error=None,
                )
            raise JobConflictError(f"job {job_id} is {job.status.value}; it cannot start")

        job = await self._transition(validate_job_id(job_id), change)
        # The index lives a TTL from its write: a job created a moment ago (not waiting in a
        # queue) needs no refresh yet; its heartbeat refreshes it every quarter TTL.
        if (now - job.created_at).total_seconds() > self.config.ttl_seconds / 4:
            await self.kv.expire(self.keys.job_index(job.conversation_id), self._ttl("job_index"))
        await self._write_starting(job)
        self._log("job_started", job, attempt=job.attempts)
        return job

    async def _write_starting(self, job: Job) -> None:
        """The starting progress, over this job's own progress, or where there is none
        yet (a worker that took a queue job before its POST announced it), but never over
        another job's: a job that a newer one replaced must not hide it."""
        progress = Progress.starting(job)
        for _ in range(_MAX_RACES):
            try:
                await self._write_own_progress(job.conversation_id, progress)
                return
            except JobNotFoundError:  # no progress at all: write it if still none
                key = self.keys.progress(job.conversation_id)
                data = _encode_progress(progress)
                channel = self.keys.progress_channel(job.conversation_id)
                if await self.kv.set_nx(key, data, self._ttl("progress"), publish=channel):
                    return
        raise JobConflictError(f"job {job.job_id}'s progress kept changing; try again")

    def _owned(self, job: Job, attempt: int) -> None:
        if job.status is not JobStatus.RUNNING or job.attempts != attempt:
            raise JobConflictError(
                f"job {job.job_id} is no longer owned by attempt {attempt} "
                f"(now {job.status.value}, attempt {job.attempts})"
            )

    async def _write_own_progress(
        self, conversation_id: str, progress: Progress, *, even_if_full: bool = False
    ) -> None:
        """Write progress only over this job's own: an owner that lost its job (taken over,
        or the conversation erased) must not write over what replaced it. One command on
        one key; raises JobConflictError when the progress is not ours."""
        key = self.keys.progress(conversation_id)
        mine = _progress_prefix(progress.job_id)
        data = _encode_progress(progress)
        ttl = self._ttl("progress")
        channel = self.keys.progress_channel(conversation_id)
        if not await self.kv.set_if_prefix(
            key, mine, data, ttl, even_if_full=even_if_full, publish=channel
        ):
            if await self.kv.get(key) is None:  # rare, and worth a read: say which
                raise JobNotFoundError(f"conversation {conversation_id} was erased")
            raise JobConflictError(
                f"job {progress.job_id} no longer owns conversation {conversation_id}'s "
                "progress (a new job replaced it)"
            )

    async def report_progress(
        self, job: Job, stage: str, percent: float, message: str = ""
    ) -> Progress:
        """Write the running job's progress (callers throttle; see ProgressReporter).
        Raises JobConflictError once the job no longer owns its conversation's progress."""
        progress = Progress.of(job, stage, max(0.0, min(100.0, percent)), message, self._clock())
        await self._write_own_progress(job.conversation_id, progress)
        return progress

    async def heartbeat(
        self, job: Job, progress: Progress | None, *, refresh_index: bool = True
    ) -> Job:
        """Prove the owner is alive: refresh heartbeatAt (and with it the job's TTL), and
        rewrite `progress` (its updatedAt is what a poll's stale rule reads; None when a
        report just did) and, with `refresh_index`, the index's TTL. Raises
        JobConflictError when another owner has taken the job over, and JobNotFoundError
        when the conversation was erased."""
        now = self._clock()

        def change(current: Job) -> Job:
            self._owned(current, job.attempts)
            return current.replace(heartbeat_at=now)

        updated = await self._transition(job.job_id, change)
        if progress is not None:
            await self._write_own_progress(
                job.conversation_id, dataclasses.replace(progress, updated_at=now)
            )
        if refresh_index:
            await self.kv.expire(self.keys.job_index(job.conversation_id), self._ttl("job_index"))
            if job.queued_for_workers:  # another worker needs it should this one be lost
                await self.kv.expire(self.keys.input(job.job_id), self._ttl("input"))
        return updated

    def encode_result(self, result: Any) -> bytes:
        """The stored form of a result; InputTooLargeError past PARLEY_MAX_RESULT_BYTES."""
        data = encode(
            result, compress_threshold=self.config.compress_threshold_bytes, dictionary=True
        )
        if len(data) > self.config.max_result_bytes:
            raise InputTooLargeError(
                f"the result is {len(data)} bytes stored, over the limit of "
                f"{self.config.max_result_bytes} (PARLEY_MAX_RESULT_BYTES)",
                limit=self.config.max_result_bytes,
            )
        return data

    async def complete(self, job: Job, result: Any, *, encoded: bytes | None = None) -> Job:
        """Store the result, then mark the job completed, then the progress: in that
        order, so whoever sees `completed` finds the result. Idempotent for its owner: a
        retry after a failed write finds its own earlier writes and goes on."""
        data = encoded if encoded is not None else self.encode_result(result)
        # Read, not guessed from this process's last write: a job erased or taken over
        # meanwhile must not get a result written for it.
        found = await self._read_job_raw(job.job_id)
        if found is None:
            raise JobNotFoundError(f"job {job.job_id} does not exist or has expired")
        if found[1].status is JobStatus.COMPLETED and found[1].attempts == job.attempts:
            done = found[1]  # a retry: the job was written, the progress may not have been
        else:
            self._owned(found[1], job.attempts)
            await self.kv.set(self.keys.result(job.job_id), data, self._ttl("result"))
            now = self._clock()

            def change(current: Job) -> Job:
                self._owned(current, job.attempts)
                return current.replace(
                    status=JobStatus.COMPLETED,
                    finished_at=now,
                    heartbeat_at=now,
                    result_bytes=len(data),
                    commands=_spent(then=3),  # this write, the progress, the index's TTL
                )

            try:
                done = await self._transition(job.job_id, change, read=found)
            except StoreFullError:
                # Redis admits a write while memory is under its limit, however large: the
                # result got in and pushed the store over. Take it back out, so the job's
                # failure can be written and the memory is free for other jobs.
                with contextlib.suppress(StoreError):
                    await self.kv.delete(self.keys.result(job.job_id))
                raise
        assert done.finished_at is not None
        completed = Progress.of(done, "done", 100.0, "Analysis complete", done.finished_at)
        try:
            await self._write_progress(job.conversation_id, completed)
        except StoreFullError:
            # The job is completed: its progress must say so, even on a full store (a
            # small value over one this job owns; the scripted write is allowed past OOM).
            await self._write_own_progress(job.conversation_id, completed, even_if_full=True)
        await self.kv.expire(self.keys.job_index(job.conversation_id), self._ttl("job_index"))
        self._log("job_completed", done, resultBytes=len(data))
        return done

    async def fail(
        self,
        job: Job,
        code: ErrorCode,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        even_if_full: bool = False,
    ) -> Job:
        """Mark the job failed with a machine code and a sentence for the user. A job that
        was never started (queued) may be failed too, e.g. when its input is rejected.
        `even_if_full`: the store refused the result for lack of memory, and this small
        record is the one write that must still get through."""
        now = self._clock()
        error = JobError(code, message, details or None)

        def change(current: Job) -> Job:
            if current.status is JobStatus.FAILED and current.error == error:
                return current  # a retry of this very write
            if current.status is not JobStatus.QUEUED:
                self._owned(current, job.attempts)
            # then: this write and the progress, and (unless the store is full) the index
            spent = _spent(then=2 if even_if_full else 3)
            return current.replace(
                status=JobStatus.FAILED, finished_at=now, error=error, commands=spent
            )

        failed = await self._transition(job.job_id, change, even_if_full=even_if_full)
        progress = Progress.of(failed, "failed", 100.0, message, now, error=error)
        if even_if_full:
            await self._write_own_progress(job.conversation_id, progress, even_if_full=True)
        else:
            await self._write_progress(job.conversation_id, progress)
            await self.kv.expire(self.keys.job_index(job.conversation_id), self._ttl("job_index"))
        self._log("job_failed", failed, code=code.value)
        return failed

    async def hand_back(self, job: Job, message: str, *, lost: bool = False) -> Job:
        """Give a running job back to the queue, queued, for another worker. The next start
        takes it with attempts + 1, which fences this owner out. A clean hand-back (its
        worker shutting down) does not count as a loss; `lost` (its analysis process died)
        does. Idempotent for its owner: a retry finds its own write in place."""

        def change(current: Job) -> Job:
            mine = current.attempts == job.attempts and current.heartbeat_at is None
            if current.status is JobStatus.QUEUED and mine:
                return current  # a retry of this very write
            self._owned(current, job.attempts)
            return current.replace(
                status=JobStatus.QUEUED,
                heartbeat_at=None,
                handbacks=current.handbacks + (0 if lost else 1),
            )

        queued = await self._transition(job.job_id, change)
        # "queued", not "requeued": it waits in a fresh stream entry (readers wake no
        # worker for it, as they do for a job whose worker went silent).
        await self._write_own_progress(
            job.conversation_id,
            Progress.of(queued, "queued", 0.0, message, self._clock()),
        )
        self._log("job_handed_back", queued, attempt=job.attempts)
        return queued

    # -- queue mode: the stored input -------------------------------------------------------

    async def save_input(self, job: Job, encoded: bytes) -> None:
        """Store a job's input (`JobInput.encode()`) for a worker to read."""
        await self.kv.set(self.keys.input(job.job_id), encoded, self._ttl("input"))

    async def load_input(self, job_id: str) -> JobInput | None:
        raw = await self.kv.get(self.keys.input(validate_job_id(job_id)))
        if raw is None:
            return None
        # Tens of MB decompress in ~0.1 s: off the loop, where other jobs' heartbeats run.
        return (
            await asyncio.to_thread(JobInput.decode, raw)
            if len(raw) > 256 * 1024
            else JobInput.decode(raw)
        )

    async def delete_input(self, job_id: str) -> bool:
        return await self.kv.delete(self.keys.input(job_id))

    # -- reads ------------------------------------------------------------------------------

    async def get_job(self, job_id: str) -> Job | None:
        """The job as readers see it (the stale rule applied), or None."""
        found = await self._read_job_raw(validate_job_id(job_id))
        return (
            None if found is None else found[1].effective(self._clock(), self.config.stale_seconds)
        )

    async def has_result(self, job_id: str) -> bool:
        """Whether the job's result is still stored (one TTL read, not the value)."""
        return await self.kv.ttl(self.keys.result(validate_job_id(job_id))) is not None

    async def settled(self, job: Job) -> Job:
        """`job` as a reader must see it once it has completed: failed/result_lost when its
        result is gone. (Results are written first and outlive their jobs, so only an
        evicting store gets here.) One read, for completed jobs only."""
        if job.status is JobStatus.COMPLETED and not await self.has_result(job.job_id):
            log.warning("job_result_lost", usingKv=self.kv.shared, jobId=job.job_id)
            return job.without_result()
        return job

    async def get_progress(self, conversation_id: str) -> Progress | None:
        """One read: the conversation's latest progress (the stale rule applied), or None."""
        stored = await self.get_progress_stored(conversation_id)
        return None if stored is None else self.effective(stored[1])

    async def get_progress_stored(self, conversation_id: str) -> tuple[bytes, Progress] | None:
        """One read: the progress as stored (plain JSON, jobId first) and as written."""
        raw = await self.kv.get(self.keys.progress(validate_conversation_id(conversation_id)))
        return None if raw is None else (raw, parse_progress(raw))

    def effective(self, progress: Progress) -> Progress:
        """The progress as a reader sees it now: the stale rule applied."""
        return progress.effective(self._clock(), self.config.stale_seconds)

    async def get_result(self, job_id: str) -> Any | None:
        raw = await self.kv.get(self.keys.result(validate_job_id(job_id)))
        return None if raw is None else decode(raw)

    async def get_live_result(self, job_id: str) -> Any | None:
        """The result while its job surely lives, in one read; None when missing or in
        its last RESULT_TTL_MARGIN (its job has expired, or is about to: read the job)."""
        found = await self.kv.get_with_ttl(self.keys.result(validate_job_id(job_id)))
        if found is None or found[1] <= RESULT_TTL_MARGIN:
            return None
        return decode(found[0])

    async def find_job(self, conversation_id: str) -> Job | None:
        """The conversation's current job, through its index."""
        raw = await self.kv.get(self.keys.job_index(validate_conversation_id(conversation_id)))
        return None if raw is None else await self.get_job(raw.decode())

    async def erase(self, conversation_id: str) -> int:
        """Delete the conversation's progress and index, its current job and the jobs it
        replaced (forced re-runs), with their results and inputs, now. Returns how many
        keys existed."""
        index_key = self.keys.job_index(validate_conversation_id(conversation_id))
        raw = await self.kv.get(index_key)
        keys = [self.keys.progress(conversation_id), index_key]
        job_id = raw.decode() if raw is not None else None
        for _ in range(_MAX_ERASED_JOBS):
            if job_id is None:
                break
            found = await self._read_job_raw(job_id)
            keys += [self.keys.job(job_id), self.keys.result(job_id), self.keys.input(job_id)]
            job_id = found[1].replaces if found is not None else None
        # the progress's delete tells its live streams the conversation is gone
        channel = self.keys.progress_channel(conversation_id)
        deleted = await asyncio.gather(
            self.kv.delete(keys[0], publish=channel), *(self.kv.delete(key) for key in keys[1:])
        )
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


def _spent(*, then: int) -> int | None:
    """The commands the job's owner has sent for it (its meter, see JobRunner.run), with
    the `then` writes its last step still has to send; None when nothing meters it."""
    meter = current_meter()
    return None if meter is None else meter.commands + then


def parse_job(raw: bytes) -> Job:
    """A stored job record; StoredValueError if not parley's."""
    return _parse(Job.from_json, raw)


def parse_progress(raw: bytes) -> Progress:
    """A stored (or published) progress value; StoredValueError if not parley's."""
    return _parse(Progress.from_json, raw)


def _encode_progress(progress: Progress) -> bytes:
    """Progress is ~200 bytes: always plain JSON, never compressed, with jobId first, so
    the owner's fenced write can check whose it is by its first bytes."""
    return encode(progress.to_json(), compress_threshold=sys.maxsize)


def _progress_prefix(job_id: str) -> bytes:
    return encode({"jobId": job_id}, compress_threshold=sys.maxsize)[:-1] + b","
