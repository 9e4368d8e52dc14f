"""`parley submit FILE [MORE...] --server URL`: analyse on a running parley.

Uploads the exports (a folder, such as an unzipped Slack export, is zipped on the way),
shows the job's progress as the server pushes it (Server-Sent Events, from whichever
worker answers; polls instead when the stream fails), then prints the summary and, with
--json, writes the result. The password of a store never reaches this command: it talks
to parley's HTTP API only.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

from parley.cli._progress import ProgressBar, print_summary, write_output
from parley.errors import InputError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "submit",
        help="analyse an export on a running parley server, with its live progress",
        description=(
            "Upload exports to a running parley (parley serve, or a deployment), follow the "
            "job's progress live, then print the summary. --json writes the full result."
        ),
    )
    p.add_argument("file", metavar="FILE", help="the export to analyse (a file, a zip, a folder)")
    p.add_argument(
        "more", metavar="MORE", nargs="*", help="more exports, analysed with FILE as one"
    )
    p.add_argument(
        "--server",
        metavar="URL",
        default=os.environ.get("PARLEY_SERVER", "http://127.0.0.1:8000"),
        help="the parley to send it to (default: $PARLEY_SERVER, else http://127.0.0.1:8000)",
    )
    p.add_argument(
        "--token",
        metavar="TOKEN",
        default=os.environ.get("PARLEY_API_TOKEN"),
        help="the server's access token, when it has one (default: $PARLEY_API_TOKEN)",
    )
    p.add_argument("--format", default=None, help="the format to read it as (default: detect)")
    p.add_argument("--timezone", metavar="ZONE", help="read instants in this IANA time zone")
    p.add_argument("--pseudonymise", action="store_true", help="replace names before analysing")
    p.add_argument(
        "--json", metavar="OUT.json", help="write the full result as JSON (- for stdout)"
    )
    p.add_argument(
        "--no-stream",
        action="store_true",
        help="poll the progress instead of listening to its stream",
    )
    p.set_defaults(run=run)


def _upload(path: Path) -> tuple[str, bytes]:
    """A file's name and bytes; a folder as a zip of it."""
    if path.is_dir():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for item in sorted(path.rglob("*")):
                if item.is_file():
                    archive.write(item, item.relative_to(path).as_posix())
        return f"{path.name}.zip", buffer.getvalue()
    try:
        return path.name, path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    # httpx only here: every other command starts without it
    from parley.cli._client import ENDS, Client, ServerError, follow, refused  # noqa: PLC0415

    bar = ProgressBar(sys.stderr)
    paths = [Path(args.file), *(Path(more) for more in args.more)]
    files = [("file", _upload(path)) for path in paths]
    fields = {
        key: value
        for key, value in (
            ("format", args.format),
            ("timezone", args.timezone),
            ("pseudonymise", "true" if args.pseudonymise else None),
        )
        if value
    }
    client = Client(args.server, args.token)
    size = sum(len(data) for _, (_, data) in files)
    bar.line(f"sending {len(files)} export{'s' if len(files) > 1 else ''} ({size / 1e6:.1f} MB) "
             f"to {client.server} …")  # fmt: skip
    started = client.call("POST", "/api/analyze", files=files, data=fields)
    if started.status_code not in (200, 202):
        raise refused(started)
    job: dict[str, Any] = started.json()
    conversation_id = job["conversationId"]
    if job.get("deduplicated"):
        bar.line("analysed already: the server had this conversation")
    kind, body = (
        (job["status"], job)
        if job["status"] in ENDS
        else follow(client, conversation_id, bar, stream=not args.no_stream)
    )
    if kind == "expired":
        raise ServerError(f"conversation {conversation_id} expired on the server")
    if kind == "failed":
        error = body.get("error") or {}
        raise ServerError(f"the analysis failed: {error.get('message') or error.get('code')}")
    answer = client.call("GET", f"/api/jobs/{body.get('jobId') or job['jobId']}/result")
    found: dict[str, Any] = answer.json() if answer.status_code == 200 else {}
    if not found.get("hasResult"):
        raise refused(answer)
    result: dict[str, Any] = found["result"]
    bar.line(f"done: {client.server}/#/c/{conversation_id}")
    if args.json:
        text = json.dumps(result, ensure_ascii=False, allow_nan=False) + "\n"
        write_output(args.json, text, "JSON result")
        if args.json != "-":
            bar.line(f"wrote {args.json} ({len(text.encode()) / 1024:,.0f} KB)")
    print_summary(result, sys.stderr if args.json == "-" else sys.stdout)
    return 0
