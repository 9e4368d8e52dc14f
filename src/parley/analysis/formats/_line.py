"""LINE chat history, the `.txt` the app's "Send chat history" writes on a phone.

LINE publishes no specification; each rule cites the public parsers and fixtures it
comes from:

- A header of three lines: `[LINE] Chat history with NAME` (a one-to-one chat) or
  `[LINE] Chat history in NAME` (a group), `Saved on: …`, then a blank line; in Japanese
  `[LINE] NAMEとのトーク履歴` / `[LINE] NAMEのトーク履歴` and `保存日時` with a full-width
  colon (ChatLab PR #75,
  github.com/ChatLab/ChatLab/pull/75; jyu0414/linelog2py `example/example.txt`;
  arrow2nd/line2json `testdata/talk-mobile.txt`). Older Android exports have no `[LINE] `
  prefix (tupleblog/visualize_line_chat PR #2). The name becomes the title.
- A date line opens each day: `2021/01/01(金)`, `2017/03/12(Sun)` (linelog2py; line2json;
  pullriku/line-history-rs `src/parse.rs`), or `Tue, 01/02/2024` in newer English
  exports (BryceStevenWilley/visioning_texts issue #12; ChatLab's date patterns).
- A message is `TIME<TAB>NAME<TAB>TEXT` (linelog2py `reader.py`; line-history-rs
  `parse_chat_entry`). TIME is `13:48`, `午前11:24` / `午後05:38` (morning, afternoon),
  or `12:00 AM` / `12:00am` (line2json's `to24Hour`; visioning_texts #12; ChatLab).
  `午前` hours are read as written and `午後` adds 12, as line2json does: its fixture has
  `午前11:27`, `午前12:03`, `午後05:38` in that order, so `午前12:03` is three past noon.
  Old Android exports write `24:05` for five past midnight, under the day before's date
  line (tupleblog PR #2): it is read as the next day.
- A text over several lines is written between double quotes, its inner lines as they
  are (Qiita shimajiroxyz/9a06a086ee9730ee3d55; line2json talk-mobile.txt).
- A system line has no name: `TIME<TAB>TEXT` or `TIME<TAB><TAB>TEXT`, such as
  `Alice unsent a message` or `Bがメッセージの送信を取り消しました` (line2json;
  ChatLab's `SYSTEM_MSG_PATTERN`; line-history-rs).
- Media are placeholders for the whole text: `[Photo]`, `[Sticker]`, `[Video]`, `[File]`,
  `[Voice message]`, `[Contact]`, `[Location]`, and `[写真]`, `[スタンプ]`, `[動画]`,
  `[ファイル]`, `[ボイスメッセージ]`, `[連絡先]`, `[位置情報]` (linelog2py `category.py`;
  ChatLab).

The desktop app's "Save chat" writes another layout (spaces, not tabs, between time, name
and text, so a name cannot be told from the text), which this parser does not read.
Times are the phone's wall time (naive).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._source import Source, SourceError

__all__ = ["NAME", "detect", "parse"]

NAME = "line"

_HEADER = re.compile(
    r"^(?:\[LINE\] )?(?:Chat history (?:with|in) (?P<en>.+)|(?P<ja>.+?)(?:との)?トーク履歴)$"
)
_SAVED = re.compile(
    "^(?:Saved on:|\u4fdd\u5b58\u65e5\u6642\uff1a)"
)  # 保存日時 and a full-width colon
_DATE_YMD = re.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})\s*\(\S+\)\s*$")
_DATE_MDY = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})\s*$"
)
_TIME = re.compile(r"^(?:(?P<ja>午前|午後))?(?P<h>\d{1,2}):(?P<mi>\d{2})\s?(?P<ampm>[AaPp][Mm])?$")
_MEDIA = frozenset(
    {
        "[Photo]", "[Sticker]", "[Video]", "[File]", "[Voice message]", "[Contact]",
        "[Location]", "[Album]", "[写真]", "[スタンプ]", "[動画]", "[ファイル]",
        "[ボイスメッセージ]", "[連絡先]", "[位置情報]", "[アルバム]",
    }
)  # fmt: skip


def _date(line: str) -> date | None:
    found = _DATE_YMD.match(line) or _DATE_MDY.match(line)
    if found is None:
        return None
    try:
        return date(int(found["y"]), int(found["m"]), int(found["d"]))
    except ValueError:
        return None


def _time(value: str) -> tuple[int, int] | None:
    """(hour, minute); an hour of 24 is past midnight, the next day (old Android)."""
    found = _TIME.match(value.strip())
    if found is None:
        return None
    hour, minute = int(found["h"]), int(found["mi"])
    ampm = (found["ampm"] or "").lower()
    if found["ja"] == "午後":
        hour = hour + 12 if hour < 12 else hour
    elif ampm == "pm":
        hour = hour % 12 + 12
    elif ampm == "am":
        hour %= 12
    return (hour, minute) if hour <= 24 and minute < 60 else None


def _quoted(first: str, lines: list[str], i: int) -> tuple[str, int]:
    """A text over several lines, between double quotes, from `first` (its opening line)
    to the line that closes it: the text, and the index of the line after it."""
    parts = [first[1:]]
    while i < len(lines):
        more = lines[i]
        i += 1
        if more.endswith('"'):
            parts.append(more[:-1])
            break
        parts.append(more)
    return "\n".join(parts), i


def detect(source: Source) -> bool:
    lines = [ln.rstrip("\r") for ln in source.head.lstrip("\ufeff").split("\n")[:12]]
    if not lines or not _HEADER.match(lines[0].strip()):
        return False
    return any(_SAVED.match(ln) for ln in lines[1:3]) or any(_date(ln) for ln in lines[1:8])


def parse(source: Source) -> Conversation:
    lines = source.text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    header = _HEADER.match(lines[0].strip()) if lines else None
    title = (header["en"] or header["ja"]).strip() if header else None
    messages: list[Message] = []
    day: date | None = None
    i = 1 if header else 0
    n = len(lines)
    while i < n:
        line = lines[i]
        number = i + 1
        i += 1
        if not line.strip() or _SAVED.match(line):
            continue
        if (found_day := _date(line)) is not None:
            day = found_day
            continue
        fields = line.split("\t")
        clock = _time(fields[0]) if len(fields) >= 2 else None
        if clock is None:
            if messages and messages[-1].kind is not MessageKind.SYSTEM:
                # A line outside quotes that continues the message above.
                last = messages[-1]
                messages[-1] = Message(last.speaker, f"{last.text}\n{line}", last.timestamp)
                continue
            raise ParseError(
                "expected a LINE message (`13:48<TAB>Name<TAB>text`) or a date line",
                format=NAME,
                line=number,
            )
        if day is None:
            raise ParseError("a message before any date line", format=NAME, line=number)
        hour, minute = clock
        stamp = datetime(day.year, day.month, day.day, hour % 24, minute)
        if hour == 24:
            stamp += timedelta(days=1)
        if len(fields) == 2 or not fields[1].strip():
            event = "\t".join(fields[1:]).strip()
            messages.append(Message(None, event, stamp, MessageKind.SYSTEM))
            continue
        speaker, text = fields[1].strip(), "\t".join(fields[2:])
        if text.startswith('"') and not (len(text) > 1 and text.endswith('"')):
            text, i = _quoted(text, lines, i)
        kind = MessageKind.MEDIA if text.strip() in _MEDIA else MessageKind.TEXT
        messages.append(Message(speaker, text, stamp, kind))
    if not messages:
        raise SourceError("the input holds no LINE messages", line=1)
    return Conversation(format=NAME, messages=messages, title=title)
