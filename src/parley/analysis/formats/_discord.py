"""DiscordChatExporter exports, JSON and CSV.

JSON: `{guild, channel, messages: [{id, type, timestamp, content, author: {name, nickname},
attachments, reactions, reference: {messageId}}]}`. The speaker is the author's server
nickname when set, else the user name. `Default` and `Reply` messages are speech; other
types (joins, pins, calls, thread starts) are system messages. Reactions, embeds and
stickers are not part of the model and are passed over.

CSV: `AuthorID,Author,Date,Content,Attachments,Reactions`; it has no ids or replies.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._common import allow_fields_of, parse_datetime, seq
from ._source import Source

__all__ = ["NAME", "detect", "detect_csv", "detect_json", "parse"]

NAME = "discord"

_SPEECH_TYPES = frozenset({"Default", "Reply", "0", "19"})
_CSV_COLUMNS = ("AuthorID", "Author", "Date", "Content")


def detect_json(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
        return False
    if "guild" in doc and "channel" in doc:
        return True
    first = doc["messages"][0] if doc["messages"] else None
    return (
        isinstance(first, dict) and isinstance(first.get("author"), dict) and "timestamp" in first
    )


def detect_csv(source: Source) -> bool:
    header = source.head.split("\n", 1)[0]
    return all(f'"{c}"' in header or c in header.split(",") for c in _CSV_COLUMNS)


def detect(source: Source) -> bool:
    if source.looks_like_json:
        return detect_json(source.json_or_none())
    return detect_csv(source)


def parse(source: Source) -> Conversation:
    if source.looks_like_json:
        return _parse_json(source.json)
    if not detect_csv(source):
        raise ParseError(
            "neither DiscordChatExporter JSON nor CSV with AuthorID,Author,Date,Content",
            format=NAME,
            line=1,
        )
    return _parse_csv(source.text)


def _parse_json(doc: Any) -> Conversation:
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
        raise ParseError("expected a JSON object with a `messages` list", format=NAME)
    messages = [_json_message(item, i) for i, item in enumerate(doc["messages"])]
    channel = doc.get("channel")
    title = channel.get("name") if isinstance(channel, dict) else None
    return Conversation(
        format=NAME, messages=messages, title=title if isinstance(title, str) else None
    )


def _json_message(item: Any, record: int) -> Message:
    if not isinstance(item, dict) or not isinstance(item.get("author"), dict):
        raise ParseError("a message has no `author` object", format=NAME, record=record)
    stamp = parse_datetime(str(item.get("timestamp") or ""))
    if stamp is None:
        raise ParseError(f"bad timestamp {item.get('timestamp')!r}", format=NAME, record=record)
    author = item["author"]
    speaker = author.get("nickname") or author.get("name")
    content = item.get("content")
    text = content if isinstance(content, str) else ""
    kind = MessageKind.TEXT
    if str(item.get("type", "Default")) not in _SPEECH_TYPES:
        # A system message has no author (the model's contract); the text keeps who.
        kind = MessageKind.SYSTEM
        if speaker is not None and str(speaker) not in text:
            text = f"{text} ({speaker})" if text else f"{item.get('type')} ({speaker})"
        speaker = None
    elif not text.strip() and (item.get("attachments") or item.get("stickers")):
        kind = MessageKind.MEDIA
        names = [
            str(a.get("fileName") or a.get("name") or "attachment")
            for a in seq(item.get("attachments")) + seq(item.get("stickers"))
            if isinstance(a, dict)
        ]
        text = ", ".join(names) or "<attachment>"
    reference = item.get("reference")
    reply_to = reference.get("messageId") if isinstance(reference, dict) else None
    return Message(
        speaker=str(speaker) if speaker is not None else None,
        text=text,
        timestamp=stamp,
        kind=kind,
        id=str(item["id"]) if item.get("id") is not None else None,
        reply_to=str(reply_to) if reply_to is not None else None,
        edited=bool(item.get("timestampEdited")),
    )


def _parse_csv(text: str) -> Conversation:
    allow_fields_of(text)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    messages: list[Message] = []
    try:
        for row in reader:
            line = reader.line_num
            stamp: datetime | None = parse_datetime(row.get("Date") or "")
            if stamp is None:
                raise ParseError(f"bad Date {row.get('Date')!r}", format=NAME, line=line)
            content = row.get("Content") or ""
            attachments = row.get("Attachments") or ""
            kind = MessageKind.TEXT
            if not content.strip() and attachments.strip():
                kind, content = MessageKind.MEDIA, attachments
            messages.append(
                Message(speaker=row.get("Author") or None, text=content, timestamp=stamp, kind=kind)
            )
    except csv.Error as exc:
        raise ParseError(f"broken CSV: {exc}", format=NAME, line=reader.line_num) from None
    return Conversation(format=NAME, messages=messages)
