"""`parley worker`: run the jobs that web processes in queue mode put in the store."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

from parley.errors import ConfigError
from parley.jobs.keys import KeyLayout
from parley.kv import describe_store
from parley.worker import Worker

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "worker",
        help="run queued analyses (PARLEY_MODE=queue), on any machine that reaches REDIS_URL",
        description="Read the queue of analyses in the shared Redis and run them: any number "
        "of workers, on any number of machines. A worker that dies has its jobs run again "
        "by another. SIGTERM or Ctrl-C: take no more work, finish (or hand back) what runs, "
        "exit 0.",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="analyses at once, each in its own process (default 1: one per core is right "
        "for CPU-bound analyses)",
    )
    parser.add_argument(
        "--burst",
        action="store_true",
        help="exit once the queue is empty (for a scheduled function or a batch)",
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="on SIGTERM, how long running analyses may finish before they are handed back "
        "to the queue (default 10)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.concurrency < 1:
        raise ConfigError("--concurrency must be 1 or more")
    if args.grace < 0:
        raise ConfigError("--grace must be 0 or more seconds")
    Worker.check_store(args.settings)
    worker = Worker(args.settings, concurrency=args.concurrency, burst=args.burst, grace=args.grace)
    # The queue's key, prefix and all: a web tier with another PARLEY_KEY_PREFIX queues
    # where this worker never looks, and the banner is where that shows.
    queue = KeyLayout(args.settings.key_prefix).queue()
    print(
        f"parley worker: {args.concurrency} at once, "
        f"store: {describe_store(args.settings).target}, queue: {queue}"
        + (", exits when the queue is empty" if args.burst else ""),
        file=sys.stderr,
    )
    asyncio.run(_main(worker))
    return 0


async def _main(worker: Worker) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    await worker.run()
