"""`parley serve`: the HTTP API (and page) on uvicorn, one or several worker processes."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import threading
import webbrowser
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from parley.errors import ConfigError
from parley.kv import open_kv
from parley.settings import ExecutionMode, Settings, load_settings

__all__ = ["register"]


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
        choices=[mode.value for mode in ExecutionMode if mode is not ExecutionMode.QUEUE],
        help="how analyses run (default: background, or PARLEY_MODE)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()  # fail here, once, on a bad setting
    if args.workers is None:  # as uvicorn and gunicorn do
        concurrency = os.environ.get("WEB_CONCURRENCY", "1")
        if not concurrency.isdigit():
            raise ConfigError(f"WEB_CONCURRENCY={concurrency!r} is not a whole number")
        args.workers = int(concurrency)
    if args.workers < 1:
        raise ConfigError("--workers must be 1 or more")
    if args.workers > 1 and settings.redis_url is None:
        raise ConfigError(
            f"refusing to start {args.workers} workers on the in-process store: each worker "
            "is a separate process with its own memory, so a job started on one would be "
            "'not found' on the others (the bug parley exists to fix). Set REDIS_URL "
            "(e.g. REDIS_URL=redis://127.0.0.1:6379/0) or use --workers 1."
        )
    if settings.redis_url is not None:
        # Each worker probes the store as it starts; probing here first turns a wrong
        # REDIS_URL into one sentence instead of a traceback per worker.
        asyncio.run(_probe(settings))
    # Workers are new processes that read their settings from the environment.
    if args.mode:
        os.environ["PARLEY_MODE"] = args.mode
    os.environ["WEB_CONCURRENCY"] = str(args.workers)
    store = settings.redis_target if settings.redis_url else "in-process (this process only)"
    print(
        f"parley serving on http://{args.host}:{args.port} with {args.workers} worker(s), "
        f"store: {store}",
        file=sys.stderr,
    )
    if args.open:
        # Opened by a timer so the browser arrives after the server listens.
        wildcard = args.host in ("0.0.0.0", "::")  # noqa: S104 - recognising, not binding
        url = f"http://{'127.0.0.1' if wildcard else args.host}:{args.port}/"
        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    config = _TCPConfig(
        "parley.api.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=args.access_log,
        log_level="info" if args.access_log else "warning",
        timeout_graceful_shutdown=10,
    )
    if config.workers > 1:  # as uvicorn.run does, with the socket bound by _TCPConfig
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return 0
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


async def _probe(settings: Settings) -> None:
    kv = await open_kv(settings)
    await kv.aclose()


class _TCPConfig(uvicorn.Config):
    """uvicorn binds the shared listening socket of `--workers N` with proto 0, and
    asyncio sets TCP_NODELAY only on sockets that say IPPROTO_TCP: every keep-alive
    request then waits ~40 ms for a delayed ACK (uvicorn issue #3149; measured here:
    p50 44 ms instead of 0.3 ms). Re-wrap the same descriptor as TCP."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto:
            return sock
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.set_inheritable(True)
        return tcp
