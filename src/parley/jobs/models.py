"""The job, its progress and the stale rule. Stored as camelCase JSON (see README)."""

from __future__ import annotations

import dataclasses
import hmac
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from parley.jobs.keys import new_job_id
from parley.jobs.tokens import hash_token
from parley.settings import ExecutionMode

__all__ = ["REQUEUED", "ErrorCode", "Job", "JobError", "JobStatus", "Progress", "utcnow"]

# The stage a reader sees for a queue job whose worker went silent (computed, never
# stored): a web process that sees it wakes an idle worker to claim the job.
REQUEUED = "requeued"


def utcnow() -> datetime:
    """Now, in UTC, to the millisecond: the precision the JSON records keep."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED)


class ErrorCode(StrEnum):
    """Why a job failed: stable, machine-readable, one meaning each (README: "Job failures")."""

    INPUT_ERROR = "input_error"  # the input broke its format: fix the file
    ANALYSIS_ERROR = "analysis_error"  # a bug in parley: the message says what failed
    RESULT_TOO_LARGE = "result_too_large"  # over PARLEY_MAX_RESULT_BYTES
    WORKER_LOST = "worker_lost"  # its worker stopped sending heartbeats (crashed, killed)
    WORKER_STOPPED = "worker_stopped"  # its worker shut down cleanly in the middle of it
    STORE_FULL = "store_full"  # the store refused the result: out of memory or quota
    INPUT_MISSING = "input_missing"  # queue: the stored input expired or was erased
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"  # queue: lost by its worker too many times
    RESULT_LOST = "result_lost"  # completed, but the store evicted its result since

    @property
    def rerunnable(self) -> bool:
        """The same input may well succeed if sent again (nothing is wrong with it)."""
        return self in (
            ErrorCode.WORKER_LOST,
            ErrorCode.WORKER_STOPPED,
            ErrorCode.STORE_FULL,
            ErrorCode.RESULT_LOST,
        )


@dataclass(frozen=True, slots=True)
class JobError:
    code: ErrorCode
    message: str  # a sentence for the user
    details: dict[str, Any] | None = None  # e.g. the format and line where the input broke

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobError:
        return cls(ErrorCode(data["code"]), data["message"], data.get("details"))


_seq_lock = threading.Lock()
_last_seq = 0


def next_seq() -> int:
    """A progress change's sequence number: the wall clock's milliseconds, and strictly
    larger than this process's last. Writers on other machines share only the clock, so
    a reader compares for equality (did I see this one?) more than for order."""
    global _last_seq  # noqa: PLW0603 - one counter per process, under its lock
    with _seq_lock:
        _last_seq = max(_last_seq + 1, time.time_ns() // 1_000_000)
        return _last_seq


def _lost(stale_seconds: float) -> JobError:
    return JobError(
        ErrorCode.WORKER_LOST,
        f"the worker running this job stopped sending heartbeats for {stale_seconds:g} s; "
        "start the analysis again",
    )


def _older_than(then: datetime, now: datetime, seconds: float) -> bool:
    return now - then > timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class Job:
    job_id: str
    conversation_id: str
    status: JobStatus
    created_at: datetime
    # Which driver owns it decides the stale rule (see `is_stale`).
    mode: ExecutionMode = ExecutionMode.BACKGROUND
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    attempts: int = 0  # how many times a worker started it; also the owner's fencing token
    # Of those, how many ended in a clean hand-back (a worker shutting down): not losses.
    handbacks: int = 0
    owner: str | None = None  # who runs (or last ran) it: host:pid of the process
    error: JobError | None = None
    result_bytes: int | None = None
    # Store commands its owner sent for it, from its start to its last write (a hosted
    # Redis bills each): None until it ends, and for jobs from before parley counted.
    commands: int | None = None
    # SHA-256 of the owner token its POST answered with: whoever holds the token may erase
    # the conversation. The token itself is never stored, and the hash never shown.
    token_hash: str | None = field(default=None, repr=False)
    # The job this one replaced for its conversation (a forced re-run, a failed job run
    # again): erasing the conversation follows these links, so no older result survives.
    replaces: str | None = None
    # SHA-256 of what it analyses (format and bytes): the same id with other content is
    # not the same job (see JobStore.create_or_get).
    input_hash: str | None = None

    @classmethod
    def new(
        cls,
        conversation_id: str,
        now: datetime,
        mode: ExecutionMode,
        *,
        token_hash: str | None = None,
        replaces: str | None = None,
        input_hash: str | None = None,
    ) -> Job:
        return cls(
            new_job_id(),
            conversation_id,
            JobStatus.QUEUED,
            now,
            mode,
            token_hash=token_hash,
            replaces=replaces,
            input_hash=input_hash,
        )

    def owned_by(self, token: str) -> bool:
        """Whether `token` is this job's owner token (compared in constant time)."""
        return self.token_hash is not None and hmac.compare_digest(
            self.token_hash, hash_token(token)
        )

    def replace(self, **changes: Any) -> Job:
        return dataclasses.replace(self, **changes)

    @property
    def losses(self) -> int:
        """Starts that did not end cleanly: the worker or its analysis process was lost."""
        return self.attempts - self.handbacks

    @property
    def queued_for_workers(self) -> bool:
        """Waiting in the queue's stream for any `parley worker` (not for this process)."""
        return self.mode is ExecutionMode.QUEUE

    def is_stale(self, now: datetime, stale_seconds: float) -> bool:
        """The process that owned it is gone: running without a recent heartbeat. A queued
        job is stale only when the process that created it was also to start it (background,
        inline) and has not: in queue mode waiting is what a queued job does."""
        if self.status is JobStatus.QUEUED:
            return not self.queued_for_workers and _older_than(self.created_at, now, stale_seconds)
        beat = self.heartbeat_at or self.started_at or self.created_at
        return self.status is JobStatus.RUNNING and _older_than(beat, now, stale_seconds)

    def effective(self, now: datetime, stale_seconds: float) -> Job:
        """The job as readers must see it (the stored record is left as it is). A stale job
        of a process that is gone is failed/worker_lost; a stale queue job waits, queued,
        for another worker to claim it."""
        if not self.is_stale(now, stale_seconds):
            return self
        if self.queued_for_workers:
            return self.replace(status=JobStatus.QUEUED)
        return self.replace(status=JobStatus.FAILED, error=_lost(stale_seconds))

    def without_result(self) -> Job:
        """A completed job whose result is gone, as readers must see it: failed, with
        result_lost (only an evicting store drops a result before its job)."""
        return self.replace(
            status=JobStatus.FAILED,
            error=JobError(
                ErrorCode.RESULT_LOST,
                "the analysis finished, but the store has since evicted its result to free "
                "memory (Redis under an allkeys-* or volatile-* maxmemory-policy); analyse "
                "it again, and set maxmemory-policy noeviction so that a full store refuses "
                "new work (507) instead of dropping results",
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "jobId": self.job_id,
            "conversationId": self.conversation_id,
            "status": self.status.value,
            "mode": self.mode.value,
            "createdAt": _iso(self.created_at),
            "startedAt": _iso(self.started_at),
            "finishedAt": _iso(self.finished_at),
            "heartbeatAt": _iso(self.heartbeat_at),
            "attempts": self.attempts,
            "handbacks": self.handbacks,
            "owner": self.owner,
            "error": self.error.to_json() if self.error else None,
            "resultBytes": self.result_bytes,
            **({"commands": self.commands} if self.commands is not None else {}),
            **({"tokenHash": self.token_hash} if self.token_hash else {}),
            **({"replaces": self.replaces} if self.replaces else {}),
            **({"inputHash": self.input_hash} if self.input_hash else {}),
        }

    def to_public_json(self) -> dict[str, Any]:
        """What a reader of the API is shown: the record without its token hash."""
        shown = self.to_json()
        shown.pop("tokenHash", None)
        return shown

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        error = data.get("error")
        created = _dt(data["createdAt"])
        assert created is not None
        return cls(
            job_id=data["jobId"],
            conversation_id=data["conversationId"],
            status=JobStatus(data["status"]),
            created_at=created,
            mode=ExecutionMode(data.get("mode", ExecutionMode.BACKGROUND)),
            started_at=_dt(data.get("startedAt")),
            finished_at=_dt(data.get("finishedAt")),
            heartbeat_at=_dt(data.get("heartbeatAt")),
            attempts=int(data.get("attempts", 0)),
            handbacks=int(data.get("handbacks", 0)),
            owner=data.get("owner"),
            error=JobError.from_json(error) if error else None,
            result_bytes=data.get("resultBytes"),
            commands=data.get("commands"),
            token_hash=data.get("tokenHash"),
            replaces=data.get("replaces"),
            input_hash=data.get("inputHash"),
        )


@dataclass(frozen=True, slots=True)
class Progress:
    """The one value a progress poll reads: it carries the status and the jobId."""

    job_id: str
    status: JobStatus
    stage: str
    percent: float
    message: str
    updated_at: datetime
    error: JobError | None = None
    mode: ExecutionMode = ExecutionMode.BACKGROUND
    # Which change this is: larger for each later one (milliseconds of the wall clock when
    # it was made, made unique); a heartbeat's rewrite keeps it. A live stream's event id.
    seq: int = 0

    @classmethod
    def of(
        cls, job: Job, stage: str, percent: float, message: str, at: datetime, **extra: Any
    ) -> Progress:
        """The job's progress, in the job's status unless `status` says otherwise."""
        status = extra.pop("status", job.status)
        return cls(
            job.job_id, status, stage, percent, message, at, mode=job.mode, seq=next_seq(), **extra
        )

    @classmethod
    def queued(cls, job: Job) -> Progress:
        message = (
            "In the queue: the next free worker takes it"
            if job.queued_for_workers
            else "Waiting to start"
        )
        return cls.of(job, "queued", 0.0, message, job.created_at)

    @classmethod
    def starting(cls, job: Job) -> Progress:
        """The progress a job has from its start until its work first reports."""
        assert job.started_at is not None
        return cls.of(job, "starting", 0.0, "Starting", job.started_at)

    def effective(self, now: datetime, stale_seconds: float) -> Progress:
        """Running progress not refreshed within the stale limit (heartbeats rewrite it)
        follows its job's stale rule: lost, or back in the queue for another worker."""
        stale = _older_than(self.updated_at, now, stale_seconds)
        if self.mode is ExecutionMode.QUEUE:
            if self.status is JobStatus.RUNNING and stale:
                return dataclasses.replace(
                    self,
                    status=JobStatus.QUEUED,
                    stage=REQUEUED,
                    percent=0.0,  # it starts over
                    message="The worker running this analysis stopped; another worker "
                    "will take it over",
                )
            return self
        if self.status in (JobStatus.QUEUED, JobStatus.RUNNING) and stale:
            return dataclasses.replace(self, status=JobStatus.FAILED, error=_lost(stale_seconds))
        return self

    def to_json(self) -> dict[str, Any]:
        # jobId first: the owner's fenced write recognises its own progress by these bytes.
        return {
            "jobId": self.job_id,
            "status": self.status.value,
            "stage": self.stage,
            "percent": round(self.percent, 1),
            "message": self.message,
            "updatedAt": _iso(self.updated_at),
            "error": self.error.to_json() if self.error else None,
            "mode": self.mode.value,
            "seq": self.seq,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        error = data.get("error")
        updated = _dt(data["updatedAt"])
        assert updated is not None
        return cls(
            job_id=data["jobId"],
            status=JobStatus(data["status"]),
            stage=data.get("stage", ""),
            percent=float(data.get("percent", 0)),
            message=data.get("message", ""),
            updated_at=updated,
            error=JobError.from_json(error) if error else None,
            mode=ExecutionMode(data.get("mode", ExecutionMode.BACKGROUND)),
            seq=int(data.get("seq", 0)),
        )
