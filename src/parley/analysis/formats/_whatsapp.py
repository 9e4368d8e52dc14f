"""WhatsApp chat exports (.txt, Android and iOS, and the .zip around `_chat.txt`).

A message starts on a line with a timestamp header, in one of two layouts:

    Android  `{date}, {time} - {author}: {text}`      (`{date}, {time} - {event}` for system lines)
    iOS      `[{date}, {time}] {author}: {text}`

The date and time follow the phone's locale: `/`, `.` or `-` between day, month and year in
any order, 2- or 4-digit years, 24-hour or 12-hour clocks with or without seconds, and the
AM/PM marker in many spellings (`PM`, `pm`, `p.m.`, `p. m.`, after a space, a no-break space
or the narrow no-break space U+202F). Day/month against month/day is decided once for the
whole file: the order every date is valid in, and when both are, the one in which the chat
runs forwards in time. Any other line continues the message above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._source import Archive, Source, SourceError

__all__ = ["NAME", "detect", "detect_archive", "parse", "parse_archive"]

NAME = "whatsapp"

_SPACE = "[ \u00a0\u202f\u2009]"
_HEADER = re.compile(
    r"[\u200e\u200f\ufeff]*(?P<open>\[)?"
    r"(?P<d1>\d{1,4})(?P<sep>[./-])(?P<d2>\d{1,2})(?P=sep)(?P<d3>\d{1,4})\.?,?" + _SPACE + r"{1,2}"
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
    r"(?:" + _SPACE + r"?(?P<ampm>[AaPp]\.?" + _SPACE + r"?[Mm]\.?|vorm\.|nachm\.))?"
    r"(?(open)\]" + _SPACE + r"|" + _SPACE + r"[-\u2013]" + _SPACE + r")"
)
_INVISIBLE = str.maketrans("", "", "\u200e\u200f")
_EDITED = ("<This message was edited>", "<this message was edited>")
_DELETED = frozenset(
    {
        "This message was deleted",
        "This message was deleted.",
        "You deleted this message",
        "You deleted this message.",
    }
)
_OMITTED = re.compile(
    r"(?:image|video|audio|GIF|sticker|document|Contact card|photo|video note|"
    r"voice message|view once (?:photo|video|voice message)) omitted\Z",
    re.IGNORECASE,
)
_ENCRYPTION_NOTICE = "end-to-end encrypt"


@dataclass(slots=True)
class _Raw:
    line: int
    d1: str
    sep: str
    d2: str
    d3: str
    hour: int
    minute: int
    second: int
    ampm: str | None
    rest: str
    more: list[str] = field(default_factory=list)


def _header_lines(text: str, limit: int) -> tuple[int, int]:
    """(headers, non-empty lines) among the first `limit` non-empty lines."""
    headers = seen = 0
    for line in text.split("\n", limit * 4)[: limit * 4]:
        if not line.strip():
            continue
        seen += 1
        if _HEADER.match(line):
            headers += 1
        if seen >= limit:
            break
    return headers, seen


def detect(source: Source) -> bool:
    first = source.head.lstrip("\ufeff\r\n\t ")
    if not _HEADER.match(first):
        return False
    headers, seen = _header_lines(source.head, 20)
    return headers * 2 >= seen


def _chat_member(names: list[str]) -> str | None:
    txt = [n for n in names if n.lower().endswith(".txt") and "__MACOSX" not in n]
    for n in txt:
        if n.rsplit("/", 1)[-1] == "_chat.txt":
            return n
    return txt[0] if len(txt) == 1 else None


def detect_archive(archive: Archive) -> bool:
    name = _chat_member(archive.names())
    return name is not None and detect(Source(archive.read(name), name))


def parse_archive(archive: Archive) -> Conversation:
    name = _chat_member(archive.names())
    if name is None:
        raise ParseError("the zip holds no _chat.txt or single .txt chat", format=NAME)
    return parse(Source(archive.read(name), name))


def parse(source: Source) -> Conversation:
    raws = _scan(source.text)
    order = _date_order(raws)
    years_first = order == "ymd"
    dates: dict[tuple[str, str, str], date] = {}
    messages: list[Message] = []
    append = messages.append
    for raw in raws:
        key = (raw.d1, raw.d2, raw.d3)
        day = dates.get(key)
        if day is None:
            day = dates[key] = _make_date(raw, order, years_first)
        hour = raw.hour
        if raw.ampm is not None:
            if not 1 <= hour <= 12 and hour != 0:
                raise ParseError(f"{hour} is not a 12-hour clock hour", format=NAME, line=raw.line)
            pm = raw.ampm[0] in "pPn"
            hour = hour % 12 + (12 if pm else 0)
        try:
            stamp = datetime(day.year, day.month, day.day, hour, raw.minute, raw.second)
        except ValueError:
            raise ParseError(
                f"{raw.hour:02d}:{raw.minute:02d} is not a time of day", format=NAME, line=raw.line
            ) from None
        append(_message(raw, stamp))
    return Conversation(format=NAME, messages=messages)


def _scan(text: str) -> list[_Raw]:
    raws: list[_Raw] = []
    current: _Raw | None = None
    match = _HEADER.match
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for number, line in enumerate(text.split("\n"), 1):
        m = match(line)
        if m is None:
            if current is not None:
                current.more.append(line)
            elif line.strip("\ufeff\u200e\t "):
                raise ParseError(
                    "the first line is not a WhatsApp message header "
                    "(`12/31/23, 21:05 - Name: text` or `[31.12.23, 21:05:09] Name: text`)",
                    format=NAME,
                    line=number,
                )
            continue
        d1, sep, d2, d3, h, mi, s, ampm = m.group("d1", "sep", "d2", "d3", "h", "mi", "s", "ampm")
        current = _Raw(number, d1, sep, d2, d3, int(h), int(mi), int(s or 0), ampm, line[m.end() :])
        raws.append(current)
    if not raws:
        raise SourceError("the input is empty: no WhatsApp messages", line=1)
    return raws


def _date_order(raws: list[_Raw]) -> str:
    """'ymd', 'dmy' or 'mdy' for the whole file (see the module docstring)."""
    first = raws[0]
    if len(first.d1) == 4:
        return "ymd"
    candidates = ["dmy", "mdy"]
    distinct: list[tuple[int, int, int]] = []
    last: tuple[str, str, str] | None = None
    for raw in raws:
        key = (raw.d1, raw.d2, raw.d3)
        if key == last:
            continue
        last = key
        a, b, y = int(raw.d1), int(raw.d2), int(raw.d3)
        if a > 12 and "mdy" in candidates:
            candidates.remove("mdy")
        if b > 12 and "dmy" in candidates:
            candidates.remove("dmy")
        if not candidates:
            raise ParseError(
                f"the date {raw.d1}/{raw.d2}/{raw.d3} fits neither day/month nor month/day "
                "with the other dates of the file",
                format=NAME,
                line=raw.line,
            )
        distinct.append((y, a, b))
    if len(candidates) == 1:
        return candidates[0]

    def backwards(order: str) -> int:
        keys = [(y, b, a) if order == "mdy" else (y, a, b) for y, a, b in distinct]
        return sum(1 for x, y in pairwise(keys) if y < x)

    dmy, mdy = backwards("dmy"), backwards("mdy")
    if dmy != mdy:
        return "dmy" if dmy < mdy else "mdy"
    # A tie (say, every date in one day): US phones write month first with a 12-hour clock.
    return "mdy" if first.ampm is not None and first.sep == "/" else "dmy"


def _make_date(raw: _Raw, order: str, years_first: bool) -> date:
    if years_first:
        y, mo, d = raw.d1, raw.d2, raw.d3
    elif order == "dmy":
        d, mo, y = raw.d1, raw.d2, raw.d3
    else:
        mo, d, y = raw.d1, raw.d2, raw.d3
    year = int(y)
    if len(y) <= 2:
        year += 2000  # WhatsApp dates from 2009: a two-digit year is this century's
    try:
        return date(year, int(mo), int(d))
    except ValueError:
        raise ParseError(
            f"{raw.d1}/{raw.d2}/{raw.d3} is not a valid date", format=NAME, line=raw.line
        ) from None


def _split_author(rest: str) -> tuple[str | None, str]:
    """`Author: text` to (author, text); (None, rest) for a system line."""
    colon = rest.find(": ")
    if colon <= 0:
        newline = rest.find("\n")
        first_line = rest if newline < 0 else rest[:newline]
        if first_line.endswith(":") and 0 < len(first_line) <= 101:
            colon = len(first_line) - 1  # `Name:` with the text on the lines below
    if 0 < colon <= 100:
        candidate = rest[:colon]
        # A quote means a system line quoting a title, not a name: `X changed the subject
        # to "a: b"`; a newline means the colon is in a later line of a system message.
        if '"' not in candidate and "\u201c" not in candidate and "\n" not in candidate:
            return candidate.strip(), rest[colon + 1 :].removeprefix(" ")
    return None, rest


def _message(raw: _Raw, stamp: datetime) -> Message:
    rest = raw.rest
    if raw.more:
        rest = "\n".join([rest, *raw.more]).rstrip("\n")
    if "\u200e" in rest or "\u200f" in rest:
        rest = rest.translate(_INVISIBLE)
    speaker, text = _split_author(rest)
    if speaker is None:
        return Message(speaker=None, text=text, timestamp=stamp, kind=MessageKind.SYSTEM)
    edited = False
    for marker in _EDITED:
        if text.endswith(marker):
            text = text[: -len(marker)].rstrip()
            edited = True
    stripped = text.strip()
    if stripped in _DELETED:
        kind = MessageKind.DELETED
    elif _ENCRYPTION_NOTICE in stripped and raw.more == [] and stripped.endswith("."):
        # iOS writes the encryption notice as if the chat (or the other party) said it.
        if stripped.startswith("Messages") or stripped.startswith("Your security code"):
            return Message(speaker=None, text=stripped, timestamp=stamp, kind=MessageKind.SYSTEM)
        kind = MessageKind.TEXT
    elif _is_media(stripped):
        kind = MessageKind.MEDIA
    else:
        kind = MessageKind.TEXT
    return Message(speaker=speaker, text=text, timestamp=stamp, kind=kind, edited=edited)


def _is_media(text: str) -> bool:
    first = text.split("\n", 1)[0].strip()
    if first.lower() == "<media omitted>" or "<attached: " in first:
        return True
    return first.endswith("(file attached)") or _OMITTED.search(first[-40:]) is not None
