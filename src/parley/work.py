"""The job's work: an input value in, parse then analyse, a result out.

It runs in any process — a thread of a serverless function, an analysis process of
`parley serve`, one of `parley worker` — and imports the analysis, never the HTTP edge:
an analysis process pays for parsing and analysing, not for FastAPI. It only reports
through its events; the process that owns the job writes them to the store.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from parley.analysis import analyze
from parley.analysis.formats import parse
from parley.analysis.merge import merge
from parley.analysis.model import Conversation
from parley.analysis.pseudonyms import pseudonymise
from parley.analysis.zones import in_zone
from parley.errors import InputError, in_file
from parley.jobs.input import JobInput

if TYPE_CHECKING:  # the process running the work never imports the pool's parent side
    from parley.jobs.execution import WorkEvents

__all__ = ["PARSE_SHARE", "analyze_input", "as_asked", "in_its_file"]

# The share of the bar that parsing takes: it is a few percent of the analysis' time.
PARSE_SHARE = 10.0


def in_its_file(read: Callable[[], Conversation], filename: str | None) -> Conversation:
    """`read()`, one file of several: its errors name the file, so the person knows which
    export to fix."""
    try:
        return read()
    except InputError as exc:
        raise in_file(exc, filename) from None


def as_asked(
    parts: list[tuple[str | None, Conversation]],
    *,
    timezone: str | None = None,
    pseudonymised: bool = False,
) -> Conversation:
    """The conversation an analysis reads, whoever runs it (a job, `parley analyze`): the
    files merged (a single one is its own source), its instants moved to `timezone`, and
    its names replaced last, so nothing after holds one."""
    conversation = merge(parts)
    if timezone:
        conversation = in_zone(conversation, timezone)
    if pseudonymised:
        conversation = pseudonymise(conversation)
    return conversation


def analyze_input(input: JobInput, events: WorkEvents) -> dict[str, Any]:
    """Parse the input (detecting its format unless given), say it was accepted, then
    analyse it. Parse errors propagate as ParseError/UnknownFormatError."""
    events.progress("parsing", 0.0, "Reading the conversation")
    if input.more:
        # Several exports, one analysis: each is parsed on its own, then merged.
        parts = [
            (
                f.filename,
                in_its_file(
                    partial(parse, f.data, filename=f.filename, format=f.format), f.filename
                ),
            )
            for f in input.files
        ]
    else:
        parts = [(input.filename, parse(input.data, filename=input.filename, format=input.format))]
    zone = input.options.get("timezone")
    conversation = as_asked(
        parts,
        timezone=zone if isinstance(zone, str) else None,
        pseudonymised=bool(input.options.get("pseudonymise")),
    )
    events.accepted()
    scale = (100.0 - PARSE_SHARE) / 100.0
    # Every later message says how big the conversation is: whoever polls sees it,
    # whichever update they happen to read.
    size = f"{len(conversation.messages):,} messages"

    def scaled(stage: str, percent: float, message: str) -> None:
        events.progress(stage, PARSE_SHARE + percent * scale, f"{size} · {message}")

    events.progress("parsed", PARSE_SHARE, f"{size} ({conversation.format})")
    return analyze(conversation, scaled)
