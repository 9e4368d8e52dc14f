"""`parley stats`: what the store holds, as the hosting dashboard would show it."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from parley.cli._format import size
from parley.errors import ConfigError
from parley.jobs.keys import KeyLayout
from parley.jobs.stats import collect_stats
from parley.jobs.usage import CommandUsage
from parley.kv import describe_store, open_kv
from parley.settings import Settings

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "stats",
        help="memory, keys and bytes per key family, and how many more results fit",
        description="Reads the store parley uses (REDIS_URL) and reports its memory and "
        "limit, keys and bytes per key family, the average stored result, how many more "
        "fit, and the commands the server has processed.",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)


async def _stats(settings: Settings) -> dict[str, Any]:
    if not describe_store(settings).shared:
        raise ConfigError(
            "REDIS_URL is not set: the in-process store lives inside each running parley "
            "process, where this command cannot see it. Ask the server instead: "
            "curl http://127.0.0.1:8000/api/stats"
        )
    kv = await open_kv(settings)
    keys = KeyLayout(settings.key_prefix)
    try:
        usage = None
        if settings.command_budget is not None:  # this command's own are counted too
            usage = CommandUsage(kv, keys, settings.command_budget, started=lambda: 0)
        return (await collect_stats(kv, keys, usage)).to_json()
    finally:
        await kv.aclose()


def run(args: argparse.Namespace) -> int:
    report = asyncio.run(_stats(args.settings))
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return 0
    server = report["server"]
    out = sys.stdout.write
    limit = size(server["maxMemory"]) if server["maxMemory"] else "no limit"
    out(
        f"store:     {report['backend']} {server['version']}, round trip {report['latencyMs']} ms\n"
    )
    out(f"memory:    {size(server['usedMemory'])} used of {limit} ({server['maxMemoryPolicy']})\n")
    commands = server["commandsProcessed"]
    out(f"commands:  {'-' if commands is None else commands} processed by the server\n")
    out("family       keys        bytes\n")
    for name, family in report["families"].items():
        # A family not sampled (the queue's stream has no value to read) shows no size.
        measured = size(family["bytes"]) if family["sampled"] or not family["keys"] else "-"
        out(f"{name:<12} {family['keys']:>5} {measured:>12}\n")
    if (queue := report["queue"]) is not None:
        oldest = queue["oldestWaitingSeconds"]
        out(
            f"queue:     {queue['waiting']} waiting"
            + (f" (the oldest for {oldest:.0f} s)" if oldest is not None else "")
            + f", {queue['running']} running, {queue['workers']} worker(s) known\n"
        )
    out(f"results:   average {size(report['averageResultBytes'])}")
    fit = report["resultsFit"]
    out(f", about {fit} more fit\n" if fit is not None else ", no memory limit\n")
    if (jobs := report["commandsPerJob"]) is not None:
        out(
            f"per job:   {jobs['median']:g} commands (median), {jobs['p90']:g} (p90), "
            f"over the {jobs['jobs']} finished jobs in the store\n"
        )
    if (budget := report["budget"]) is not None:
        left = budget["analysesLeft"]
        out(
            f"budget:    {budget['used']} of {budget['limit']}/{budget['period']} commands "
            f"used since {budget['periodStarted']} ({budget['usedPercent']:g} %), "
            f"{budget['analyses']} analyses"
            + (f", about {left} more fit" if left is not None else "")
            + "\n"
        )
    for warning in report["warnings"]:
        out(f"warning:   {warning}\n")
    return 0
