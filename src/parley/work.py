"""The job's work: an input value in, parse then analyse, a result out.

It runs in any process — a thread of a serverless function, an analysis process of
`parley serve`, one of `parley worker` — and imports the analysis, never the HTTP edge:
an analysis process pays for parsing and analysing, not for FastAPI. It only reports
through its events; the process that owns the job writes them to the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parley.analysis import analyze
from parley.analysis.formats import parse
from parley.analysis.merge import merge
from parley.analysis.model import Conversation
from parley.analysis.pseudonyms import pseudonymise
from parley.analysis.zones import in_zone
from parley.errors import InputError, in_file
from parley.jobs.input import InputFile, JobInput

if TYPE_CHECKING:  # the process running the work never imports the pool's parent side
    from parley.jobs.execution import WorkEvents

__all__ = ["PARSE_SHARE", "analyze_input"]

# The share of the bar that parsing takes: it is a few percent of the analysis' time.
PARSE_SHARE = 10.0


def _parse_file(file: InputFile) -> Conversation:
    """One file of several; its errors name it, so the person knows which to fix."""
    try:
        return parse(file.data, filename=file.filename, format=file.format)
    except InputError as exc:
        raise in_file(exc, file.filename) from None


def analyze_input(input: JobInput, events: WorkEvents) -> dict[str, Any]:
    """Parse the input (detecting its format unless given), say it was accepted, then
    analyse it. Parse errors propagate as ParseError/UnknownFormatError."""
    events.progress("parsing", 0.0, "Reading the conversation")
    if input.more:
        # Several exports, one analysis: each is parsed on its own, then merged.
        conversation = merge([(f.filename, _parse_file(f)) for f in input.files])
    else:
        conversation = parse(input.data, filename=input.filename, format=input.format)
    if isinstance(input.options.get("timezone"), str):
        conversation = in_zone(conversation, input.options["timezone"])
    if input.options.get("pseudonymise"):
        # Before anything is analysed, stored or drawn: the result never holds a name.
        conversation = pseudonymise(conversation)
    events.accepted()
    scale = (100.0 - PARSE_SHARE) / 100.0
    # Every later message says how big the conversation is: whoever polls sees it,
    # whichever update they happen to read.
    size = f"{len(conversation.messages):,} messages"

    def scaled(stage: str, percent: float, message: str) -> None:
        events.progress(stage, PARSE_SHARE + percent * scale, f"{size} · {message}")

    events.progress("parsed", PARSE_SHARE, f"{size} ({conversation.format})")
    return analyze(conversation, scaled)
