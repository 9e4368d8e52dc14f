"""WhatsApp chat exports (.txt, Android and iOS, and the .zip around `_chat.txt`).

A message starts on a line with a timestamp header, in one of two layouts:

    Android  `{date}, {time} - {author}: {text}`      (`{date}, {time} - {event}` for system lines)
    iOS      `[{date}, {time}] {author}: {text}`

The date and time follow the phone's locale: `/`, `.` or `-` between day, month and year in
any order, 2- or 4-digit years, 24-hour or 12-hour clocks with or without seconds, and the
AM/PM marker in many spellings (`PM`, `pm`, `p.m.`, `p. m.`, after a space, a no-break space
or the narrow no-break space U+202F). Day/month against month/day is decided once for the
whole file: the order every date is valid in, and when both are, the one in which the chat
runs forwards in time; if that ties too, month first only for a bare `AM`/`PM` with `/`
(US phones). Two-digit years are 20xx. Times are the phone's wall time (naive). Any other
line continues the message above it.

Kinds: a line without `author: ` is a system line, and so is an iOS event (text starting
with U+200E, written with the group as author); media placeholders (`<Media omitted>`,
`image omitted`, `<attached: …>`, `… (file attached)`) are media; deletion markers are
deleted; the `<This message was edited>` marker is cut from the text and sets `edited`.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import pairwise

from parley.analysis.model import Conversation, Message, MessageKind, ReadingNotes
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
    # The author: up to the first `: ` (or a `:` ending the line), at most 100 characters,
    # no quote (a quote means a system line quoting a title: `X changed the subject to
    # "a: b"`). Lazy and bounded, so a long line costs at most 100 steps here.
    r"(?:(?P<author>[^\n:\"\u201c]{1,100}?)(?:: |:\Z))?"
)
_INVISIBLE = str.maketrans("", "", "\u200e\u200f")
# Markers in English and in a few common locales; a locale not listed leaves the message
# as plain text, which is wrong only in its kind.
_EDITED = (
    "<This message was edited>",
    "<this message was edited>",
    "<Diese Nachricht wurde bearbeitet>",
    "<Se editó este mensaje.>",
)
_DELETED = frozenset(
    {
        "This message was deleted",
        "This message was deleted.",
        "You deleted this message",
        "You deleted this message.",
        "Diese Nachricht wurde gelöscht.",
        "Du hast diese Nachricht gelöscht.",
        "Se eliminó este mensaje.",
        "Eliminaste este mensaje.",
        "Mensagem apagada",
        "Ce message a été supprimé",
        "Questo messaggio è stato eliminato",
    }
)
# Android's placeholder for a media file left out of the export, lower-cased.
_MEDIA_OMITTED = frozenset(
    {
        "<media omitted>",
        "<medien ausgeschlossen>",
        "<multimedia omitido>",
        "<mídia oculta>",
        "<médias omis>",
        "<media omessi>",
        "<media weggelaten>",
    }
)
# iOS, exported without media: `image omitted`, `report • 2 pages document omitted`, …
_OMITTED = re.compile(
    r"(?:image|video|audio|GIF|sticker|document|Contact card|photo|video note|"
    r"voice message|view once (?:photo|video|voice message)) omitted\Z",
    re.IGNORECASE,
)
_ENCRYPTION_NOTICE = "end-to-end encrypt"


# One header per message: (line number, the regex match on that line). Continuation lines
# are kept apart, by message index, so the common one-line message allocates nothing more.
_Head = tuple[int, "re.Match[str]"]


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
    heads, more, merged, merged_count = _scan(source.text)
    order, evidence = _date_order(heads)
    stamps: dict[str, datetime] = {}
    messages: list[Message] = []
    append = messages.append
    for index, (number, m) in enumerate(heads):
        # Messages come in bursts within a minute: build each distinct header's time once.
        header = m.group(0)
        stamp = stamps.get(header)
        if stamp is None:
            stamp = stamps[header] = _stamp(m, order, number)
        text = m.string[m.end() :]
        extra = more.get(index)
        if extra is not None:
            text = "\n".join([text, *extra] if text else extra).rstrip("\n")
        append(_message(m.group("author"), text, stamp, extra is not None and "\n" in text))
    title = group_name(messages) or chat_name(source.filename)
    notes = ReadingNotes(
        date_order=order,
        date_evidence=evidence,
        merged_lines=merged_count,
        first_merged=tuple(merged),
    )
    return Conversation(format=NAME, messages=messages, title=title, notes=notes)


# The group's name as its system lines give it, last one wins: `Ana created group "Trip"`,
# `Ana changed the subject from "A" to "B"`, `Ana changed this group's name to "C"`
# (straight or curly quotes, Android and iOS wordings).
_GROUP_NAME = re.compile(
    r"(?:created group|changed the subject (?:from .+? )?to"
    r"|changed (?:this|the) group(?:'s|\u2019s)? name (?:from .+? )?to)"
    r"\s+[\"“”]([^\"“”]{1,100})[\"“”]"
)
# The export's own file name: "WhatsApp Chat with Ana.txt", "WhatsApp Chat - Trip.zip",
# and the wordings of other languages the app writes.
_FILE_NAME = re.compile(
    r"^(?:WhatsApp Chat (?:with|-)|WhatsApp-Chat mit|Chat de WhatsApp con|"
    r"Conversa do WhatsApp com|Discussion WhatsApp avec|WhatsApp-chat met|"
    r"Chat WhatsApp con|WhatsApp Chat med)\s+(.+?)(?:\.txt|\.zip)?$",
    re.IGNORECASE,
)


def group_name(messages: list[Message]) -> str | None:
    """The group's current name, from its creation or renaming lines."""
    name = None
    for message in messages:
        if message.kind is MessageKind.SYSTEM and (found := _GROUP_NAME.search(message.text)):
            name = found.group(1).strip()
    return name or None


