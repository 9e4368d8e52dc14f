"""The jobs layer: the job model, the key layout, the store, the runner and its drivers.

Its names load on first use (see `parley._lazy`): an analysis process imports the input
and the execution modules, not the store and its Redis client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley._lazy import exports

if TYPE_CHECKING:
    from parley.jobs.input import InputFile, JobInput
    from parley.jobs.keys import (
        KeyLayout,
        new_job_id,
        validate_conversation_id,
        validate_job_id,
    )
    from parley.jobs.models import ErrorCode, Job, JobError, JobStatus, Progress
    from parley.jobs.progress import ProgressReporter, ProgressThrottle
    from parley.jobs.store import JobStore, StoreConfig

_WHERE = {
    "JobInput": "input",
    "InputFile": "input",
    **dict.fromkeys(
        ("KeyLayout", "new_job_id", "validate_conversation_id", "validate_job_id"), "keys"
    ),
    **dict.fromkeys(("ErrorCode", "Job", "JobError", "JobStatus", "Progress"), "models"),
    **dict.fromkeys(("ProgressReporter", "ProgressThrottle"), "progress"),
    **dict.fromkeys(("JobStore", "StoreConfig"), "store"),
}

__all__ = [
    "ErrorCode",
    "InputFile",
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

__getattr__ = exports(__name__, {name: f"{__name__}.{module}" for name, module in _WHERE.items()})
