"""The synthetic chat of `_gen` written out in each format's layout, for real-sized tests
and the per-format parse benchmark.

Each writer follows the layout of the hand-written fixture in tests/fixtures/formats/,
whose rules the parser's docstring cites: the same conversation in every format, so the
parsers can be checked against one another and against what was written. A writer keeps
what its format can carry: `precision` is the timestamp resolution it writes, and a
format with handles instead of names writes `handle(name)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from bench._gen import whatsapp_text
from parley.analysis.model import Message, MessageKind

__all__ = ["FORMATS", "Written", "handle"]

_ME = "Alice"  # the exporting person, where a format writes "Me" for them


def handle(name: str) -> str:
    """iMessage names a contact by phone number: one stable number per name."""
    return f"+1555{sum(map(ord, name)) * 7919 % 10_000_000:07d}"


def _imessage(msgs: list[Message]) -> str:
    blocks: list[str] = []
    for m in msgs:
        assert m.timestamp is not None
        assert m.speaker is not None
        stamp = m.timestamp.strftime("%b %d, %Y %l:%M:%S %p")
        who = "Me" if m.speaker == _ME else handle(m.speaker)
        body = f"/Users/me/Library/Messages/Attachments/{len(blocks):06d}/IMG.heic"
        blocks.append(f"{stamp}\n{who}\n{m.text if m.kind is MessageKind.TEXT else body}\n")
    return "\n".join(blocks)


def _line(msgs: list[Message]) -> str:
    out = ["[LINE] Chat history in Synthetic group", "Saved on: 2025/01/01 10:00", ""]
    day = None
    for m in msgs:
        assert m.timestamp is not None
        if m.timestamp.date() != day:
            day = m.timestamp.date()
            out += ["", m.timestamp.strftime("%a, %m/%d/%Y")]
        text = m.text if m.kind is MessageKind.TEXT else "[Photo]"
        out.append(f"{m.timestamp:%H:%M}\t{m.speaker}\t{text}")
    return "\n".join(out) + "\n"


def _utc(m: Message) -> datetime:
    assert m.timestamp is not None
    return m.timestamp.replace(tzinfo=UTC)


def _googlechat(msgs: list[Message]) -> str:
    items = []
    for i, m in enumerate(msgs):
        t = _utc(m)
        hour = t.hour % 12 or 12
        item: dict[str, object] = {
            "creator": {"name": m.speaker, "email": "x@example.com", "user_type": "Human"},
            "created_date": f"{t:%A, %B} {t.day}, {t.year} at {hour}:{t:%M:%S %p} UTC",
            "topic_id": f"t{i}",
            "message_id": f"g/t{i}/t{i}",
        }
        if m.kind is MessageKind.TEXT:
            item["text"] = m.text
        else:
            item["attached_files"] = [{"original_name": "a.png", "export_name": "File-a.png"}]
        items.append(item)
    return json.dumps({"messages": items}, ensure_ascii=False, indent=2)


def _teams(msgs: list[Message]) -> str:
    items = []
    for i, m in enumerate(msgs):
        media = m.kind is not MessageKind.TEXT
        items.append(
            {
                "id": str(i),
                "displayName": None if m.speaker == _ME else m.speaker,
                "originalarrivaltime": f"{_utc(m):%Y-%m-%dT%H:%M:%S}.000Z",
                "messagetype": "RichText/UriObject" if media else "RichText/Html",
                "version": i,
                "content": "<URIObject/>" if media else f"<p>{escape(m.text)}</p>",
                "conversationid": "19:synthetic@thread.skype",
                "from": f"8:live:{m.speaker}",
                "properties": None,
                "amsreferences": None,
            }
        )
    # one's own messages carry no displayName: the parser names them from the MRI
    export = {
        "userId": f"8:live:{_ME}",
        "exportDate": "2025-01-01T10:00",
        "conversations": [
            {
                "id": "19:synthetic@thread.skype",
                "displayName": "Synthetic group",
                "version": 1,
                "properties": {},
                "threadProperties": {"topic": "Synthetic group"},
                "MessageList": items[::-1],  # the export lists the newest first
            }
        ],
    }
    return json.dumps(export, ensure_ascii=False, indent=1)


def _messenger(msgs: list[Message]) -> str:
    blocks = []
    for m in reversed(msgs):  # newest first, as Facebook writes it
        assert m.timestamp is not None
        assert m.speaker is not None
        t = m.timestamp
        stamp = f"{t:%b} {t.day}, {t.year} {t.hour % 12 or 12}:{t:%M:%S}{t:%p}".lower()
        stamp = stamp[:1].upper() + stamp[1:]
        if m.kind is MessageKind.TEXT:
            body = f"<div><div></div><div>{escape(m.text)}</div><div></div><div></div></div>"
        else:
            body = '<div><div></div><div><img src="photos/1.jpg" /></div></div>'
        blocks.append(
            f'<div class="_a6-g"><div class="_2ph_ _a6-h _a6-i">{escape(m.speaker)}</div>'
            f'<div class="_2ph_ _a6-p">{body}</div>'
            f'<div class="_3-94 _a6-o"><div class="_a72d">{stamp}</div></div></div>'
        )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8" /><title>Synthetic group</title>'
        '</head><body><div class="_a706" role="main">' + "".join(blocks) + "</div></body></html>"
    )


@dataclass(frozen=True, slots=True)
class Written:
    """A format's writer: `filename` is what its export is called, `precision` the
    seconds its timestamps keep, `speaker(name)` how it names a person."""

    write: Callable[[list[Message]], str]
    filename: str
    precision: int
    speaker: Callable[[str], str]


def _named(name: str) -> str:
    return name


def _imessage_speaker(name: str) -> str:
    return "Me" if name == _ME else handle(name)


FORMATS = {
    "whatsapp": Written(whatsapp_text, "WhatsApp Chat with Synthetic group.txt", 60, _named),
    "imessage": Written(_imessage, "Synthetic group.txt", 1, _imessage_speaker),
    "line": Written(_line, "[LINE] Chat in Synthetic group.txt", 60, _named),
    "googlechat": Written(_googlechat, "messages.json", 1, _named),
    "teams": Written(_teams, "messages.json", 1, _named),
    "messenger": Written(_messenger, "message_1.html", 1, _named),
}
