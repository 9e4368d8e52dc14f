"""parley: conversation analyses as background jobs, in a store every worker shares."""

from __future__ import annotations

from parley.errors import (
    ConfigError,
    InputError,
    InputTooLargeError,
    InvalidIdError,
    JobConflictError,
    JobNotFoundError,
    ParleyError,
    ParseError,
    QueueFullError,
    StoredValueError,
    StoreError,
    StoreFullError,
    StoreUnavailableError,
    UnknownFormatError,
    WorkerLostError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "InputError",
    "InputTooLargeError",
    "InvalidIdError",
    "JobConflictError",
    "JobNotFoundError",
    "ParleyError",
    "ParseError",
    "QueueFullError",
    "StoreError",
    "StoreFullError",
    "StoreUnavailableError",
    "StoredValueError",
    "UnknownFormatError",
    "WorkerLostError",
    "__version__",
]
