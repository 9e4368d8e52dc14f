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
    StoredValueError,
    StoreError,
    StoreFullError,
    StoreUnavailableError,
    UnknownFormatError,
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
    "StoreError",
    "StoreFullError",
    "StoreUnavailableError",
    "StoredValueError",
    "UnknownFormatError",
    "__version__",
]
