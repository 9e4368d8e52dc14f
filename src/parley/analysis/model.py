"""The normalised conversation every format parses into, and the analysis progress callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "Conversation",
    "Message",
    "MessageKind",
    "ProgressCallback",
    "ReadingNotes",
    "SourceFile",
    "message_to_json",
]


class MessageKind(StrEnum):
    TEXT = "text"
    MEDIA = "media"  # a photo, video, voice note, sticker, file: the text is the placeholder
    SYSTEM = "system"  # no author: joins, leaves, title changes, encryption notices
    DELETED = "deleted"  # its author deleted it: the text is the placeholder the export left


@dataclass(frozen=True, slots=True)
class Message:
    """One message, utterance or cue.

    `timestamp` is aware when the source gives an offset, naive (local wall time) when it
    does not, and None when the source has no dates (a plain transcript).
    `start`/`end` are seconds from the beginning of a timed recording (VTT, SRT, `[00:01:02]`).
    `id` and `reply_to` are the source's message ids, when it has them.
    `edited` is true when the export marks the message as edited after sending.
    """

    speaker: str | None
    text: str
    timestamp: datetime | None = None
    kind: MessageKind = MessageKind.TEXT
    id: str | None = None
    reply_to: str | None = None
    start: float | None = None
    end: float | None = None
    edited: bool = False


@dataclass(frozen=True, slots=True)
class ReadingNotes:
    """How the parser read the export, for the result's `diagnostics`: what it decided
    and on what evidence, and which lines it did not read as messages of their own."""

    runner_up: str | None = None  # another format that also claimed the input
    date_order: str | None = None  # "dmy", "mdy" or "ymd", for formats that must choose
    date_evidence: str | None = None  # why that order: "13/04/2024 (line 12) has day 13"
    merged_lines: int = 0  # lines that continued the message above them
    first_merged: tuple[tuple[int, str], ...] = ()  # (line number, the line): the first few


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file of a conversation read from several (merge.py)."""

    filename: str | None
    format: str
    messages: int  # as read from the file
    duplicates: int  # of them, already in an earlier file: counted once


@dataclass(frozen=True, slots=True)
class Conversation:
    """A parsed conversation: its messages in source order and the format they came from."""

    format: str
    messages: list[Message] = field(default_factory=list)
    title: str | None = None
    pseudonymised: bool = False  # names replaced by Person 1, Person 2, ... (pseudonyms.py)
    notes: ReadingNotes = field(default_factory=ReadingNotes)
    timezone: str | None = None  # the IANA zone its times were moved to (zones.py)
    sources: tuple[SourceFile, ...] = ()  # the files it was read from, when several

    @property
    def speakers(self) -> list[str]:
        """Distinct speakers in order of first appearance."""
        return list(dict.fromkeys(m.speaker for m in self.messages if m.speaker is not None))


# (stage, percent in [0, 100], human message). Called often; must stay cheap for the caller.
ProgressCallback = Callable[[str, float, str], None]


def message_to_json(message: Message) -> dict[str, Any]:
    """The JSON Lines form `parley parse` prints: optional fields only when known."""
    out: dict[str, Any] = {
        "timestamp": message.timestamp.isoformat() if message.timestamp else None,
        "speaker": message.speaker,
        "text": message.text,
        "kind": message.kind.value,
    }
    if message.id is not None:
        out["id"] = message.id
    if message.reply_to is not None:
        out["replyTo"] = message.reply_to
    if message.start is not None:
        out["start"] = message.start
    if message.end is not None:
        out["end"] = message.end
    if message.edited:
        out["edited"] = True
    return out
