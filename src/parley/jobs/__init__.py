"""The jobs layer: the job model, the key layout, the store and throttled progress."""

from __future__ import annotations

from parley.jobs.keys import KeyLayout, new_job_id, validate_conversation_id, validate_job_id
from parley.jobs.models import WORKER_LOST, WORKER_STOPPED, Job, JobError, JobStatus, Progress
from parley.jobs.progress import ProgressReporter, ProgressThrottle
from parley.jobs.store import JobStore, StoreConfig

__all__ = [
    "WORKER_LOST",
    "WORKER_STOPPED",
    "Job",
    "JobError",
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
