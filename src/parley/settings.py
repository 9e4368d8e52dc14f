"""One immutable Settings object, read once: the environment, then `.env.local`, then `.env`.

Every variable is documented in README.md ("Configuration"). A value parley cannot use
fails at start-up with a sentence naming the variable and what is allowed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from dotenv import dotenv_values

from parley.errors import ConfigError

__all__ = ["CommandBudget", "ExecutionMode", "Settings", "load_settings", "redact_url"]

T = TypeVar("T")


class ExecutionMode(StrEnum):
    BACKGROUND = "background"  # the POST answers 202 at once; the job runs in this process
    INLINE = "inline"  # the POST runs the job to the end (serverless functions)
    QUEUE = "queue"  # the POST enqueues; `parley worker` processes run the jobs


@dataclass(frozen=True, slots=True)
class CommandBudget:
    """PARLEY_COMMAND_BUDGET: the commands a hosted Redis plan allows per day or month
    (Vercel's and Upstash's free tiers: 10000/day, or 500000/month), in UTC periods."""

    limit: int
    period: str  # "day" | "month"

    @classmethod
    def parse(cls, raw: str) -> CommandBudget:
        match = re.fullmatch(r"(\d[\d_,]*)\s*/\s*(day|month)", raw.strip().lower())
        if match is None:
            raise ValueError(raw)
        limit = int(match[1].replace("_", "").replace(",", ""))
        if limit <= 0:
            raise ValueError(raw)
        return cls(limit, match[2])

    def __str__(self) -> str:
        return f"{self.limit}/{self.period}"


@dataclass(frozen=True, slots=True)
class Settings:
    # Where the shared store lives; None means the in-process store (one process only).
    # It may hold a password: never in a repr, a log line or a message (see redact_url).
    redis_url: str | None = field(default=None, repr=False)
    # Which variable redis_url came from (REDIS_URL or KV_URL), for messages.
    redis_url_source: str | None = None
    # Every key parley writes lives this long: long enough to poll and fetch a result,
    # short enough that a free-tier Redis never fills with old analyses.
    ttl_seconds: int = 3600
    # Prepended to every key, for sharing one Redis between apps or environments.
    key_prefix: str = ""
    # A running job rewrites its heartbeat this often ...
    heartbeat_seconds: float = 2.0
    # ... and is read as lost once its heartbeat is older than this: a lost worker is
    # noticed within 15 s (10 s, plus up to one claim interval in queue mode), while five
    # missed heartbeats in a row (a GC pause, a slow Redis round trip) are not a death.
    stale_seconds: float = 10.0
    # At most one progress write per interval (the first and the last always):
    # a smooth bar for the user, a bounded command count for a metered Redis.
    progress_interval_seconds: float = 1.0
    # Connect and per-command timeouts for Redis. An unreachable store must turn into a
    # 503 quickly, never a hang: a healthy Redis answers in milliseconds.
    redis_timeout_seconds: float = 2.0
    # Retries of a Redis command on connection errors and timeouts, with backoff.
    redis_retries: int = 2
    # Largest connection pool per process; callers wait (up to the timeout) beyond it.
    redis_max_connections: int = 32
    # Largest upload accepted (a 250k-message WhatsApp export is about 20 MB).
    max_upload_bytes: int = 50 * 1024 * 1024
    # Largest a zip upload may expand to (its members' sizes): a zip bomb is refused with
    # a 413 before any of it is unpacked. A chat exported without media is far smaller.
    max_expanded_bytes: int = 256 * 1024 * 1024
    # Largest stored result (after compression). Redis free tiers cap a value at ~1 MB.
    max_result_bytes: int = 1024 * 1024
    # Stored values above this size are gzip-compressed (below it, plain JSON
    # stays readable with redis-cli and compression saves nothing).
    compress_threshold_bytes: int = 1024
    # Redis Cluster: "auto" asks the server at start-up (INFO cluster), "yes" or "no" force it.
    redis_cluster: str = "auto"
    execution_mode: ExecutionMode | None = None  # None: chosen by the edge (serve/serverless)
    # Queue mode: a POST is refused (503, Retry-After) while more jobs than this wait.
    queue_max: int = 1000
    # Queue mode: a job whose worker was lost runs again on another, up to this many times
    # in all; then it fails with attempts_exhausted (a job that kills every worker).
    max_attempts: int = 3
    # Worker processes of `parley serve` (as uvicorn and gunicorn read WEB_CONCURRENCY).
    web_concurrency: int = 1
    # The Redis plan's command allowance: when set, every process adds the commands it
    # sent to the period's counter in the store, and stats say how much is left.
    command_budget: CommandBudget | None = None
    # A serverless function (VERCEL or AWS_LAMBDA_FUNCTION_NAME is set): a request's
    # process may be frozen after its response, and has no /dev/shm for process pools.
    serverless: bool = False
    # Processes per worker that run analyses in background mode; 0 runs them in threads
    # of the worker (for hosts without /dev/shm, or one small core). None: min(2, cores).
    analysis_processes: int | None = None
    log_level: str = "INFO"
    log_format: str | None = None  # json | console; None: console on a terminal, else json
    # TLS to Redis (rediss://): a CA bundle to trust instead of the system's (a private
    # CA), and a client certificate and key for servers that require one (mutual TLS).
    redis_ca_file: Path | None = None
    redis_cert_file: Path | None = None
    redis_key_file: Path | None = None
    # When set, starting analyses, erasing, conversation reads and /api/stats need
    # `Authorization: Bearer <token>`; reads by job id stay open (the id is the capability).
    api_token: str | None = field(default=None, repr=False)
    # Origins (scheme://host[:port]) besides parley's own whose pages may POST and DELETE,
    # and read the API through CORS: a front end served from another host.
    allowed_origins: tuple[str, ...] = ()
    # Host names the server answers to (the Host header); empty or ("*",) for any. A page
    # that rebinds its own name to 127.0.0.1 (DNS rebinding) is refused. `parley serve`
    # on a loopback address defaults it to the loopback names.
    allowed_hosts: tuple[str, ...] = ()

    @property
    def redis_target(self) -> str:
        """The Redis URL with its password replaced, for messages and logs."""
        return redact_url(self.redis_url) if self.redis_url else "(none)"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests, CLI flags)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)


# scheme://userinfo@host[:port][/path][?query][#fragment], read by its shape rather than
# by urlsplit: a password with an unencoded / ? # or @ (base64-style provider passwords
# have "/") makes urlsplit take part of it for the host or the path. The userinfo is
# everything up to the LAST "@" that a host, an optional port and the end (or / ? #)
# follow; when in doubt, more is hidden, never less.
_AUTHORITY = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>.*)@"
    r"(?P<rest>(?:\[[0-9A-Fa-f:.]*\]|[^\s/?#@\[\]]*)(?::[0-9]*)?(?:[/?#].*)?)$",
    re.DOTALL,
)
# Query parameters that carry credentials (redis-py reads ?password= and ?username=).
_CREDENTIAL_PARAMS = re.compile(
    r"(?i)([?&;](?:password|passwd|pass|pwd|username|user|auth|token|secret|key)=)[^&;#]*"
)


def redact_url(url: str) -> str:
    """`url` with its credentials replaced by `***`: the password of its userinfo (all of
    a userinfo without a ':', which cannot be told from a secret), and the values of
    credential-like query parameters. Safe to log, print or return."""
    found = _AUTHORITY.match(url)
    if found is not None:
        userinfo = found["userinfo"]
        user, colon, _ = userinfo.partition(":")
        shown = f"{user}:***" if colon else "***"
        url = f"{found['scheme']}{shown}@{found['rest']}"
    return _CREDENTIAL_PARAMS.sub(r"\1***", url)


def _read_sources(
    environ: Mapping[str, str] | None, directory: Path | None
) -> dict[str, str | None]:
    """Merge the sources, highest priority last written wins: .env < .env.local < environment."""
    directory = Path.cwd() if directory is None else directory
    merged: dict[str, str | None] = {}
    for name in (".env", ".env.local"):
        path = directory / name
        if path.is_file():
            merged.update(dotenv_values(path))
    merged.update(os.environ if environ is None else environ)
    return merged


def _parse(env: Mapping[str, str | None], name: str, parse: Callable[[str], T], allowed: str) -> T:
    raw = env[name]
    assert raw is not None
    try:
        return parse(raw.strip())
    except (ValueError, TypeError):
        shown = "(hidden)" if name in _SECRET_VARIABLES else repr(raw)
        raise ConfigError(f"{name}={shown} is not allowed: {allowed}.") from None


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0 or value == float("inf"):
        raise ValueError(raw)
    return value


def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw)
        if value < minimum:
            raise ValueError(raw)
        return value

    return parse


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def _choice(*options: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw.lower() not in options:
            raise ValueError(raw)
        return raw.lower()

    return parse


def _existing_file(raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ValueError(raw)
    return path


_ORIGIN = re.compile(r"^https?://[^\s/?#@]+$")


def _origins(raw: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/").lower() for o in raw.split(",") if o.strip())
    if not origins or not all(_ORIGIN.match(o) for o in origins):
        raise ValueError(raw)
    return origins


_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)$")


def _hosts(raw: str) -> tuple[str, ...]:
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    if hosts == ("*",):
        return hosts  # any, said explicitly (unset: any, unless serve narrows it)
    if not hosts or not all(_HOST.match(h) for h in hosts):
        raise ValueError(raw)
    return hosts


def _token(raw: str) -> str:
    if len(raw) < 16 or any(c.isspace() for c in raw):
        raise ValueError("a token")  # never the token itself: it ends up in the message
    return raw


def _redis_url(env: Mapping[str, str | None]) -> tuple[str | None, str | None]:
    for name in ("REDIS_URL", "KV_URL"):  # KV_URL: the older name some hosts still set
        raw = (env.get(name) or "").strip()
        if not raw:
            continue
        parts = urlsplit(raw)
        authority = _AUTHORITY.match(raw)
        if authority and any(c in authority["userinfo"] for c in "/?#@"):
            raise ConfigError(
                f"{name}={redact_url(raw)!r} has a password with / ? # or @ in it: write "
                "them percent-encoded (/ as %2F, ? as %3F, # as %23, @ as %40), or URLs "
                "cut it short."
            )
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ConfigError(
                f"{name}={redact_url(raw)!r} is not a Redis URL: expected "
                "redis://[:password@]host[:port][/db] or rediss://... for TLS."
            )
        try:
            _ = parts.port
            db = parts.path.lstrip("/")
            if db:
                int(db)
        except ValueError:
            raise ConfigError(
                f"{name}={redact_url(raw)!r} has a port or database number that is not a number."
            ) from None
        return raw, name
    return None, None


# Set by Vercel, and by the AWS Lambda runtime under it.
_SERVERLESS_MARKERS = ("VERCEL", "AWS_LAMBDA_FUNCTION_NAME")

# Variable name -> (field, parser, what is allowed).
_VARIABLES: dict[str, tuple[str, Callable[[str], object], str]] = {
    "PARLEY_TTL_SECONDS": ("ttl_seconds", _positive_int, "a whole number of seconds > 0"),
    "PARLEY_KEY_PREFIX": ("key_prefix", str, "any text"),
    "PARLEY_HEARTBEAT_SECONDS": ("heartbeat_seconds", _positive_float, "seconds > 0"),
    "PARLEY_STALE_SECONDS": ("stale_seconds", _positive_float, "seconds > 0"),
    "PARLEY_PROGRESS_INTERVAL_SECONDS": (
        "progress_interval_seconds",
        _positive_float,
        "seconds > 0",
    ),
    "PARLEY_REDIS_TIMEOUT_SECONDS": ("redis_timeout_seconds", _positive_float, "seconds > 0"),
    "PARLEY_REDIS_RETRIES": ("redis_retries", _non_negative_int, "a whole number >= 0"),
    "PARLEY_REDIS_MAX_CONNECTIONS": ("redis_max_connections", _positive_int, "a whole number > 0"),
    "PARLEY_MAX_UPLOAD_BYTES": ("max_upload_bytes", _positive_int, "a whole number of bytes > 0"),
    "PARLEY_MAX_EXPANDED_BYTES": (
        "max_expanded_bytes",
        _positive_int,
        "a whole number of bytes > 0",
    ),
    "PARLEY_MAX_RESULT_BYTES": ("max_result_bytes", _positive_int, "a whole number of bytes > 0"),
    "PARLEY_COMPRESS_THRESHOLD_BYTES": (
        "compress_threshold_bytes",
        _non_negative_int,
        "a whole number of bytes >= 0",
    ),
    "PARLEY_REDIS_CLUSTER": ("redis_cluster", _choice("auto", "yes", "no"), "auto, yes or no"),
    "PARLEY_QUEUE_MAX": ("queue_max", _positive_int, "a whole number > 0"),
    "PARLEY_MAX_ATTEMPTS": ("max_attempts", _positive_int, "a whole number > 0"),
    "PARLEY_COMMAND_BUDGET": (
        "command_budget",
        CommandBudget.parse,
        "commands per day or month, e.g. 10000/day or 500000/month",
    ),
    "WEB_CONCURRENCY": ("web_concurrency", _positive_int, "a whole number of processes > 0"),
    "PARLEY_MODE": (
        "execution_mode",
        lambda raw: ExecutionMode(raw.lower()),
        "background, inline or queue",
    ),
    "PARLEY_ANALYSIS_PROCESSES": (
        "analysis_processes",
        _non_negative_int,
        "a whole number >= 0 (0: threads)",
    ),
    "PARLEY_LOG_LEVEL": (
        "log_level",
        lambda raw: _choice("debug", "info", "warning", "error")(raw).upper(),
        "debug, info, warning or error",
    ),
    "PARLEY_LOG_FORMAT": ("log_format", _choice("json", "console"), "json or console"),
    "PARLEY_REDIS_CA_FILE": ("redis_ca_file", _existing_file, "the path of a PEM file"),
    "PARLEY_REDIS_CERT_FILE": ("redis_cert_file", _existing_file, "the path of a PEM file"),
    "PARLEY_REDIS_KEY_FILE": ("redis_key_file", _existing_file, "the path of a PEM file"),
    "PARLEY_API_TOKEN": (
        "api_token",
        _token,
        "at least 16 characters without spaces (for example `openssl rand -hex 32`)",
    ),
    "PARLEY_ALLOWED_HOSTS": (
        "allowed_hosts",
        _hosts,
        "a comma-separated list of host names or addresses (IPv6 in brackets), or *",
    ),
    "PARLEY_ALLOWED_ORIGINS": (
        "allowed_origins",
        _origins,
        "a comma-separated list of origins such as https://app.example.com (no paths, no *)",
    ),
}
# Secrets: a refused value is never echoed back.
_SECRET_VARIABLES = frozenset({"PARLEY_API_TOKEN"})


def load_settings(
    environ: Mapping[str, str] | None = None, *, directory: Path | None = None
) -> Settings:
    """Read the settings once. `environ` defaults to os.environ, `directory` to the cwd."""
    env = _read_sources(environ, directory)
    values: dict[str, object] = {}
    values["redis_url"], values["redis_url_source"] = _redis_url(env)
    values["serverless"] = any(env.get(name) for name in _SERVERLESS_MARKERS)
    for name, (attribute, parse, allowed) in _VARIABLES.items():
        if env.get(name) not in (None, ""):
            values[attribute] = _parse(env, name, parse, allowed)
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.stale_seconds < 2 * settings.heartbeat_seconds:
        raise ConfigError(
            f"PARLEY_STALE_SECONDS={settings.stale_seconds:g} must be at least twice "
            f"PARLEY_HEARTBEAT_SECONDS={settings.heartbeat_seconds:g}, or a live job "
            "would be declared lost between two heartbeats."
        )
    _check_tls(settings)
    if settings.stale_seconds >= settings.ttl_seconds:
        raise ConfigError(
            f"PARLEY_STALE_SECONDS={settings.stale_seconds:g} must be below "
            f"PARLEY_TTL_SECONDS={settings.ttl_seconds}, or a lost job expires before "
            "anyone can see that it was lost."
        )
    return settings


def _check_tls(settings: Settings) -> None:
    tls_files = {
        "PARLEY_REDIS_CA_FILE": settings.redis_ca_file,
        "PARLEY_REDIS_CERT_FILE": settings.redis_cert_file,
        "PARLEY_REDIS_KEY_FILE": settings.redis_key_file,
    }
    given = [name for name, path in tls_files.items() if path is not None]
    if given and not (settings.redis_url or "").startswith("rediss://"):
        raise ConfigError(
            f"{', '.join(given)} only apply to TLS connections: use a rediss:// "
            f"{settings.redis_url_source or 'REDIS_URL'}."
        )
    if settings.redis_key_file is not None and settings.redis_cert_file is None:
        raise ConfigError(
            "PARLEY_REDIS_KEY_FILE is the key of a client certificate: set "
            "PARLEY_REDIS_CERT_FILE as well."
        )
