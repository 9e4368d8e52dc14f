"""The work a job runs: parse the upload, then analyse it. Top-level, so a process pool
can run it, and pure: it only reports progress through its callback."""

from __future__ import annotations

from typing import Any

from parley.analysis import analyze
from parley.analysis.formats import parse
from parley.analysis.model import ProgressCallback

__all__ = ["PARSE_SHARE", "STAGE_PARSING", "analyze_upload"]

STAGE_PARSING = "parsing"
# The share of the bar that parsing takes: it is a few percent of the analysis' time.
PARSE_SHARE = 10.0


def analyze_upload(
    data: bytes, filename: str | None, format: str | None, progress: ProgressCallback
) -> dict[str, Any]:
    """Parse `data` (detecting its format unless given), then analyse it. Parse errors
    propagate as ParseError/UnknownFormatError; the first report after parsing means
    the input was accepted."""
    progress(STAGE_PARSING, 0.0, "Reading the conversation")
    conversation = parse(data, filename=filename, format=format)
    scale = (100.0 - PARSE_SHARE) / 100.0

    def scaled(stage: str, percent: float, message: str) -> None:
        progress(stage, PARSE_SHARE + percent * scale, message)

    scaled("parsed", 0.0, f"{len(conversation.messages)} messages ({conversation.format})")
    return analyze(conversation, scaled)
