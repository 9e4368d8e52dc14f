"""The endpoints. Every read goes to the shared store, so any worker can answer any request."""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from parley import __version__
from parley.analysis.formats import FORMAT_NAMES
from parley.api.schemas import (
    ID_PATTERN,
    AnalyzeRequest,
    AnalyzeResponse,
    ErrorBody,
    HealthResponse,
    JobResponse,
    ProgressResponse,
    ResultResponse,
)
from parley.api.service import Service
from parley.api.upload import read_upload
from parley.errors import JobNotFoundError, StoreUnavailableError
from parley.jobs import ErrorCode, Job, JobStatus, Progress
from parley.jobs.drivers import Submission
from parley.jobs.keys import JOB_ID_PATTERN
from parley.jobs.tokens import new_owner_token
from parley.settings import ExecutionMode

__all__ = [
    "ERRORS",
    "ConversationId",
    "Svc",
    "analyze_request_body",
    "not_found",
    "openapi_components",
    "progress_body",
    "router",
]

router = APIRouter(prefix="/api")

ConversationId = Annotated[str, Path(pattern=ID_PATTERN, max_length=128)]
JobId = Annotated[str, Path(pattern=JOB_ID_PATTERN)]

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad input: says what and where"},
    401: {"model": ErrorBody, "description": "PARLEY_API_TOKEN is set and was not sent"},
    403: {"model": ErrorBody, "description": "A cross-site request, or another owner's token"},
    404: {"model": ErrorBody, "description": "Unknown or expired (hasResult false)"},
    503: {"model": ErrorBody, "description": "The store is unreachable, or the queue is full"},
    507: {"model": ErrorBody, "description": "The store is full"},
}


async def service(request: Request) -> Service:
    """The worker's service, created on first use inside this event loop."""
    get: Any = request.app.state.get_service
    return await get()  # type: ignore[no-any-return]


Svc = Annotated[Service, Depends(service)]


def _links(job: Job) -> dict[str, str]:
    return {
        "progress": f"/api/progress/{job.conversation_id}",
        "job": f"/api/jobs/{job.job_id}",
        "result": f"/api/jobs/{job.job_id}/result",
        "conversation": f"/api/conversations/{job.conversation_id}",
    }


def progress_body(conversation_id: str, progress: Progress) -> dict[str, Any]:
    return {"conversationId": conversation_id, **progress.to_json()}


def not_found(what: str) -> JobNotFoundError:
    return JobNotFoundError(f"{what} is unknown or has expired (results live 1 hour)")


def _analyze_body(
    job: Job, deduplicated: bool, result: Any = None, owner_token: str | None = None
) -> dict[str, Any]:
    """`hasResult` says whether the job has a result (fetch it from links.result); the
    `result` itself is included only when the request waited for it; `ownerToken` only
    when this request created the job (it is shown once: parley keeps its hash only)."""
    body = {
        "jobId": job.job_id,
        "conversationId": job.conversation_id,
        "status": job.status.value,
        "deduplicated": deduplicated,
        "links": _links(job),
        "hasResult": job.status is JobStatus.COMPLETED,
        "result": result,
        "error": job.error.to_json() if job.error else None,
    }
    if owner_token is not None:
        body["ownerToken"] = owner_token
    return body


def _input_failure(job: Job) -> JSONResponse | None:
    """The 400 for a job whose input was rejected, naming the format and line."""
    if job.status is JobStatus.FAILED and job.error and job.error.code is ErrorCode.INPUT_ERROR:
        body = {
            "error": job.error.message,
            "code": "input_error",
            "hasResult": False,
            "details": job.error.details,
            "jobId": job.job_id,
            "conversationId": job.conversation_id,
        }
        return JSONResponse(body, status_code=400)
    return None


# The route reads its body itself (JSON or multipart, with a size limit), so its schema
# is declared here and added to the document when it is first asked for (the app's
# openapi), not at import: building it lists every time zone, ~40 ms of a cold start.
# The models it refers to join the document's components (`openapi_components`), where
# "#/components/schemas/..." finds them.
@cache
def _analyze_schema() -> dict[str, Any]:
    return AnalyzeRequest.json_schema(ref_template="#/components/schemas/{model}")


def analyze_request_body() -> dict[str, Any]:
    """POST /api/analyze's request body, for the OpenAPI document."""
    schema = _analyze_schema()
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {k: v for k, v in schema.items() if k != "$defs"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "format": {"type": "string", "enum": list(FORMAT_NAMES)},
                        "conversationId": {
                            "type": "string",
                            "pattern": ID_PATTERN,
                            "maxLength": 128,
                        },
                        "force": {"type": "boolean"},
                    },
                }
            },
        },
    }


