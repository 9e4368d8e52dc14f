"""Who may do what, and from where.

- **The operator's token** (`PARLEY_API_TOKEN`, optional): when set, starting analyses,
  erasing, reads by conversation id (such ids may be guessable: `team-chat`) and
  `/api/stats` need `Authorization: Bearer <token>`. Reads by job id stay open: a job id
  carries 128 random bits, so it is a capability link, like an unlisted document's URL.
- **Owner tokens**: each POST that creates a job answers with one (256 random bits; only
  its hash is stored, see `parley.jobs.tokens`). Sent as the bearer token, it lets its
  holder erase that conversation, with or without an operator's token configured.
- **Cross-site requests that change state are refused** (403), whatever they carry: a
  POST or DELETE that a browser marks as coming from another site (`Sec-Fetch-Site`), or
  whose `Origin` is neither parley's own nor one of `PARLEY_ALLOWED_ORIGINS`. Requests
  with neither header are not from a web page (curl, a server) and pass. The same origins
  get CORS, so a front end on another host can use the API.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from parley.errors import ConfigError, ForbiddenError, UnauthorizedError
from parley.jobs import Job
from parley.log import get_logger
from parley.settings import Settings

__all__ = ["Access", "CrossSiteGuard", "LazyGuard", "bearer", "cross_site_refusal", "guarded"]

log = get_logger("parley.api")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer(request: Request) -> str | None:
    """The request's bearer token, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True, slots=True)
class Access:
    api_token: str | None

    @classmethod
    def from_settings(cls, settings: Settings) -> Access:
        return cls(settings.api_token)

    @property
    def open(self) -> bool:
        """No operator's token is configured: anyone who reaches the API may use it."""
        return self.api_token is None

    def is_operator(self, request: Request) -> bool:
        token = bearer(request)
        return self.api_token is not None and token is not None and _same(token, self.api_token)

    def require_operator(self, request: Request, what: str) -> None:
        """Refuse (401) unless no token is configured or the request carries it."""
        if self.open or self.is_operator(request):
            return
        if bearer(request) is None:
            raise UnauthorizedError(
                f"{what} needs this parley's access token: send "
                "Authorization: Bearer <PARLEY_API_TOKEN>"
            )
        raise UnauthorizedError("the bearer token is not this parley's PARLEY_API_TOKEN")

    def require_bearer(self, request: Request, what: str) -> None:
        """Refuse (401) a request that carries no bearer token at all."""
        if bearer(request) is None:
            raise UnauthorizedError(
                f"{what} needs the owner token that the analysis' POST answered with "
                "(Authorization: Bearer <ownerToken>), or the operator's PARLEY_API_TOKEN"
            )

    def require_owner(self, request: Request, job: Job | None, conversation_id: str) -> None:
        """Refuse (403) unless the request carries the owner token of `job` (None: no
        job, which nobody owns), or the operator's."""
        if self.is_operator(request):
            return
        token = bearer(request)
        if job is None or token is None or not job.owned_by(token):
            raise ForbiddenError(
                f"this token does not own conversation {conversation_id}: only the owner "
                "token its POST answered with (or the operator's token) may do that"
            )


def _host_of(origin: str) -> str | None:
    try:
        parts = urlsplit(origin)
    except ValueError:
        return None
    return parts.netloc.lower() if parts.scheme in ("http", "https") and parts.netloc else None


def cross_site_refusal(headers: Headers, allowed: frozenset[str]) -> str | None:
    """Why a state-changing request must be refused as cross-site, or None to let it pass."""
    origin = headers.get("origin")
    if origin is not None and origin.rstrip("/").lower() in allowed:
        return None
    site = headers.get("sec-fetch-site")
    if site is not None:
        # "none": the person started it (the address bar, a bookmark).
        return None if site in ("same-origin", "none") else f"the browser marks it {site}"
    if origin is None:
        return None  # not sent by a web page: curl, a script, a server
    own = {h.strip().lower() for h in headers.get("x-forwarded-host", "").split(",") if h}
    own.add(headers.get("host", "").lower())
    if _host_of(origin) in own:
        return None
    return f"it comes from {origin[:100]!r}"


def _hostname(host: str) -> str:
    """The Host header without its port: `[::1]:8000` is `[::1]`, `a.b:80` is `a.b`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _refuse(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "code": code, "hasResult": False}, status)


class CrossSiteGuard:
    """Refuse requests for a host parley does not answer to (400), and cross-site POST
    and DELETE (403), before anything reads the body."""

    def __init__(
        self,
        app: ASGIApp,
        allowed_origins: tuple[str, ...] = (),
        allowed_hosts: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.allowed = frozenset(allowed_origins)
        # Empty: any host (unset, or "*").
        self.hosts = frozenset() if "*" in allowed_hosts else frozenset(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.hosts:
            host = Headers(scope=scope).get("host", "")
            if _hostname(host) not in self.hosts:
                log.warning("host_refused", path=scope["path"])
                response = _refuse(
                    400,
                    "unknown_host",
                    f"this parley does not answer to the host {host[:100]!r}: its "
                    "PARLEY_ALLOWED_HOSTS lists the names it serves (a web page that points "
                    "its own name at this machine is refused)",
                )
                await response(scope, receive, send)
                return
        if scope["type"] == "http" and scope["method"] not in _SAFE_METHODS:
            why = cross_site_refusal(Headers(scope=scope), self.allowed)
            if why is not None:
                log.warning("cross_site_refused", path=scope["path"], method=scope["method"])
                response = _refuse(
                    403,
                    "cross_site",
                    f"cross-site request refused: {why}. Pages of other sites may not start "
                    "or erase analyses; list a front end's origin in PARLEY_ALLOWED_ORIGINS",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def guarded(app: ASGIApp, settings: Settings) -> ASGIApp:
    """`app` behind the host and cross-site guard, and CORS for the allowed origins."""
    allowed_origins = settings.allowed_origins
    inner: ASGIApp = CrossSiteGuard(app, allowed_origins, settings.allowed_hosts)
    if not allowed_origins:
        return inner
    return CORSMiddleware(
        inner,
        allow_origins=list(allowed_origins),
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )


class LazyGuard:
    """The guard, built on the first request from settings read then (the app's settings
    may come from the environment only once it serves: see `create_app`)."""

    def __init__(self, app: ASGIApp, settings: Callable[[], Settings]) -> None:
        self.app = app
        self._settings = settings
        self._built: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if self._built is None:
            try:
                self._built = guarded(self.app, self._settings())
            except ConfigError:
                # The service cannot start either, and answers every request with a 503;
                # until the settings read, guard with parley's own origin only.
                await guarded(self.app, Settings())(scope, receive, send)
                return
        await self._built(scope, receive, send)
