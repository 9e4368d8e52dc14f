"""The job, its progress and the stale rule. Stored as camelCase JSON (see README)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from parley.jobs.keys import new_job_id

__all__ = ["Job", "JobError", "JobStatus", "Progress", "utcnow"]

WORKER_LOST = "worker_lost"  # its worker stopped sending heartbeats (crashed, killed)
WORKER_STOPPED = "worker_stopped"  # its worker shut down cleanly in the middle of it


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


@dataclass(frozen=True, slots=True)
class JobError:
    code: str  # stable, machine-readable: worker_lost, input_error, analysis_error, ...
    message: str  # a sentence for the user
    details: dict[str, Any] | None = None  # e.g. the format and line where the input broke

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobError:
        return cls(data["code"], data["message"], data.get("details"))


def _lost(stale_seconds: float) -> JobError:
    return JobError(
        WORKER_LOST,
        f"the worker running this job stopped sending heartbeats for {stale_seconds:g} s; "
        "start the analysis again",
    )


@dataclass(frozen=True, slots=True)
class Job:
    job_id: str
    conversation_id: str
    status: JobStatus
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    attempts: int = 0  # how many times a worker started it; also the owner's fencing token
    error: JobError | None = None
    result_bytes: int | None = None

    @classmethod
    def new(cls, conversation_id: str, now: datetime) -> Job:
        return cls(new_job_id(), conversation_id, JobStatus.QUEUED, now)

    def replace(self, **changes: Any) -> Job:
        return dataclasses.replace(self, **changes)

    def is_stale(self, now: datetime, stale_seconds: float) -> bool:
        """Running without a recent heartbeat, or queued and never started: the process
        that owned it is gone. (A job starts right after it is created, in the process
        that created it; a queue of waiting jobs would need its own rule.)"""
        if self.status is JobStatus.QUEUED:
            return now - self.created_at > timedelta(seconds=stale_seconds)
        beat = self.heartbeat_at or self.started_at or self.created_at
        return self.status is JobStatus.RUNNING and now - beat > timedelta(seconds=stale_seconds)

    def effective(self, now: datetime, stale_seconds: float) -> Job:
        """The job as readers must see it: a running job without a recent heartbeat is
        failed with code worker_lost (the stored record is left as it is)."""
        if self.is_stale(now, stale_seconds):
            return self.replace(status=JobStatus.FAILED, error=_lost(stale_seconds))
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "jobId": self.job_id,
            "conversationId": self.conversation_id,
            "status": self.status.value,
            "createdAt": _iso(self.created_at),
            "startedAt": _iso(self.started_at),
            "finishedAt": _iso(self.finished_at),
            "heartbeatAt": _iso(self.heartbeat_at),
            "attempts": self.attempts,
            "error": self.error.to_json() if self.error else None,
            "resultBytes": self.result_bytes,
        }

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
            started_at=_dt(data.get("startedAt")),
            finished_at=_dt(data.get("finishedAt")),
            heartbeat_at=_dt(data.get("heartbeatAt")),
            attempts=int(data.get("attempts", 0)),
            error=JobError.from_json(error) if error else None,
            result_bytes=data.get("resultBytes"),
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

    @classmethod
    def starting(cls, job: Job) -> Progress:
        """The progress a job has from its start until its work first reports."""
        assert job.started_at is not None
        return cls(job.job_id, JobStatus.RUNNING, "starting", 0.0, "Starting", job.started_at)

    def effective(self, now: datetime, stale_seconds: float) -> Progress:
        """Running progress not refreshed within the stale limit (heartbeats rewrite it)
        reads as failed/worker_lost, like its job."""
        stale = now - self.updated_at > timedelta(seconds=stale_seconds)
        if self.status in (JobStatus.QUEUED, JobStatus.RUNNING) and stale:
            return dataclasses.replace(self, status=JobStatus.FAILED, error=_lost(stale_seconds))
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "jobId": self.job_id,
            "status": self.status.value,
            "stage": self.stage,
            "percent": round(self.percent, 1),
            "message": self.message,
            "updatedAt": _iso(self.updated_at),
            "error": self.error.to_json() if self.error else None,
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
        )
