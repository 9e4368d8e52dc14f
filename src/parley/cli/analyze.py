"""`parley analyze FILE [--format F] [--json OUT.json] [--html REPORT.html]`.

Parses the export, runs the analysis with a progress bar on stderr (plain stage lines
when stderr is not a terminal), prints the summary, and writes the full JSON result
and the offline HTML report when asked.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

from parley.analysis import analyze
from parley.analysis.formats import parse_path
from parley.analysis.model import Conversation
from parley.cli._input import add_input_arguments, input_label, read_conversation
from parley.cli._progress import ProgressBar, print_summary, write_output
from parley.errors import InputError
from parley.samples import SAMPLE_NAME
from parley.work import as_asked, in_its_file

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "analyze",
        help="analyse a chat or transcript export: summary, JSON result, HTML report",
        description=(
            "Analyse a chat export or transcript: participation, turn-taking, talk time, "
            "activity, sentiment, emoji, links and keywords. Prints a short summary; "
            "--json writes the full result (docs/result-schema.md), --html a report that "
            "opens offline, --csv the figures as CSV. FILE may be - for standard input."
        ),
    )
    add_input_arguments(p, "analyse")
    p.add_argument(
        "more",
        metavar="MORE",
        nargs="*",
        help="more exports, analysed with FILE as one conversation (the same chat exported "
        "twice, or one group across apps): overlapping messages are counted once",
    )
    p.add_argument(
        "--json", metavar="OUT.json", help="write the full result as JSON (- for stdout)"
    )
    p.add_argument("--html", metavar="REPORT.html", help="write a self-contained HTML report")
    p.add_argument(
        "--timezone",
        metavar="ZONE",
        help="read the export's instants (Slack, Discord, Telegram) in this IANA time zone, "
        "e.g. Europe/Lisbon, so hours and days are yours",
    )
    p.add_argument(
        "--pseudonymise",
        action="store_true",
        help="replace every name, phone number and e-mail address with Person 1, Person 2, "
        "[phone], [email] before analysing: nothing written holds a real name",
    )
    p.add_argument(
        "--csv",
        metavar="DIR",
        help="write the figures for a spreadsheet: DIR/people.csv (a row per person) and "
        "DIR/activity.csv (a row per day, or week for a long chat)",
    )
    p.set_defaults(run=run)


_ORDERS = {"dmy": "day first", "mdy": "month first", "ymd": "year first"}


def _how_it_was_read(d: dict[str, Any]) -> list[str]:
    """The parser's decisions, as the page's "How this was read" says them."""
    notes = []
    if d.get("runnerUp"):
        notes.append(f"as {d['format']}; it could also be read as {d['runnerUp']} (--format)")
    if d.get("dateOrder"):
        notes.append(f"dates {_ORDERS.get(d['dateOrder'], d['dateOrder'])}: {d['dateEvidence']}")
    if d.get("timeResolutionSeconds") == 60:
        notes.append("times to the minute (the export has no seconds)")
    if d.get("mergedLines"):
        first = (d.get("firstMerged") or [{}])[0]
        at = f", the first at line {first['line']}" if "line" in first else ""
        n = d["mergedLines"]
        said = (
            "line continues the message above it"
            if n == 1
            else "lines continue the message above them"
        )
        notes.append(f"{n:,} {said}{at}")
    return notes


def run(args: argparse.Namespace) -> int:
    err = ProgressBar(sys.stderr)
    started = time.perf_counter()
    err.line(f"parsing {input_label(args)} …")
    name = SAMPLE_NAME if args.sample else Path(str(args.file)).name
    parts: list[tuple[str | None, Conversation]] = [(name, read_conversation(args))]
    parts += [
        (Path(more).name, in_its_file(partial(parse_path, more, format=args.format), more))
        for more in args.more
    ]
    conversation = as_asked(parts, timezone=args.timezone, pseudonymised=args.pseudonymise)
    if args.more:
        dropped = sum(s.duplicates for s in conversation.sources)
        err.line(f"merged {len(parts)} exports; {dropped:,} overlapping messages counted once")
    parsed = time.perf_counter()
    err.line(
        f"parsed {len(conversation.messages):,} messages as {conversation.format}"
        f" in {parsed - started:.1f} s"
    )
    result = analyze(conversation, err)
    err.line(f"analysed in {time.perf_counter() - parsed:.1f} s")
    for note in _how_it_was_read(result["diagnostics"]):
        err.line(f"read: {note}")

    if args.json:
        text = json.dumps(result, ensure_ascii=False, indent=None, allow_nan=False)
        write_output(args.json, text + "\n", "JSON result")
        if args.json != "-":
            err.line(f"wrote {args.json} ({len(text.encode()) / 1024:,.0f} KB)")
    if args.html:
        from parley.report import render_html  # noqa: PLC0415 - plotly.js is read only when asked

        html = render_html(result)
        write_output(args.html, html, "HTML report")
        err.line(f"wrote {args.html} ({len(html.encode()) / 1024 / 1024:,.1f} MB, opens offline)")

    if args.csv:
        from parley.report import activity_csv, people_csv  # noqa: PLC0415 - as --html

        folder = Path(args.csv)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot make the folder {folder}: {exc.strerror or exc}") from None
        for name, table in (("people.csv", people_csv), ("activity.csv", activity_csv)):
            # newline="" keeps the CSV's own CRLF line ends (RFC 4180) as they are
            write_output(str(folder / name), table(result), f"table {name}", newline="")
        err.line(f"wrote {folder / 'people.csv'} and {folder / 'activity.csv'}")

    print_summary(result, sys.stderr if args.json == "-" else sys.stdout)
    return 0
