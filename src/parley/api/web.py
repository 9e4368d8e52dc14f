"""The web page: `/` and its static files, plotly.js from the installed plotly package,
and the self-contained HTML report of a finished job.

Everything the page loads comes from this server; its Content-Security-Policy forbids
any other origin, so the page works offline and a CDN can never sneak in.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from functools import cache
from html import escape
from importlib import metadata, resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley import __version__
from parley.analysis.formats import FORMAT_NAMES
from parley.api.errors import error_response
from parley.api.routes import ConversationId, JobId, Svc
from parley.api.schemas import ErrorBody, ResultResponse
from parley.api.service import Service
from parley.errors import JobNotFoundError
from parley.jobs import Job, JobStatus
from parley.report import activity_csv, people_csv, plotly_js_path, render_html
from parley.samples import SAMPLE_NAME, sample_bytes

__all__ = ["install_web"]

router = APIRouter(include_in_schema=False)

# plotly injects <style> elements and draws with data: and blob: images; nothing else
# needs more than 'self'. No other origin is allowed anywhere, so the page is offline.
_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The vendor script's URL carries plotly's version, so it can be cached for a year: a new
# plotly is a new URL.
_IMMUTABLE = "public, max-age=31536000, immutable"


@cache
def _asset_version() -> str:
    return f"{__version__}-{metadata.version('plotly')}"


@cache
def _page() -> str:
    """index.html with the asset version and the format choices filled in."""
    template = resources.files("parley.web").joinpath("index.html").read_text(encoding="utf-8")
    options = "".join(
        f'<option value="{escape(name)}">{escape(name)}</option>' for name in FORMAT_NAMES
    )
    return template.replace("{{version}}", escape(_asset_version())).replace(
        "{{format_options}}", options
    )


def _page_response() -> HTMLResponse:
    headers = {"Content-Security-Policy": _PAGE_CSP, "Cache-Control": "no-cache"}
    return HTMLResponse(_page(), headers=headers)


@router.api_route("/", methods=["GET", "HEAD"])
async def page() -> HTMLResponse:
    """The page: upload, progress, dashboard, recent analyses."""
    return _page_response()


@router.get("/c/{conversationId}")
async def conversation_page(conversationId: ConversationId) -> RedirectResponse:
    """A conversation's shareable link: the page, showing that conversation."""
    return RedirectResponse(f"/#/c/{conversationId}", status_code=307)


@router.get("/sample.txt")
async def sample() -> Response:
    """The sample export, for the page's "try a sample" (and anyone curious)."""
    headers = {
        "Content-Disposition": f'inline; filename="{SAMPLE_NAME}"',
        "Cache-Control": "public, max-age=86400",
    }
    return Response(sample_bytes(), media_type="text/plain; charset=utf-8", headers=headers)