def chat_name(filename: str | None) -> str | None:
    """The chat's name from the export's file name (the app names it after the chat)."""
    if not filename:
        return None
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1]
    found = _FILE_NAME.match(stem)
    return found.group(1).strip() or None if found else None


_FIRST_MERGED = 3  # continuation lines quoted in the reading notes
_QUOTED_CHARS = 120


def _scan(text: str) -> tuple[list[_Head], dict[int, list[str]], list[tuple[int, str]], int]:
    """Headers (line number, match), each message's continuation lines, the first few
    continuation lines with their numbers, and how many non-empty ones there are."""
    heads: list[_Head] = []
    more: dict[int, list[str]] = {}
    merged: list[tuple[int, str]] = []
    merged_count = 0
    match = _HEADER.match
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for number, line in enumerate(text.split("\n"), 1):
        m = match(line)
        if m is not None:
            heads.append((number, m))
        elif heads:
            more.setdefault(len(heads) - 1, []).append(line)
            if line.strip():
                merged_count += 1
                if len(merged) < _FIRST_MERGED:
                    merged.append((number, line[:_QUOTED_CHARS]))
        elif line.strip("\ufeff\u200e\t "):
            raise ParseError(
                "the first line is not a WhatsApp message header "
                "(`12/31/23, 21:05 - Name: text` or `[31.12.23, 21:05:09] Name: text`)",
                format=NAME,
                line=number,
            )
    if not heads:
        raise SourceError("the input is empty: no WhatsApp messages", line=1)
    return heads, more, merged, merged_count


def _date_order(heads: list[_Head]) -> tuple[str, str]:
    """'ymd', 'dmy' or 'mdy' for the whole file (see the module docstring), and the
    evidence for it, in words."""
    first = heads[0][1]
    if len(first.group("d1")) == 4:
        return "ymd", f"the year comes first ({_date_text(first)}, line {heads[0][0]})"
    candidates = ["dmy", "mdy"]
    decisive: tuple[int, re.Match[str]] | None = None  # the first date only one order fits
    distinct: list[tuple[int, int, int]] = []
    last: tuple[str, ...] | None = None
    for number, m in heads:
        key = m.group("d1", "d2", "d3")
        if key == last:
            continue
        last = key
        a, b, y = int(key[0]), int(key[1]), int(key[2])
        if a > 12 and "mdy" in candidates:
            candidates.remove("mdy")
            decisive = decisive or (number, m)
        if b > 12 and "dmy" in candidates:
            candidates.remove("dmy")
            decisive = decisive or (number, m)
        if not candidates:
            raise ParseError(
                f"the date {'/'.join(key)} fits neither day/month nor month/day "
                "with the other dates of the file",
                format=NAME,
                line=number,
            )
        distinct.append((y, a, b))
    if len(candidates) == 1:
        order = candidates[0]
        assert decisive is not None
        number, m = decisive
        day = m.group("d1") if order == "dmy" else m.group("d2")
        return order, f"{_date_text(m)} (line {number}) has {int(day)}, which is no month"

    def backwards(order: str) -> int:
        # distinct holds (year, first field, second field); compare as (year, month, day).
        keys = [(y, f, s) if order == "mdy" else (y, s, f) for y, f, s in distinct]
        return sum(1 for x, y in pairwise(keys) if y < x)

    dmy, mdy = backwards("dmy"), backwards("mdy")
    if dmy != mdy:
        order = "dmy" if dmy < mdy else "mdy"
        return order, (
            f"every date fits both orders; read {_ORDER_WORDS[order]}, the chat runs forwards "
            f"in time (it steps back {min(dmy, mdy)} times, against {max(dmy, mdy)} read the "
            "other way)"
        )
    # A tie (say, every date in one day): only US-style phones write month first, with
    # `/` and a bare `AM`/`PM`; `a. m.`, `p.m.` and 24-hour clocks are day-first locales.
    ampm = first.group("ampm")
    us_clock = ampm is not None and ampm.isalpha() and ampm.isascii()
    if us_clock and first.group("sep") == "/":
        return (
            "mdy",
            "every date fits both orders and neither runs backwards; a bare AM/PM "
            "with / is a US phone, which writes the month first",
        )
    return (
        "dmy",
        "every date fits both orders and neither runs backwards; read day first, "
        "as phones outside the US write",
    )


