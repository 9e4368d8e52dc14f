"""The HTTP edge's request and response bodies (pydantic; the inside uses dataclasses)."""

from __future__ import annotations

from typing import Any, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from parley.analysis.formats import FORMAT_NAMES
from parley.jobs.keys import CONVERSATION_ID_PATTERN
from parley.jobs.models import ErrorCode
from parley.settings import ExecutionMode

__all__ = [
    "AnalyzeRequest",
    "AnalyzeResponse",
    "ContentRequest",
    "ErrorBody",
    "FilePart",
    "FilesRequest",
    "HealthResponse",
    "JobBody",
    "JobErrorBody",
    "JobResponse",
    "Links",
    "MessagesRequest",
    "ProgressResponse",
    "ResultResponse",
]

Status = Literal["queued", "running", "completed", "failed"]
ID_PATTERN = CONVERSATION_ID_PATTERN


FormatName = Literal[FORMAT_NAMES]  # type: ignore[valid-type]


def _zone_names(schema: dict[str, Any]) -> None:
    """The schema names every zone the server knows (an unknown one is a 400). Listed
    when the schema is built, not at import: reading the zone database takes ~40 ms of
    every cold start otherwise."""
    schema["enum"] = [*sorted(available_timezones()), None]


class _Options(BaseModel):
    # Strict: a JSON value is taken as the type the schema says, never coerced (`false`
    # is no timestamp, "1" no boolean), so the schema is exactly what is accepted.
    model_config = ConfigDict(extra="forbid", strict=True)

    conversationId: str | None = Field(
        None,
        pattern=ID_PATTERN,
        max_length=128,
        description="Your id for the conversation; derived from the content when absent. "
        "Choose one nobody can guess: whoever knows it can follow the conversation.",
    )
    force: bool = Field(False, description="Analyse again even when a result exists")
    pseudonymise: bool = Field(
        False,
        description="Replace every name (speakers, mentions, system lines, the title), "
        "phone number and e-mail address with Person 1, Person 2, [phone], [email] "
        "before anything is analysed or stored",
    )
    timezone: str | None = Field(
        None,
        max_length=64,
        # The schema names every zone the server knows (an unknown one is a 400).
        json_schema_extra=_zone_names,
        description="An IANA time zone to read the export's instants in (Slack, Discord, "
        "Telegram, any time with an offset), so hours and days are that zone's; times "
        "without an offset (WhatsApp) are the phone's own and stay",
        examples=["Europe/Lisbon"],
    )


class _Request(_Options):
    filename: str | None = Field(
        None,
        max_length=255,
        description="The file's name: a hint for detection (`.json`, `.txt`...)",
        examples=["WhatsApp Chat with Ana.txt"],
    )


class ContentRequest(_Request):
    """A conversation as the text of its export file."""

    content: str = Field(
        min_length=1,
        # Not only white space (the server says "the conversation is empty" for that).
        json_schema_extra={"pattern": r"\S"},
        description="The file's text: a WhatsApp export, a transcript, a JSON export...",
        examples=["12/01/2024, 09:00 - Ana: good morning\n12/01/2024, 09:01 - Ben: morning!\n"],
    )
    format: FormatName | None = Field(None, description="Skip detection: the format's name")


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    type: str | None = None
    text: str | None = None


Text = str | list[str | TextPart] | None
When = str | float | None


class SpeakerMessage(BaseModel):
    """`{"speaker", "text"}`, optionally dated."""

    model_config = ConfigDict(extra="allow", strict=True)

    speaker: str = Field(min_length=1, examples=["Ana"])
    text: Text = Field(None, examples=["Shall we ship on Friday?"])
    timestamp: When = Field(None, description="ISO 8601, or seconds since the epoch")


class RoleMessage(BaseModel):
    """Chat-completion style: `{"role", "content"}`; `name` names the speaker, a
    `system` role is a system line."""

    model_config = ConfigDict(extra="allow", strict=True)

    role: str = Field(min_length=1, examples=["user"])
    content: Text = Field(None, examples=["Hello!"])
    name: str | None = None
    timestamp: When = Field(None, description="ISO 8601, or seconds since the epoch")


