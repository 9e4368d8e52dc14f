"""CSV with a header row: a timestamp, a speaker and a text column under common names.

Columns are matched case-blind, ignoring spaces and underscores: text is one of
text/message/content/body, the speaker one of speaker/author/name/from/sender/user, the
time one of timestamp/datetime/time/date (a `date` and a `time` column are joined), and
`start`/`end` give seconds into a recording. The delimiter is the one of `,` `;` tab `|`
the header uses most.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from parley.analysis.model import Conversation, Message
from parley.errors import ParseError

from ._common import allow_fields_of, clock_seconds, parse_datetime
from ._source import Source

__all__ = ["NAME", "detect", "parse"]

NAME = "csv"

_TEXT = ("text", "message", "content", "body", "msg", "messagetext")
_SPEAKER = ("speaker", "author", "name", "from", "sender", "user", "username", "sendername")
_STAMP = ("timestamp", "datetime", "time", "date", "createdat", "sentat", "sent")


def _key(name: str) -> str:
    return name.strip().strip('"').lower().replace(" ", "").replace("_", "").replace("-", "")


def _delimiter(header: str) -> str:
    return max(",;\t|", key=header.count)


def _columns(names: list[str]) -> dict[str, int]:
    keys = [_key(n) for n in names]
    found: dict[str, int] = {}
    for role, aliases in (("text", _TEXT), ("speaker", _SPEAKER), ("stamp", _STAMP)):
        for alias in aliases:
            if alias in keys and keys.index(alias) not in found.values():
                found[role] = keys.index(alias)
                break
    if (
        "date" in keys
        and "time" in keys
        and found.get("stamp") in (keys.index("date"), keys.index("time"))
    ):
        found["stamp"], found["clock"] = keys.index("date"), keys.index("time")
    for role in ("start", "end"):
        if role in keys:
            found[role] = keys.index(role)
    return found


def detect(source: Source) -> bool:
    header = source.head.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    if len(header) > 2000:
        return False
    delimiter = _delimiter(header)
    if delimiter not in header:
        return False
    try:
        cols = _columns(next(csv.reader([header], delimiter=delimiter)))
    except csv.Error:
        return False
    return "text" in cols and "speaker" in cols


def parse(source: Source) -> Conversation:
    text = source.text.lstrip("\ufeff")
    header = text.split("\n", 1)[0].rstrip("\r")
    allow_fields_of(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header[:2000]))
    messages: list[Message] = []
    try:
        names = next(reader, None)
        if names is None:
            raise ParseError("the input is empty: no header row", format=NAME, line=1)
        cols = _columns(names)
        if "text" not in cols:
            raise ParseError(
                f"no text column (one of {', '.join(_TEXT[:4])}) in the header {names!r}",
                format=NAME,
                line=1,
            )
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            messages.append(_row(row, cols, reader.line_num))
    except csv.Error as exc:
        raise ParseError(f"broken CSV: {exc}", format=NAME, line=reader.line_num) from None
    return Conversation(format=NAME, messages=messages)


def _cell(row: list[str], cols: dict[str, int], role: str) -> str:
    index = cols.get(role)
    return row[index].strip() if index is not None and index < len(row) else ""


def _seconds(value: str) -> float | None:
    """`12.5` or `00:00:12.500` to seconds; None when empty or neither."""
    try:
        return float(value)
    except ValueError:
        return clock_seconds(value) if value else None


def _row(row: list[str], cols: dict[str, int], line: int) -> Message:
    stamp_text = _cell(row, cols, "stamp")
    if "clock" in cols:
        stamp_text = f"{stamp_text} {_cell(row, cols, 'clock')}".strip()
    stamp: datetime | None = None
    start = _seconds(_cell(row, cols, "start"))
    end = _seconds(_cell(row, cols, "end"))
    if stamp_text:
        stamp = parse_datetime(stamp_text)
        if stamp is None:
            start = start if start is not None else clock_seconds(stamp_text)
            if start is None:
                raise ParseError(f"cannot read the time {stamp_text!r}", format=NAME, line=line)
    row_text = row[cols["text"]] if cols["text"] < len(row) else ""
    speaker = _cell(row, cols, "speaker") or None
    return Message(speaker=speaker, text=row_text, timestamp=stamp, start=start, end=end)
