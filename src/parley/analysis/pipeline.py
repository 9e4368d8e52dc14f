"""`analyze(conversation)`: every metric, as one JSON-ready, versioned result."""

from __future__ import annotations

from typing import Any

from parley.analysis._prepared import prepare
from parley.analysis._progress import Progress
from parley.analysis._serialize import to_json
from parley.analysis.activity import activity
from parley.analysis.content import content
from parley.analysis.keywords import keywords
from parley.analysis.model import Conversation, ProgressCallback
from parley.analysis.participation import MAX_SPEAKERS, participation, speaker_order
from parley.analysis.reading import diagnostics
from parley.analysis.sentiment import sentiment
from parley.analysis.summary import summary
from parley.analysis.timed import timed
from parley.analysis.turns import turn_taking

__all__ = ["SCHEMA_VERSION", "analyze"]

SCHEMA_VERSION = 2  # bump on any change a reader of the result could notice

# Relative cost of each stage on a large chat, measured with the benchmark; only the
# smoothness of the progress bar depends on these.
_STAGES = {
    "prepare": 25.0,  # reads every word once (see _words)
    "participation": 2.0,
    "turns": 5.0,
    "timed": 0.5,
    "activity": 8.0,
    "content": 9.0,
    "keywords": 1.0,
    "sentiment": 35.0,
    "summary": 1.5,
}


def analyze(conversation: Conversation, progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Analyse a conversation. Pure: reads nothing, writes nothing, calls only `progress`.

    `progress(stage, percent, message)` is called about once per percent with percents
    that never decrease; the last call is `("done", 100.0, ...)`. The result is described
    in docs/result-schema.md; it is bounded in size whatever the conversation's length.
    """
    bar = Progress(progress, _STAGES)
    bar.update("prepare", 0.0, "reading messages")
    prepared = prepare(conversation, bar)
    # every per-speaker list shows the most active MAX_SPEAKERS; totals still count all
    listed = speaker_order(prepared)[:MAX_SPEAKERS]
    bar.update("participation", 0.0, "participation")
    part = participation(prepared)
    bar.update("turns", 0.0, "turn-taking")
    turns = turn_taking(prepared, listed)
    bar.update("timed", 0.0, "talk time")
    talk = timed(prepared, listed, [m.start for m in conversation.messages])
    bar.update("activity", 0.0, "activity")
    act, bins = activity(prepared, listed)
    bar.update("content", 0.0, "questions, links, emoji")
    found = content(prepared, listed, bar)
    # Keywords first: they read the chat's language, which decides whether the English
    # sentiment lexicon may score it.
    bar.update("keywords", 0.0, "counting words")
    # "Person 1" is no keyword: a pseudonymised chat's mentions would all read "person".
    words = keywords(prepared, listed, bar, skip={"person"} if conversation.pseudonymised else None)
    bar.update("sentiment", 0.0, "scoring sentiment")
    mood = sentiment(prepared, listed, bins, bar, words.language)
    bar.update("summary", 0.0, "summary")
    headline = summary(
        participation=part,
        turns=turns,
        timed=talk,
        activity=act,
        content=found,
        sentiment=mood,
    )
    result: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "format": conversation.format,
        "title": conversation.title,
        "pseudonymised": conversation.pseudonymised,
        "sources": to_json(list(conversation.sources)),
        "duplicatesDropped": sum(s.duplicates for s in conversation.sources),
        "overview": {
            "messages": prepared.n,
            "authoredMessages": part.authored_messages,
            "systemMessages": part.system_messages,
            "speakers": len(prepared.speakers),
            "timestampedMessages": prepared.timestamped,
            "timedMessages": prepared.timed,
            "timeResolutionSeconds": turns.time_resolution_seconds,
            "timezone": conversation.timezone,
            "timeBasis": _time_basis(conversation),
            "firstMessage": prepared.moment(min(_times(prepared.time), default=None)),
            "lastMessage": prepared.moment(max(_times(prepared.time), default=None)),
        },
        "summary": to_json(headline),
        "participation": to_json(part),
        "turns": to_json(turns),
        "timed": to_json(talk),
        "activity": to_json(act),
        "content": to_json(found),
        "sentiment": to_json(mood),
        "keywords": to_json(words),
        "diagnostics": to_json(diagnostics(conversation, turns.time_resolution_seconds)),
    }
    bar.update("summary", 1.0, "summary")
    bar.done()
    return result


def _time_basis(conversation: Conversation) -> str | None:
    """How the hours read: "zone" (moved to `timezone`), "offset" (at the offsets the export
    gives, UTC for Slack and Discord), "local" (the phone's wall time), None (no times)."""
    stamps = [m.timestamp for m in conversation.messages if m.timestamp is not None]
    if not stamps:
        return None
    if conversation.timezone is not None:
        return "zone"
    return "offset" if any(t.tzinfo is not None for t in stamps) else "local"


def _times(times: list[float | None]) -> list[float]:
    return [t for t in times if t is not None]
