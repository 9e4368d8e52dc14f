"""Instagram and Facebook Messenger JSON exports (`message_1.json`, …; the same schema).

`{participants: [{name}], messages: [{sender_name, timestamp_ms, content, photos, …}]}`.
The files list messages newest first; the conversation comes out oldest first. Their text
is UTF-8 whose bytes were written as Latin-1 escapes (`\u00c3\u00a9` for `é`); it is mended
with `fix_mojibake`, which leaves text that is already right alone. Several files (one
thread split in parts, or several threads in a zip) make one conversation in time order.
"""

from __future__ import annotations

import re
from typing import Any

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._common import fix_mojibake, from_epoch
from ._source import Archive, Source, load_member_json

__all__ = ["NAME", "detect", "detect_archive", "detect_json", "parse", "parse_archive"]

NAME = "instagram"

_MEDIA_KEYS = ("photos", "videos", "audio_files", "gifs", "files", "sticker")
_SYSTEM_TYPES = frozenset({"Call", "Subscribe", "Unsubscribe"})
_MEMBER = re.compile(r"(?:^|/)message_\d+\.json\Z")


def detect_json(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
        return False
    messages = doc["messages"]
    if not messages:
        return isinstance(doc.get("participants"), list)
    first = messages[0]
    return isinstance(first, dict) and "sender_name" in first and "timestamp_ms" in first


def detect(source: Source) -> bool:
    return detect_json(source.json_or_none())


def _members(archive: Archive) -> list[str]:
    return sorted(n for n in archive.names() if _MEMBER.search(n))


def detect_archive(archive: Archive) -> bool:
    return bool(_members(archive))


def parse_archive(archive: Archive) -> Conversation:
    names = _members(archive)
    if not names:
        raise ParseError("the archive holds no message_N.json", format=NAME)
    return _build([load_member_json(archive, n) for n in names])


def parse(source: Source) -> Conversation:
    return _build([source.json])


def _build(docs: list[Any]) -> Conversation:
    rows: list[tuple[int, Message]] = []
    title: str | None = None
    record = 0
    for doc in docs:
        if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
            raise ParseError("expected a JSON object with a `messages` list", format=NAME)
        if title is None and isinstance(doc.get("title"), str):
            title = fix_mojibake(doc["title"])
        part: list[tuple[int, Message]] = []
        for item in doc["messages"]:
            part.append(_message(item, record))
            record += 1
        if len(part) > 1 and part[0][0] > part[-1][0]:
            part.reverse()  # newest first, as the exports write them
        rows.extend(part)
    rows.sort(key=lambda row: row[0])  # stable: equal times keep their (now oldest-first) order
    return Conversation(format=NAME, messages=[m for _, m in rows], title=title)


def _message(item: Any, record: int) -> tuple[int, Message]:
    if not isinstance(item, dict) or "timestamp_ms" not in item:
        raise ParseError("a message has no `timestamp_ms`", format=NAME, record=record)
    millis = item["timestamp_ms"]
    if not isinstance(millis, int | float) or isinstance(millis, bool):
        raise ParseError("`timestamp_ms` is not a number", format=NAME, record=record)
    stamp = from_epoch(millis / 1000)
    sender = item.get("sender_name")
    speaker = fix_mojibake(sender) if isinstance(sender, str) else None
    content = item.get("content")
    text = fix_mojibake(content) if isinstance(content, str) else ""
    if item.get("is_unsent"):
        kind = MessageKind.DELETED
        text = text or "This message was unsent"
    elif item.get("type") in _SYSTEM_TYPES:
        # A system message has no author (the model's contract); the text keeps who.
        kind = MessageKind.SYSTEM
        if speaker is not None and speaker not in text:
            text = f"{text} ({speaker})" if text else f"{item['type']} ({speaker})"
        speaker = None
    elif any(item.get(key) for key in _MEDIA_KEYS):
        kind = MessageKind.MEDIA
        text = text or "<" + next(k for k in _MEDIA_KEYS if item.get(k)).rstrip("s") + ">"
    else:
        kind = MessageKind.TEXT
        share = item.get("share")
        if not text and isinstance(share, dict) and isinstance(share.get("link"), str):
            text = share["link"]
    return int(millis), Message(speaker=speaker, text=text, timestamp=stamp, kind=kind)