def openapi_components() -> dict[str, Any]:
    """The schemas the analyze body refers to, for the document's components."""
    return dict(_analyze_schema().get("$defs", {}))


@router.post(
    "/analyze",
    tags=["analyses"],
    status_code=202,
    response_model=AnalyzeResponse,
    responses={
        200: {"model": AnalyzeResponse},
        409: {"model": ErrorBody, "description": "The conversation id holds another file's job"},
        413: {"model": ErrorBody},
        **ERRORS,
    },
)
async def analyze(
    request: Request,
    svc: Svc,
    wait: Annotated[bool, Query(description="Run to the end inside this request")] = False,
) -> JSONResponse:
    """Start analysing a conversation, or return the job that already has it.

    202 with the new job; 200 with `deduplicated: true` when the conversation already has
    a live or completed job (unless `force`). Inline (`?wait=true`, or on a serverless
    host) the response carries the result."""
    svc.access.require_operator(request, "starting an analysis")
    upload = await read_upload(request, svc.settings)
    if upload.force:
        # Replacing a conversation's result with another file's is its owner's to do (or
        # the operator's); running the same file again is anyone's who has it.
        current = await svc.store.find_job(upload.conversation_id)
        if (
            current is not None
            and current.token_hash is not None
            and current.input_hash != upload.input_hash
        ):
            svc.access.require_owner(request, current, upload.conversation_id)
    owner_token, token_hash = new_owner_token()
    submitted = await svc.driver.submit(
        Submission(
            upload.conversation_id,
            upload.input,
            force=upload.force,
            wait=wait,
            token_hash=token_hash,
            input_hash=upload.input_hash,
        )
    )
    job = submitted.job
    if (rejected := _input_failure(job)) is not None:
        return rejected
    # A job that replaced one keeps its first owner's token: this request's is issued only
    # when it started the conversation.
    token = owner_token if submitted.created and job.token_hash == token_hash else None
    if not job.status.finished:
        return JSONResponse(
            _analyze_body(job, not submitted.created, owner_token=token),
            status_code=202 if submitted.created else 200,
        )
    # Finished: inline, or waited for, or deduplicated. The result rides along only
    # when the request asked to wait for it (or could not help waiting: inline).
    with_result = wait or svc.mode is ExecutionMode.INLINE
    result = None
    if with_result and job.status is JobStatus.COMPLETED:
        result = await svc.store.get_result(job.job_id)
        if result is None:
            job = job.without_result()
    return JSONResponse(
        _analyze_body(job, not submitted.created, result, owner_token=token), status_code=200
    )


@router.get(
    "/progress/{conversationId}",
    tags=["analyses"],
    response_model=ProgressResponse,
    responses=ERRORS,
)
async def progress(conversationId: ConversationId, svc: Svc, request: Request) -> Any:
    """The conversation's latest progress: one store read."""
    svc.access.require_operator(request, "reading a conversation by its id")
    stored = await svc.store.get_progress_stored(conversationId)
    if stored is None:
        raise not_found(f"conversation {conversationId}")
    raw, written = stored
    found = svc.store.effective(written)
    svc.driver.notice(found)
    if found is written:  # as stored: its bytes are the answer, with the id put first
        head = b'{"conversationId":' + json.dumps(conversationId).encode() + b","
        return Response(head + raw[1:], media_type="application/json")
    return progress_body(conversationId, found)  # the stale rule changed it: encode anew


async def _job_body(svc: Service, job: Job) -> dict[str, Any]:
    job = await svc.store.settled(job)
    progress = await svc.store.get_progress(job.conversation_id)
    if progress is not None:
        svc.driver.notice(progress)
    return {
        **job.to_public_json(),
        "hasResult": job.status is JobStatus.COMPLETED,
        "progress": (
            progress_body(job.conversation_id, progress)
            if progress is not None and progress.job_id == job.job_id
            else None
        ),
        "links": _links(job),
    }


@router.get("/jobs/{jobId}", tags=["analyses"], response_model=JobResponse, responses=ERRORS)
async def get_job(jobId: JobId, svc: Svc) -> dict[str, Any]:
    """The job, whether its result is ready, and its progress."""
    job = await svc.store.get_job(jobId)
    if job is None:
        raise not_found(f"job {jobId}")
    return await _job_body(svc, job)


