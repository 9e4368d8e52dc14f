"""`parley serve`: the HTTP API (and page) on uvicorn, one or several worker processes."""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import os
import signal
import socket
import sys
import threading
import webbrowser
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from parley.errors import ConfigError
from parley.jobs.keys import KeyLayout
from parley.kv import describe_store, open_kv
from parley.log import get_logger
from parley.settings import ExecutionMode, Settings

__all__ = ["register"]

log = get_logger("parley.serve")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="serve the API and the page",
        description="Serve parley over HTTP. Several workers need REDIS_URL: each worker "
        "is a process, and only a shared store lets one answer for another.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes behind the port (default: WEB_CONCURRENCY, or 1)",
    )
    parser.add_argument(
        "--mode",
        choices=[mode.value for mode in ExecutionMode],
        help="how analyses run (default: PARLEY_MODE, or background); queue needs "
        "`parley worker` processes",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    workers = settings.web_concurrency if args.workers is None else args.workers
    if workers < 1:
        raise ConfigError("--workers must be 1 or more")
    store = describe_store(settings)
    if workers > 1 and not store.shared:
        raise ConfigError(
            f"refusing to start {workers} workers on the in-process store: each worker "
            "is a separate process with its own memory, so a job started on one would be "
            "'not found' on the others (the bug parley exists to fix). Set REDIS_URL "
            "(e.g. REDIS_URL=redis://127.0.0.1:6379/0) or use --workers 1."
        )
    mode = ExecutionMode(args.mode) if args.mode else settings.execution_mode
    if mode is ExecutionMode.QUEUE and not store.shared:
        raise ConfigError(
            "queue mode (--mode queue or PARLEY_MODE=queue) hands jobs to `parley worker` "
            "processes, which only a shared store reaches: set REDIS_URL."
        )
    if store.shared:
        # Each worker probes the store as it starts; probing here first turns a wrong
        # REDIS_URL into one sentence instead of a traceback per worker.
        asyncio.run(_probe(settings))
    # Workers are new processes that read their settings from the environment.
    if mode is not None:
        os.environ["PARLEY_MODE"] = mode.value
    os.environ["WEB_CONCURRENCY"] = str(workers)
    if _loopback(args.host) and not settings.allowed_hosts:
        # Reachable from this machine only: answer to this machine's names only, so a web
        # page that rebinds its own name to 127.0.0.1 cannot reach it (DNS rebinding).
        names = dict.fromkeys(("localhost", "127.0.0.1", "[::1]", _bracketed(args.host)))
        os.environ["PARLEY_ALLOWED_HOSTS"] = ",".join(names)
    config = _TCPConfig(
        "parley.api.asgi:app",
        host=args.host,
        port=args.port,
        workers=workers,
        access_log=args.access_log,
        # The server's own lines follow PARLEY_LOG_LEVEL, but never below warning unless
        # asked for: uvicorn's info lines repeat what parley logs as structured events.
        log_level="info"
        if args.access_log
        else max(settings.log_level, "WARNING", key=_rank).lower(),
        timeout_graceful_shutdown=10,
    )
    # Bound before anything is said: a port in use is one sentence and exit 1.
    sock = config.bind_socket()
    port = sock.getsockname()[1]
    print(
        f"parley serving on http://{_bracketed(args.host)}:{port} with {workers} worker(s), "
        f"store: {store.target}"
        + (f", mode: {mode.value}" if mode else "")
        + (
            f", queue: {KeyLayout(settings.key_prefix).queue()}"
            if mode is ExecutionMode.QUEUE
            else ""
        ),
        file=sys.stderr,
    )
    if settings.api_token is None and not _loopback(args.host):
        log.warning(
            "api_open",
            host=args.host,
            reason="PARLEY_API_TOKEN is not set: anyone who can reach this address may "
            "start analyses and read /api/stats (erasing needs the owner token)",
        )
    if args.open:
        # Opened by a timer so the browser arrives after the server listens.
        wildcard = args.host in ("0.0.0.0", "::")  # noqa: S104 - recognising, not binding
        url = f"http://{'127.0.0.1' if wildcard else _bracketed(args.host)}:{port}/"
        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    try:
        if config.workers > 1:  # as uvicorn.run does, on the socket bound here
            Multiprocess(config, sockets=[sock]).run()
            return 0
        server = uvicorn.Server(config)
        # uvicorn shuts down gracefully on SIGTERM or Ctrl-C, then raises the signal again
        # for the handler it found: make that one end the command with 0, as a stopped
        # server has done its job (the multi-worker supervisor exits 0 the same way).
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, _stopped)
        server.run(sockets=[sock])
        return 0 if server.started else 1
    finally:
        sock.close()


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _bracketed(host: str) -> str:
    """An address as a Host header names it: IPv6 in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host.lower()


def _loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def _rank(level: str) -> int:
    return ("DEBUG", "INFO", "WARNING", "ERROR").index(level.upper())


async def _probe(settings: Settings) -> None:
    kv = await open_kv(settings)
    await kv.aclose()


class _TCPConfig(uvicorn.Config):
    """The listening socket, bound by parley rather than uvicorn, for two reasons.

    uvicorn binds the shared socket of `--workers N` with proto 0, and asyncio sets
    TCP_NODELAY only on sockets that say IPPROTO_TCP: every keep-alive request then waits
    ~40 ms for a delayed ACK (uvicorn issue #3149; measured here: p50 44 ms instead of
    0.3 ms). And a port in use should be one sentence before the banner, not uvicorn's
    raw error after it (exit 3)."""

    def bind_socket(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host.strip("[]"), self.port))
        except OSError as exc:
            sock.close()
            raise ConfigError(_bind_failure(self.host, self.port, exc)) from None
        sock.set_inheritable(True)
        return sock


def _bind_failure(host: str, port: int, exc: OSError) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use (another parley, or another "
            f"program, listens there): choose a free one with --port, for example "
            f"`parley serve --port {port + 1}`"
        )
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on {where} (ports below 1024 need root): use --port 8000"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: use --host 127.0.0.1 or 0.0.0.0"
    return f"cannot listen on {where}: {exc.strerror or exc}"
