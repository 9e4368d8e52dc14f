"""Signal text exports: `[YYYY-MM-DD, HH:MM] Name: text`, other lines continue a message.

Times are the phone's local wall time (naive). A line with a header but no `Name: ` is a
system line (a group change, a safety-number notice).
"""

from __future__ import annotations

import re
from datetime import datetime

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._source import Source, SourceError

__all__ = ["NAME", "detect", "parse"]

NAME = "signal"

# No seconds: that is what tells it from an iOS WhatsApp export with ISO dates.
_HEADER = re.compile(r"\[(\d{4})-(\d{2})-(\d{2}),? (\d{2}):(\d{2})\] ")


def detect(source: Source) -> bool:
    lines = [ln for ln in source.head.lstrip("\ufeff").split("\n")[:20] if ln.strip()]
    if not lines or not _HEADER.match(lines[0]):
        return False
    return sum(1 for ln in lines if _HEADER.match(ln)) * 2 >= len(lines)


def parse(source: Source) -> Conversation:
    text = source.text.replace("\r\n", "\n")
    messages: list[Message] = []
    stamp: datetime | None = None
    speaker: str | None = None
    parts: list[str] = []

    def flush() -> None:
        if stamp is not None:
            body = "\n".join(parts).rstrip("\n")
            kind = MessageKind.TEXT if speaker is not None else MessageKind.SYSTEM
            messages.append(Message(speaker=speaker, text=body, timestamp=stamp, kind=kind))

    for number, line in enumerate(text.split("\n"), 1):
        m = _HEADER.match(line)
        if m is None:
            if stamp is None and line.strip("\ufeff \t"):
                raise ParseError(
                    "expected a `[YYYY-MM-DD, HH:MM] Name: text` header", format=NAME, line=number
                )
            parts.append(line)
            continue
        flush()
        y, mo, d, h, mi = (int(g) for g in m.groups())
        try:
            stamp = datetime(y, mo, d, h, mi)
        except ValueError:
            raise ParseError(
                f"{m.group(0).strip()} is not a valid time", format=NAME, line=number
            ) from None
        rest = line[m.end() :]
        colon = rest.find(": ")
        if colon > 0:
            speaker, parts = rest[:colon].strip(), [rest[colon + 2 :]]
        else:
            speaker, parts = None, [rest]
    flush()
    if not messages:
        raise SourceError("the input is empty: no Signal messages", line=1)
    return Conversation(format=NAME, messages=messages)
