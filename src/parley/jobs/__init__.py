"""The jobs layer: the job model, the key layout, the store, the runner and its drivers."""

from __future__ import annotations

from parley.jobs.input import JobInput
from parley.jobs.keys import KeyLayout, new_job_id, validate_conversation_id, validate_job_id
from parley.jobs.models import ErrorCode, Job, JobError, JobStatus, Progress
from parley.jobs.progress import ProgressReporter, ProgressThrottle
from parley.jobs.store import JobStore, StoreConfig

__all__ = [
    "ErrorCode",
    "Job",
    "JobError",
    "JobInput",
    "JobStatus",
    "JobStore",
    "KeyLayout",
    "Progress",
    "ProgressReporter",
    "ProgressThrottle",
    "StoreConfig",
    "new_job_id",
    "validate_conversation_id",
    "validate_job_id",
]
