"""Small helpers several formats share: times, clocks, mis-encoded text, speaker lines."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from parley.errors import ParseError

__all__ = [
    "allow_fields_of",
    "clock_seconds",
    "content_parts",
    "fix_mojibake",
    "from_epoch",
    "list_title",
    "obj",
    "parse_datetime",
    "seq",
    "split_speaker",
    "text_of",
    "title_from_filename",
]

# Epoch values above this are milliseconds (1e11 s is the year 5138).
_MS_THRESHOLD = 1e11


def from_epoch(value: Any) -> datetime | None:
    """Seconds (or milliseconds) since the epoch, as number or string, to an aware UTC time."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if abs(seconds) > _MS_THRESHOLD:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


# Formats tried after ISO 8601, most specific first (CSV exports of spreadsheets and tools).
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d-%b-%y %I:%M %p",
    "%Y-%m-%d",
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def parse_datetime(value: str) -> datetime | None:
    """ISO 8601 (aware if it has an offset or Z), epoch numbers (aware UTC), common layouts."""
    value = value.strip()
    if not value:
        return None
    if _NUMBER.fullmatch(value):
        return from_epoch(value) if len(value.split(".")[0].lstrip("-")) >= 9 else None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


_CLOCK = re.compile(r"(?:(\d{1,3}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?")


def clock_seconds(value: str) -> float | None:
    """`hh:mm:ss.mmm`, `mm:ss`, `hh:mm:ss,mmm` to seconds; None when it is not a clock."""
    m = _CLOCK.fullmatch(value.strip())
    if m is None:
        return None
    h, mi, s, frac = m.groups()
    seconds = float(int(h or 0) * 3600 + int(mi) * 60 + int(s))
    if frac:
        seconds += int(frac.ljust(3, "0")) / 1000
    return seconds


def fix_mojibake(value: str) -> str:
    """Undo UTF-8 bytes that were escaped as Latin-1 code points (Facebook and Instagram JSON).

    Text that is already right (a code point above U+00FF, or bytes that are not UTF-8)
    comes back unchanged.
    """
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


# `Name: text`. The name is short, starts with no space and has none of the characters
# that start markup or JSON; bounded so a 10 MB line costs one short scan.
_SPEAKER = re.compile(r"([^\s:\"{}\[\]<>()][^:\"{}\[\]<>]{0,59}?):(?:\s+|$)")


def split_speaker(line: str) -> tuple[str | None, str]:
    """`Name: text` to (Name, text); (None, line) when the line names no speaker."""
    m = _SPEAKER.match(line)
    if m is None or "://" in m.group(1):
        return None, line
    return m.group(1).strip(), line[m.end() :]


def allow_fields_of(text: str) -> None:
    """Let the csv module read a field as long as `text` (its default stops at 128 KiB).

    The limit is process-wide; it is only ever raised, to the size of an input already
    in memory, so a long message is read instead of refused.
    """
    if len(text) > csv.field_size_limit():
        csv.field_size_limit(len(text))


def obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one: hostile shapes read as absent."""
    return value if isinstance(value, dict) else {}


def seq(value: Any) -> list[Any]:
    """`value` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def text_of(value: Any, fmt: str, index: int) -> str:
    """A JSON string field, or a clear error when it is something else."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise ParseError(f"text is a {type(value).__name__}, not a string", format=fmt, record=index)


def content_parts(parts: list[Any], type_key: str) -> Iterator[tuple[str, bool] | None]:
    """The parts of a chat message's content, as (text, is_media): strings and objects
    with `text` are text; other objects are media, shown as `<type>` from `type_key`.
    Anything else yields None, for the caller to skip or refuse."""
    for part in parts:
        if isinstance(part, str):
            yield part, False
        elif isinstance(part, dict):
            text = part.get("text")
            if isinstance(text, str):
                yield text, False
            else:
                yield f"<{part.get(type_key, 'attachment')}>", True
        else:
            yield None


# File names exporters give every export, which name no conversation.
_GENERIC_STEM = re.compile(
    r"(?i)^(?:_?chat|chats|messages?(?:_\d+)?|result|conversations?|export|transcript|"
    r"subtitles?|captions?|untitled|download|\d{4}-\d{2}-\d{2}|"
    r"whatsapp|telegram|signal|discord|slack|instagram|messenger|chatgpt)$"
)
_EXTENSION = re.compile(r"(?i)\.(?:txt|json|zip|csv|tsv|vtt|srt|html?)$")
_EXPORTER_ID = re.compile(r"\s*\[\d+\]$")  # DiscordChatExporter: "Guild - channel [id]"


def title_from_filename(filename: str | None) -> str | None:
    """A conversation's name from its file's name, when the file is named for it:
    `Big group chat.txt` -> `Big group chat`; `messages.json` or `2024-01-01.json` name
    nothing and give None."""
    if not filename:
        return None
    stem = _EXTENSION.sub("", filename.replace("\\", "/").rsplit("/", 1)[-1])
    stem = _EXPORTER_ID.sub("", stem).strip()
    return None if not stem or _GENERIC_STEM.match(stem) else stem


def list_title(names: list[str], noun: str, most: int = 3) -> str | None:
    """`#general, #random` or `Ana, Ben, Chloé and 4 more chats`: several named parts."""
    if not names:
        return None
    if len(names) <= most:
        return ", ".join(names)
    rest = len(names) - most
    return f"{', '.join(names[:most])} and {rest} more {noun}{'' if rest == 1 else 's'}"