@router.api_route("/static/vendor/plotly.min.js", methods=["GET", "HEAD"])
async def plotly_js() -> FileResponse:
    """plotly.js from the installed plotly package, never a copy in the repo, never a CDN."""
    return FileResponse(
        plotly_js_path(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": _IMMUTABLE},
    )


def _report_filename(name: str, extension: str = "html") -> str:
    """`parley-<name>.<extension>`, ASCII only (a header), what a file name cannot hold
    as "-"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-.")[:80]
    return f"parley-{safe or 'report'}.{extension}"


# The report is part of the API (documented); the page's routes are not.
reports = APIRouter(tags=["analyses"])


_VIEW_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": ResultResponse, "description": "Still running"},
    400: {"model": ErrorBody, "description": "An invalid job id"},
    404: {"model": ErrorBody, "description": "Unknown, expired or failed"},
    503: {"model": ErrorBody, "description": "The store is unreachable"},
}


async def _finished(svc: Service, job_id: str) -> tuple[Job, dict[str, Any]] | Response:
    """The job and its result, or the answer that says why there is none (yet)."""
    job = await svc.store.get_job(job_id)
    if job is None:
        return error_response(JobNotFoundError(f"job {job_id} is unknown or has expired"))
    if job.status is JobStatus.FAILED:
        reason = job.error.message if job.error else "unknown error"
        return error_response(
            JobNotFoundError(f"job {job_id} failed, so it has no result: {reason}")
        )
    if job.status is not JobStatus.COMPLETED:
        body = {"jobId": job_id, "status": job.status.value, "hasResult": False}
        return JSONResponse(body, status_code=202)
    result = await svc.store.get_result(job_id)
    if result is None:
        return error_response(JobNotFoundError(f"the result of job {job_id} has expired"))
    return job, result


def _disposition(download: bool, name: str, extension: str) -> str:
    how = "attachment" if download else "inline"
    return f'{how}; filename="{_report_filename(name, extension)}"'


@reports.get(
    "/api/jobs/{jobId}/report.html",
    response_model=None,
    responses={
        200: {"content": {"text/html": {}}, "description": "The report, one HTML file"},
        **_VIEW_RESPONSES,
    },
)
async def report(
    jobId: JobId,
    svc: Svc,
    download: Annotated[bool, Query(description="Ask the browser to save it")] = False,
) -> Response:
    """The job's result as one self-contained HTML file (charts included, loads nothing).

    404 when the job is unknown, expired or failed; 202 while it runs."""
    found = await _finished(svc, jobId)
    if isinstance(found, Response):
        return found
    job, result = found
    headers = {
        "Content-Disposition": _disposition(
            download, result.get("title") or job.conversation_id, "html"
        ),
        # Opened from the server, the report runs in an opaque origin of its own: its
        # scripts cannot read the page's storage (owner and access tokens) or call the
        # API as the page. Saved to disk, its own meta CSP still forbids any network.
        "Content-Security-Policy": "sandbox allow-scripts allow-downloads",
    }
    # Rendering inlines 4.8 MB of plotly.js: off the event loop, so polls stay quick.
    html = await asyncio.to_thread(render_html, result)
    return HTMLResponse(html, headers=headers)


_CSV_VIEWS = {"people": people_csv, "activity": activity_csv}


@reports.get(
    "/api/jobs/{jobId}/{table}.csv",
    response_model=None,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The figures, as CSV (RFC 4180)"},
        **_VIEW_RESPONSES,
    },
)
async def figures_csv(
    jobId: JobId,
    table: Annotated[
        Literal["people", "activity"],
        Path(description="`people`: a row per person; `activity`: a row per day (or week)"),
    ],
    svc: Svc,
) -> Response:
    """The job's figures for a spreadsheet: `people.csv` (a row per person: counts,
    shares, reply times, tone, hours) or `activity.csv` (a row per day with messages, per
    week or month for a long chat, each person's messages in a column of their own).

    404 when the job is unknown, expired or failed; 202 while it runs."""
    found = await _finished(svc, jobId)
    if isinstance(found, Response):
        return found
    job, result = found
    name = f"{result.get('title') or job.conversation_id}-{table}"
    return Response(
        _CSV_VIEWS[table](result),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _disposition(True, name, "csv")},
    )


# The API docs (fastapi-offline's Swagger UI and ReDoc) get a policy like the page's: their
# scripts and styles come from this server (some inline), nothing from anywhere else, so
# the attribution image ReDoc would fetch from its CDN is never requested.
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "base-uri 'none'; frame-ancestors 'none'"
)
_DOCS_PATHS = frozenset({"/docs", "/redoc"})


class _DocsPolicy:
    """Adds the docs' Content-Security-Policy to their two pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in _DOCS_PATHS:
            await self.app(scope, receive, send)
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Content-Security-Policy"] = _DOCS_CSP
            await send(message)

        await self.app(scope, receive, with_policy)


def install_web(app: FastAPI) -> None:
    """Serve the page, its static files and the report on `app`, and guard the docs."""
    app.add_middleware(_DocsPolicy)
    app.include_router(router)
    app.include_router(reports)
    # After the router, so /static/vendor/plotly.min.js is answered by its route. The
    # dashboard's modules and stylesheet live with the report, which inlines the same files.
    static = StaticFiles(packages=[("parley.web", "static"), ("parley.report", "static")])
    app.mount("/static", static, name="static")
