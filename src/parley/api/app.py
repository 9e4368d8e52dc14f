"""The ASGI application: `create_app(settings)` for tests and servers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from parley import __version__
from parley.api.access import LazyGuard
from parley.api.errors import install_error_handlers
from parley.api.events import router as events_router
from parley.api.routes import analyze_request_body, openapi_components, router
from parley.api.service import Service
from parley.api.web import install_web
from parley.errors import ParleyError
from parley.log import configure_logging
from parley.settings import Settings, load_settings

__all__ = ["create_app"]

DESCRIPTION = """Analyse conversations as background jobs. Start one with
`POST /api/analyze`, poll `GET /api/progress/{conversationId}`, fetch
`GET /api/jobs/{jobId}/result`: any worker answers any of them, because the job, its
progress and its result live in the shared store (Redis when REDIS_URL is set)."""


# After a failed start (the store unreachable), answer with the same error for this long
# before probing again.
_RETRY_START_AFTER = 2.0


class _ServiceHolder:
    """Creates the worker's Service inside the running loop, once per loop.

    Servers start it in the lifespan, so a bad REDIS_URL stops start-up with the reason.
    Serverless runtimes may skip the lifespan, or run invocations in new event loops;
    there it starts on first use, and again if the loop changed (connections belong to
    the loop that made them)."""

    def __init__(self, settings: Settings | None) -> None:
        self._settings = settings
        self._service: Service | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._failure: tuple[float, ParleyError] | None = None

    async def get(self) -> Service:
        loop = asyncio.get_running_loop()
        service = self._service
        if service is not None and service.loop is loop:
            return service
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        async with self._lock:
            if self._service is not None and self._service.loop is loop:
                return self._service
            # Requests that queued up behind a failed start share its answer for a
            # moment, instead of each waiting out a probe of its own.
            if self._failure and time.monotonic() - self._failure[0] < _RETRY_START_AFTER:
                raise self._failure[1]
            if self._service is not None:
                # Its connections belong to a loop that is gone; its pool does not.
                self._service.driver.abandon()
                self._service = None
            try:
                self._service = await Service.start(self.settings())
            except ParleyError as exc:
                self._failure = (time.monotonic(), exc)
                raise
            self._failure = None
            return self._service

    def settings(self) -> Settings:
        """The app's settings: given, or the environment's, read once (with logging
        configured from them). Raises ConfigError for a value parley cannot use."""
        if self._settings is None:
            settings = load_settings()
            configure_logging(settings.log_level, settings.log_format or "json")
            self._settings = settings
        return self._settings

    async def close(self) -> None:
        if self._service is not None:
            await self._service.close()
            self._service = None


def create_app(settings: Settings | None = None) -> FastAPI:
    """The parley app. `settings` default to the environment, read on start-up."""
    holder = _ServiceHolder(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await holder.get()
        try:
            yield
        finally:
            await holder.close()

    # Swagger UI (/docs) and ReDoc (/redoc) from the installed fastapi-offline package,
    # never a CDN: the API's documentation works on a closed network, as the page does.
    app = FastAPIOffline(
        title="parley",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.get_service = holder.get
    app.state.close_service = holder.close
    app.add_middleware(LazyGuard, settings=holder.settings)
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(events_router)
    install_web(app)
    _complete_openapi(app)
    return app


def _complete_openapi(app: FastAPI) -> None:
    """Add the schemas FastAPI cannot see (the analyze body's) to the document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document["paths"]["/api/analyze"]["post"]["requestBody"] = analyze_request_body()
            document.setdefault("components", {}).setdefault("schemas", {}).update(
                openapi_components()
            )
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
