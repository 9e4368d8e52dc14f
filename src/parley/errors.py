"""Every error parley raises on purpose, under one root.

    ParleyError
    ├── ConfigError            a setting has a value parley cannot use (fix the environment)
    ├── InvalidIdError         a conversation or job id is malformed                      → 400
    ├── InputError             the input cannot be analysed                               → 400
    │   ├── ParseError         a file broke inside a format (names the format and where)
    │   └── UnknownFormatError no format matches the input (names the formats tried)
    ├── InputTooLargeError     the input is over a size limit                             → 413
    ├── JobNotFoundError       unknown or expired job or conversation                     → 404
    ├── JobConflictError       a job transition lost a race (another owner moved it on)
    ├── ConversationTakenError the conversation id already holds another file's job     → 409
    ├── WorkerLostError        the process running a job's work died (killed, out of memory)
    ├── QueueFullError         queue mode: more jobs wait than PARLEY_QUEUE_MAX          → 503
    ├── UnauthorizedError      a token is needed and none (or not a valid one) was sent   → 401
    ├── ForbiddenError         a cross-site request, or a token that does not own it     → 403
    └── StoreError             the shared store failed
        ├── StoreUnavailableError  unreachable, timed out, refused auth                   → 503
        ├── StoreFullError         out of memory or over a provider's quota               → 507
        └── StoredValueError       a stored value is unreadable (unknown format marker)

This module imports nothing from parley, so every layer may raise these.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigError",
    "ConversationTakenError",
    "ForbiddenError",
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
    "UnauthorizedError",
    "UnknownFormatError",
    "WorkerLostError",
    "in_file",
]


class ParleyError(Exception):
    """The root of parley's errors. `str(error)` is a sentence meant for the user."""

    def details(self) -> dict[str, Any]:
        """Machine-readable facts about the error (format, line, limit...), for APIs."""
        return {}


class ConfigError(ParleyError):
    """A setting has a value parley cannot use."""


class InvalidIdError(ParleyError, ValueError):
    """A conversation id or job id does not have the allowed form."""


class InputError(ParleyError, ValueError):
    """The input cannot be analysed."""


class ParseError(InputError):
    """A file broke inside a format. Carries the format and the line or record."""

    def __init__(
        self, message: str, *, format: str, line: int | None = None, record: int | None = None
    ) -> None:
        where = ""
        if line is not None:
            where = f" (line {line})"
        elif record is not None:
            where = f" (record {record})"
        super().__init__(f"{format}: {message}{where}")
        self.format = format
        self.line = line
        self.record = record
        self.detail = message

    def details(self) -> dict[str, Any]:
        found = {"format": self.format, "line": self.line, "record": self.record}
        return {key: value for key, value in found.items() if value is not None}

    def __reduce__(self) -> tuple[Any, ...]:  # survives a process pool's pickling
        return (
            _rebuild,
            (
                ParseError,
                (self.detail,),
                {"format": self.format, "line": self.line, "record": self.record},
            ),
        )


class UnknownFormatError(InputError):
    """No known format matches the input."""

    def __init__(
        self,
        message: str,
        *,
        tried: tuple[str, ...] = (),
        closest: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.tried = tried
        self.closest = closest  # the format it looks most like, when one comes near
        self.line = line  # the first line that does not fit that format

    def details(self) -> dict[str, Any]:
        found: dict[str, Any] = {"tried": list(self.tried)} if self.tried else {}
        if self.closest is not None:
            found["closest"] = self.closest
        if self.line is not None:
            found["line"] = self.line
        return found

    def __reduce__(self) -> tuple[Any, ...]:
        state = {"tried": self.tried, "closest": self.closest, "line": self.line}
        return (_rebuild, (UnknownFormatError, self.args, state))


class InputTooLargeError(ParleyError):
    """The input is over a configured size limit."""

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit

    def details(self) -> dict[str, Any]:
        return {"limit": self.limit}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (InputTooLargeError, self.args, {"limit": self.limit}))


class JobNotFoundError(ParleyError, LookupError):
    """The job or conversation is unknown, or its keys have expired."""


class JobConflictError(ParleyError):
    """A job transition lost a race: another owner changed the job first."""


class ConversationTakenError(ParleyError):
    """The conversation id already has a job for other content: choose another id, or
    replace it (`force`, by its owner)."""

    def __init__(self, message: str, *, conversation_id: str, job_id: str) -> None:
        super().__init__(message)
        self.conversation_id = conversation_id
        self.job_id = job_id

    def details(self) -> dict[str, Any]:
        return {"conversationId": self.conversation_id, "jobId": self.job_id}


class WorkerLostError(ParleyError):
    """The process running a job's work stopped before it answered (killed, out of memory).
    Nothing is wrong with the input: the job may run again."""


class QueueFullError(ParleyError):
    """More jobs wait in the queue than PARLEY_QUEUE_MAX: try again later."""


class UnauthorizedError(ParleyError):
    """The request needs `Authorization: Bearer <token>` and did not carry a valid one."""


class ForbiddenError(ParleyError):
    """The request is not allowed from where it came, or for the token it carries."""


class StoreError(ParleyError):
    """The shared store failed."""


class StoreUnavailableError(StoreError):
    """The store cannot be reached, timed out, or refused the credentials."""


class StoreFullError(StoreError):
    """The store is out of memory, or a hosted provider's quota is used up."""


class StoredValueError(StoreError):
    """A stored value cannot be decoded (an unknown format marker or corrupt data)."""


def _rebuild(cls: type[ParleyError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> ParleyError:
    return cls(*args, **kwargs)


def in_file(error: InputError, filename: str | None) -> InputError:
    """`error` of one file among several, its message naming the file: the person must
    know which export to fix."""
    name = filename or "a file"
    if isinstance(error, ParseError):
        return ParseError(
            f"{name}: {error.detail}", format=error.format, line=error.line, record=error.record
        )
    if isinstance(error, UnknownFormatError):
        return UnknownFormatError(
            f"{name}: {error}", tried=error.tried, closest=error.closest, line=error.line
        )
    return InputError(f"{name}: {error}")
