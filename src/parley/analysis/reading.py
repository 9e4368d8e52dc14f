"""How the export was read: the result's `diagnostics`.

The most common complaint about chat analysers is a parse that silently misreads: day
and month swapped, a format mistaken for another, lines dropped. parley shows its work:
the format and the runner-up, the date order and the evidence for it, the timestamps'
resolution, the lines that continued a message rather than starting one, and the system
lines by kind.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from parley.analysis.model import Conversation, MessageKind

__all__ = ["Diagnostics", "MergedLine", "diagnostics"]

# System lines by what they say (the wordings of WhatsApp, Telegram and Signal, English).
_KINDS = (
    ("encryption notice", re.compile(r"end-to-end encrypted|security code", re.I)),
    ("created the group", re.compile(r"\bcreated (?:the )?group\b", re.I)),
    ("renamed the group", re.compile(r"changed (?:the subject|(?:this|the) group)", re.I)),
    ("joined", re.compile(r"\bjoined\b", re.I)),
    ("added someone", re.compile(r"\badded\b", re.I)),
    ("left", re.compile(r"\bleft\b", re.I)),
    ("removed someone", re.compile(r"\bremoved\b", re.I)),
    (
        "changed a picture or description",
        re.compile(
            r"\bchanged (?:this |the )?group'?s? "
            r"(?:icon|description|photo)",
            re.I,
        ),
    ),
    ("pinned a message", re.compile(r"\bpinned\b", re.I)),
    ("call", re.compile(r"\b(?:missed|voice|video) call\b", re.I)),
    ("number changed", re.compile(r"changed (?:their|his|her) phone number|changed to \+", re.I)),
)


@dataclass(frozen=True, slots=True)
class MergedLine:
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Diagnostics:
    format: str
    runner_up: str | None  # another format that also claimed the input
    date_order: str | None  # "dmy", "mdy", "ymd"; None when the format has no choice to make
    date_evidence: str | None
    time_resolution_seconds: float | None
    messages: int
    merged_lines: int  # lines that continued the message above them
    first_merged: list[MergedLine] = field(default_factory=list)
    system_lines: dict[str, int] = field(default_factory=dict)  # kind -> count, most first


def _kind(text: str) -> str:
    for name, pattern in _KINDS:
        if pattern.search(text):
            return name
    return "other"


def diagnostics(conversation: Conversation, resolution: float | None) -> Diagnostics:
    notes = conversation.notes
    kinds = Counter(_kind(m.text) for m in conversation.messages if m.kind is MessageKind.SYSTEM)
    return Diagnostics(
        format=conversation.format,
        runner_up=notes.runner_up,
        date_order=notes.date_order,
        date_evidence=notes.date_evidence,
        time_resolution_seconds=resolution,
        messages=len(conversation.messages),
        merged_lines=notes.merged_lines,
        first_merged=[MergedLine(line, text) for line, text in notes.first_merged],
        system_lines=dict(kinds.most_common()),
    )
