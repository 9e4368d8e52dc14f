"""The HTTP edge's request and response bodies (pydantic; the inside uses dataclasses)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from parley.jobs.keys import CONVERSATION_ID_PATTERN
from parley.jobs.models import ErrorCode
from parley.settings import ExecutionMode

__all__ = [
    "AnalyzeRequest",
    "AnalyzeResponse",
    "ErrorBody",
    "HealthResponse",
    "JobBody",
    "JobErrorBody",
    "JobResponse",
    "Links",
    "ProgressResponse",
    "ResultResponse",
]

Status = Literal["queued", "running", "completed", "failed"]
ID_PATTERN = CONVERSATION_ID_PATTERN


class AnalyzeRequest(BaseModel):
    """A conversation as file text (`content`) or as a message list (`messages`)."""

    model_config = ConfigDict(extra="forbid")

    content: str | None = Field(
        None, description="The file's text: a WhatsApp export, a transcript, JSON...", min_length=1
    )
    messages: list[dict[str, Any]] | None = Field(
        None, description='A message list: [{"role" or "speaker", "content" or "text"}]'
    )
    format: str | None = Field(None, description="Skip detection: the format's name")
    filename: str | None = Field(None, description="The file's name, a hint for detection")
    conversationId: str | None = Field(
        None,
        pattern=ID_PATTERN,
        description="Your id for the conversation; derived from the content when absent",
    )
    force: bool = Field(False, description="Analyse again even when a result exists")


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
    latencyMs: float | None = None
    error: str | None = None
