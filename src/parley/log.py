"""Structured log lines: one JSON object per line on stderr, with a named `event`.

Events are snake_case facts (`redis_client_connected`, `job_created`, ...). No caller
ever passes a URL with a password: Redis targets are logged as host, port and db.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog

__all__ = ["configure_logging", "get_logger"]


def configure_logging(level: str = "INFO", fmt: str = "json", stream: TextIO | None = None) -> None:
    """Route parley's log lines to `stream` (default: stderr, so stdout stays for data)."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=lambda *args: _LineLogger(stream),
        cache_logger_on_first_use=False,
    )


class _LineLogger:
    """Writes each rendered line to `stream`, or to whatever sys.stderr is at that moment
    (test runners and daemons replace it; a stream bound once may be closed later)."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def msg(self, message: str) -> None:
        stream = self._stream if self._stream is not None else sys.stderr
        stream.write(message + "\n")
        stream.flush()

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def get_logger(name: str) -> Any:
    """A bound logger whose lines carry `component=name`. Until the application calls
    `configure_logging`, lines go to stderr as JSON (never to stdout, which is data)."""
    if not structlog.is_configured():
        configure_logging()
    return structlog.get_logger(component=name)