@router.get(
    "/jobs/{jobId}/result",
    tags=["analyses"],
    response_model=ResultResponse,
    responses={202: {"model": ResultResponse, "description": "Still running"}, **ERRORS},
)
async def get_result(jobId: JobId, svc: Svc) -> JSONResponse:
    """200 with the result; 202 while the job runs; the error (with its code) when it
    failed, or when its result was evicted (`result_lost`); 404 when unknown or expired."""
    # The result first: one read when it is there. It is written before its job says
    # completed and deleted with it, and it outlives its job by RESULT_TTL_MARGIN only:
    # a result with more time left than that is the living job's whole answer.
    result = await svc.store.get_live_result(jobId)
    if result is not None:
        return JSONResponse({"jobId": jobId, "hasResult": True, "status": "completed",
                             "result": result})  # fmt: skip
    job = await svc.store.get_job(jobId)
    if job is None:
        raise not_found(f"job {jobId}")
    body: dict[str, Any] = {"jobId": job.job_id, "hasResult": False, "status": job.status.value}
    if job.status is JobStatus.COMPLETED:
        if (result := await svc.store.get_result(jobId)) is not None:  # written meanwhile
            return JSONResponse({**body, "hasResult": True, "result": result})
        job = job.without_result()
        body["status"] = job.status.value
    if job.status is JobStatus.FAILED:
        assert job.error is not None
        return JSONResponse({**body, "error": job.error.to_json()})
    return JSONResponse(body, status_code=202)


@router.get(
    "/conversations/{conversationId}",
    tags=["conversations"],
    response_model=JobResponse,
    responses=ERRORS,
)
async def get_conversation(
    conversationId: ConversationId, svc: Svc, request: Request
) -> dict[str, Any]:
    """The conversation's current job, through its index."""
    svc.access.require_operator(request, "reading a conversation by its id")
    job = await svc.store.find_job(conversationId)
    if job is None:
        raise not_found(f"conversation {conversationId}")
    return await _job_body(svc, job)


@router.delete("/conversations/{conversationId}", tags=["conversations"], responses=ERRORS)
async def delete_conversation(
    conversationId: ConversationId, svc: Svc, request: Request
) -> dict[str, Any]:
    """Erase the conversation's progress, index, job and result now. Needs the owner
    token its POST answered with (`Authorization: Bearer <ownerToken>`), or the
    operator's PARLEY_API_TOKEN."""
    if not svc.access.is_operator(request):
        svc.access.require_bearer(request, "erasing a conversation")
        job = await svc.store.find_job(conversationId)
        if job is None and svc.access.open:
            raise not_found(f"conversation {conversationId}")
        # With a token configured, an unknown id and another's are refused alike: DELETE
        # must not tell strangers which conversation ids exist.
        svc.access.require_owner(request, job, conversationId)
    deleted = await svc.store.erase(conversationId)
    return {"conversationId": conversationId, "deletedKeys": deleted}


@router.get(
    "/health",
    tags=["operations"],
    response_model=HealthResponse,
    responses={503: {"model": HealthResponse}},
)
async def health(svc: Svc) -> JSONResponse:
    """Whether this worker can reach the store, and how fast."""
    body: dict[str, Any] = {
        "status": "ok",
        "usingKv": svc.kv.shared,
        "backend": svc.kv.backend,
        "instance": svc.instance,
        "mode": svc.mode.value,
        "version": __version__,
        "ttlSeconds": svc.settings.ttl_seconds,
    }
    try:
        body["latencyMs"] = round(await svc.kv.ping() * 1000, 3)
    except StoreUnavailableError as exc:
        return JSONResponse({**body, "status": "unavailable", "error": str(exc)}, 503)
    return JSONResponse(body)


@router.get("/stats", tags=["operations"], responses=ERRORS)
async def stats(svc: Svc, request: Request) -> dict[str, Any]:
    """The store's memory and limit, keys and bytes per key family, how many more results
    fit, and commands processed: what the hosting dashboard shows, from inside. Scanning
    the keys costs commands on a metered Redis, so a worker answers from a copy at most
    `STATS_CACHE_SECONDS` old (`cachedAt` says when it was taken)."""
    svc.access.require_operator(request, "reading the store's statistics")
    return await svc.cached_stats()


@router.get("/live", tags=["operations"])
async def live() -> dict[str, str]:
    """Liveness without I/O: the process answers."""
    return {"status": "ok"}
