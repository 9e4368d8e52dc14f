"""`parley doctor`: which store parley would use and why, and whether it works."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from typing import Any

from parley.cli._format import size
from parley.errors import StoreError
from parley.jobs.keys import KeyLayout
from parley.jobs.stats import collect_stats
from parley.kv import describe_store, open_kv
from parley.settings import Settings

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "doctor",
        help="check which store parley would use, and that it works",
        description="Says which store parley would use and why, connects, and reports "
        "latency, server version, memory, eviction policy and warnings. "
        "Exits 1 when the store is unusable.",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)


async def _doctor(settings: Settings) -> dict[str, Any]:
    choice = describe_store(settings)
    report: dict[str, Any] = {
        "backend": choice.name,
        "why": choice.why,
        "target": choice.target,
        "usable": False,
    }
    if (settings.redis_url or "").startswith("rediss://"):
        report["tls"] = _tls(settings)
    if not choice.shared:
        # The in-process store lives inside each server process: nothing to inspect
        # from here, and nothing that can fail.
        report["usable"] = True
        report["note"] = (
            "each parley process keeps its own jobs; run one worker, or set REDIS_URL "
            "to share them (a running server reports its store at GET /api/stats)"
        )
        return report
    try:
        kv = await open_kv(settings)
    except StoreError as exc:
        report["error"] = str(exc)
        return report
    try:
        pings = [await kv.ping() for _ in range(5)]
        stats = await collect_stats(kv, KeyLayout(settings.key_prefix))
        # A real write with a TTL, as every job makes: proves the store accepts writes.
        probe = f"{settings.key_prefix}parley:doctor"
        await kv.set(probe, b"ok", 10)
        await kv.delete(probe)
    except StoreError as exc:
        report["error"] = str(exc)
        return report
    finally:
        await kv.aclose()
    report.update(stats.to_json())
    report["latencyMs"] = round(statistics.median(pings) * 1000, 3)
    report["usable"] = True
    return report


def _tls(settings: Settings) -> dict[str, Any]:
    """What a TLS connection trusts and presents: paths only, never a key's content."""
    ca = settings.redis_ca_file
    return {
        "verify": "certificate and host name",
        "caFile": str(ca) if ca else None,
        "trusts": f"the CA in {ca} (PARLEY_REDIS_CA_FILE)" if ca else "the system's CAs",
        "clientCertificate": str(settings.redis_cert_file) if settings.redis_cert_file else None,
    }


def _print(report: dict[str, Any]) -> None:
    out = sys.stdout.write
    out(f"store:     {report['backend']} ({report['why']})\n")
    out(f"target:    {report['target']}\n")
    if tls := report.get("tls"):
        cert = tls["clientCertificate"]
        out(
            f"tls:       verifies the {tls['verify']} against {tls['trusts']}"
            + (f"; presents the client certificate {cert}" if cert else "")
            + "\n"
        )
    if not report["usable"]:
        out(f"status:    UNUSABLE\nerror:     {report['error']}\n")
        return
    if "note" in report:
        out(f"status:    ok\nnote:      {report['note']}\n")
        return
    server = report["server"]
    out(f"status:    ok, round trip {report['latencyMs']} ms (median of 5)\n")
    out(f"server:    {server['version']}\n")
    limit = size(server["maxMemory"]) if server["maxMemory"] else "no limit"
    out(
        f"memory:    {size(server['usedMemory'])} used, maxmemory {limit}, "
        f"policy {server['maxMemoryPolicy']}\n"
    )
    families = ", ".join(f"{name} {f['keys']}" for name, f in report["families"].items())
    out(f"keys:      {server['keys']} in this database; parley's: {families}\n")
    if report["resultsFit"] is not None:
        out(f"room:      about {report['resultsFit']} more results fit\n")
    for warning in report["warnings"]:
        out(f"warning:   {warning}\n")


def run(args: argparse.Namespace) -> int:
    report = asyncio.run(_doctor(args.settings))
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        _print(report)
    return 0 if report["usable"] else 1