_ORDER_WORDS = {"dmy": "day first", "mdy": "month first", "ymd": "year first"}


def _date_text(m: re.Match[str]) -> str:
    return m.group("sep").join(m.group("d1", "d2", "d3"))


def _stamp(m: re.Match[str], order: str, number: int) -> datetime:
    d1, d2, d3, h, mi, s, ampm = m.group("d1", "d2", "d3", "h", "mi", "s", "ampm")
    if order == "ymd":
        y, mo, d = d1, d2, d3
    elif order == "dmy":
        d, mo, y = d1, d2, d3
    else:
        mo, d, y = d1, d2, d3
    year = int(y)
    if len(y) <= 2:
        year += 2000  # WhatsApp dates from 2009: a two-digit year is this century's
    hour = int(h)
    if ampm is not None:
        if hour > 12:
            raise ParseError(f"{hour} is not a 12-hour clock hour", format=NAME, line=number)
        # `00:08 a. m.` occurs (some Spanish locales): 0 and 12 both mean the hour after midnight.
        hour = hour % 12 + (12 if ampm[0] in "pPn" else 0)
    try:
        return datetime(year, int(mo), int(d), hour, int(mi), int(s or 0))
    except ValueError:
        raise ParseError(
            f"{m.group(0).strip(' -[]')} is not a valid date and time", format=NAME, line=number
        ) from None


def _message(author: str | None, text: str, stamp: datetime, multiline: bool) -> Message:
    # iOS marks the text of events (joins, calls, the encryption notice) with a leading
    # U+200E, and writes them with the group or the other party as author.
    marked = text.startswith("\u200e")
    if "\u200e" in text or "\u200f" in text:
        text = text.translate(_INVISIBLE)
    if author is None:
        return Message(speaker=None, text=text, timestamp=stamp, kind=MessageKind.SYSTEM)
    speaker = author.translate(_INVISIBLE).strip() if "\u200e" in author else author.strip()
    edited = False
    if text.endswith(">"):
        for marker in _EDITED:
            if text.endswith(marker):
                text = text[: -len(marker)].rstrip()
                edited = True
    kind = MessageKind.TEXT
    if len(text) < 60 and text.strip() in _DELETED:
        kind = MessageKind.DELETED
    elif _looks_like_media(text) and _is_media(text):
        kind = MessageKind.MEDIA
    elif (marked and not multiline) or (_ENCRYPTION_NOTICE in text and _is_notice(text)):
        return Message(speaker=None, text=text.strip(), timestamp=stamp, kind=MessageKind.SYSTEM)
    return Message(speaker=speaker, text=text, timestamp=stamp, kind=kind, edited=edited)


def _is_notice(text: str) -> bool:
    stripped = text.strip()
    return stripped.startswith(("Messages", "Your security code")) and stripped.endswith(".")


def _looks_like_media(text: str) -> bool:
    """A cheap pre-check, so ordinary messages skip `_is_media`."""
    return text[:1] == "<" or "omitted" in text or "attached" in text or "maps.google" in text


def _is_media(text: str) -> bool:
    first = text.split("\n", 1)[0].strip()
    if first.lower() in _MEDIA_OMITTED or "<attached: " in first:
        return True
    if first.startswith("Location: https://maps.google.com/"):
        return True  # a shared location (iOS); Android writes it over several lines
    return first.endswith("(file attached)") or _OMITTED.search(first[-40:]) is not None