class MessagesRequest(_Request):
    """A conversation as a list of messages, in either documented shape."""

    messages: list[SpeakerMessage | RoleMessage] = Field(
        description="The messages in order; messages without text are skipped"
    )
    format: Literal["messages"] | None = Field(None, description='Only "messages", if given')


class FilePart(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    content: str = Field(
        min_length=1,
        json_schema_extra={"pattern": r"\S"},
        description="The file's text",
        examples=["12/01/2024, 09:00 - Ana: good morning\n"],
    )
    filename: str | None = Field(
        None, max_length=255, description="The file's name: a hint for detection"
    )


class FilesRequest(_Options):
    """Several exports analysed as one conversation: the same chat exported twice, or
    one group's history across apps. Overlapping messages are counted once."""

    files: list[FilePart] = Field(min_length=2, max_length=20, description="2 to 20 files")
    format: FormatName | None = Field(None, description="Skip detection: every file's format")


# Exactly one of the three: a body with two of `content`, `messages`, `files` matches none.
AnalyzeRequest = TypeAdapter(ContentRequest | MessagesRequest | FilesRequest)


class JobErrorBody(BaseModel):
    code: ErrorCode = Field(description="Why it failed; see README, 'Job failures'")
    message: str
    details: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    error: str
    hasResult: bool = False
    code: str | None = None
    details: dict[str, Any] | None = None


class Links(BaseModel):
    progress: str
    job: str
    result: str
    conversation: str


class ProgressResponse(BaseModel):
    conversationId: str
    jobId: str
    status: Status
    stage: str
    percent: float
    message: str
    updatedAt: str
    error: JobErrorBody | None = None
    mode: ExecutionMode = Field(description="The driver that runs the job")
    seq: int = Field(
        0,
        description="Which change this is (larger for later ones); the id of the event "
        "that carried it on /api/progress/{conversationId}/events",
    )


class JobBody(BaseModel):
    jobId: str
    conversationId: str
    status: Status
    createdAt: str
    startedAt: str | None = None
    finishedAt: str | None = None
    heartbeatAt: str | None = None
    attempts: int = Field(description="Times a worker started it (queue mode retries lost work)")
    handbacks: int = Field(
        0, description="Of those, starts its worker handed back cleanly, shutting down"
    )
    mode: ExecutionMode = Field(description="The driver that runs the job")
    owner: str | None = Field(None, description="The process that runs or ran it (host:pid)")
    error: JobErrorBody | None = None
    resultBytes: int | None = None
    commands: int | None = Field(
        None,
        description="Store commands its owner sent for it, start to end (a hosted Redis "
        "bills each); set once it has ended",
    )


class JobResponse(JobBody):
    hasResult: bool
    progress: ProgressResponse | None = None
    links: Links


class AnalyzeResponse(BaseModel):
    jobId: str
    conversationId: str
    status: Status
    deduplicated: bool
    links: Links
    ownerToken: str | None = Field(
        None,
        description="Only when this request created the job: the secret that lets its "
        "holder erase the conversation (send it as `Authorization: Bearer ...`). Shown "
        "once; parley stores only its hash.",
    )
    hasResult: bool = False
    result: dict[str, Any] | None = None
    error: JobErrorBody | None = None


class ResultResponse(BaseModel):
    jobId: str
    hasResult: bool
    status: Status
    result: dict[str, Any] | None = None
    error: JobErrorBody | None = None


class HealthResponse(BaseModel):
    status: Literal["ok", "unavailable"]
    usingKv: bool
    backend: str
    instance: str
    mode: str
    version: str
    ttlSeconds: int = Field(description="How long every key lives (PARLEY_TTL_SECONDS)")
    latencyMs: float | None = None
    error: str | None = None
