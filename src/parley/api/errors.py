"""One HTTP status per kind of error, and a body that says what and where."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from parley.errors import (
    ConfigError,
    ConversationTakenError,
    ForbiddenError,
    InputError,
    InputTooLargeError,
    InvalidIdError,
    JobConflictError,
    JobNotFoundError,
    ParleyError,
    QueueFullError,
    StoreFullError,
    StoreUnavailableError,
    UnauthorizedError,
)
from parley.log import get_logger

__all__ = ["error_response", "install_error_handlers", "status_for"]

log = get_logger("parley.api")

_STATUS: tuple[tuple[type[ParleyError], int, str], ...] = (
    (InvalidIdError, 400, "invalid_id"),
    (InputError, 400, "input_error"),
    (InputTooLargeError, 413, "too_large"),
    (UnauthorizedError, 401, "unauthorized"),
    (ForbiddenError, 403, "forbidden"),
    (JobNotFoundError, 404, "not_found"),
    (ConversationTakenError, 409, "conversation_taken"),
    (JobConflictError, 409, "conflict"),
    (QueueFullError, 503, "queue_full"),
    (StoreUnavailableError, 503, "store_unavailable"),
    (StoreFullError, 507, "store_full"),
    (ConfigError, 503, "misconfigured"),
)


def status_for(exc: ParleyError) -> tuple[int, str]:
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return status, code
    return 500, "internal_error"


def error_response(exc: ParleyError) -> JSONResponse:
    status, code = status_for(exc)
    body: dict[str, object] = {"error": str(exc), "code": code, "hasResult": False}
    if details := exc.details():
        body["details"] = details
    headers = {"Retry-After": "5"} if status == 503 else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="parley"'}
    return JSONResponse(body, status_code=status, headers=headers)


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ParleyError)
    status, code = status_for(exc)
    if status >= 500:
        log.warning(
            "request_failed", path=request.url.path, status=status, code=code, error=str(exc)
        )
    return error_response(exc)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's validation errors, as one sentence that says what and where. A malformed
    id in the path is a 400 like every other invalid id."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    loc = [str(part) for part in first.get("loc", ())]
    where = ".".join(loc) or "request"
    status = 400 if loc[:1] == ["path"] else 422
    message = f"invalid {where}: {first.get('msg', 'invalid value')}"
    if loc[:1] == ["path"] and len(loc) > 1:
        kind = "conversation id" if loc[1] == "conversationId" else "job id"
        message = f"invalid {kind} {str(first.get('input'))[:80]!r}: {first.get('msg')}"
    return JSONResponse(
        {
            "error": message,
            "code": "invalid_request",
            "hasResult": False,
            "details": {"errors": jsonable_encoder(errors)},
        },
        status_code=status,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's 405 names only the first route that matched the path in its Allow
    header; list every method the path accepts instead."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code != 405:
        return await http_exception_handler(request, exc)
    path = request.url.path
    allowed = sorted(
        {
            method
            for route in request.app.router.routes
            if isinstance(route, APIRoute) and route.path_regex.match(path)
            for method in route.methods or ()
        }
    )
    return JSONResponse(
        {
            "error": f"{request.method} is not allowed on {path}; use {', '.join(allowed)}",
            "code": "method_not_allowed",
            "hasResult": False,
        },
        status_code=405,
        headers={"Allow": ", ".join(allowed)},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ParleyError, _handle)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
