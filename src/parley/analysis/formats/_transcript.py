"""Plain transcripts: `Name: text` lines, optionally timed (`[00:01:02] Name: text`).

A line that names no speaker continues the message above it. A timed line gives the
message's `start` in seconds from the beginning of the recording; there are no dates.
"""

from __future__ import annotations

import re

from parley.analysis.model import Conversation, Message
from parley.errors import ParseError

from ._common import clock_seconds, split_speaker
from ._source import Source, SourceError

__all__ = ["NAME", "detect", "parse"]

NAME = "transcript"

_TIME = re.compile(
    r"(?:\[(\d{1,3}(?::\d{2}){1,2}(?:[.,]\d{1,3})?)\]|\((\d{1,3}(?::\d{2}){1,2}(?:[.,]\d{1,3})?)\)|(\d{1,2}(?::\d{2}){1,2}))\s+"
)


def _head(line: str) -> tuple[bool, float | None, str | None, str]:
    """(starts a message, start seconds, speaker, text) for one line."""
    start: float | None = None
    rest = line
    m = _TIME.match(line)
    if m is not None:
        start = clock_seconds(next(g for g in m.groups() if g))
        rest = line[m.end() :]
    speaker, text = split_speaker(rest)
    return (speaker is not None or start is not None), start, speaker, text


def detect(source: Source) -> bool:
    lines = [ln for ln in source.head.lstrip("\ufeff").split("\n")[:60] if ln.strip()][:30]
    if not lines or (split_speaker(lines[0])[0] is None and not _TIME.match(lines[0])):
        return False
    heads = [_head(ln) for ln in lines]
    starts = sum(1 for head in heads if head[0])
    # Someone must be named: times alone ("13:40<TAB>…") are another format's lines, and a
    # transcript of nobody would be read as a conversation of no one.
    named = any(head[2] is not None for head in heads)
    return named and starts * 2 >= len(lines)


def parse(source: Source) -> Conversation:
    text = source.text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    messages: list[Message] = []
    current: tuple[str | None, float | None, list[str]] | None = None

    def flush() -> None:
        if current is not None:
            speaker, start, parts = current
            messages.append(
                Message(speaker=speaker, text="\n".join(parts).strip("\n"), start=start)
            )

    for number, line in enumerate(text.split("\n"), 1):
        starts, start, speaker, rest = _head(line)
        if starts:
            flush()
            current = (speaker, start, [rest.strip()])
        elif current is not None:
            current[2].append(line.strip())
        elif line.strip():
            raise ParseError(
                "expected a `Name: text` or `[00:01:02] Name: text` line", format=NAME, line=number
            )
    flush()
    if not messages:
        raise SourceError("the input is empty: no transcript lines", line=1)
    return Conversation(format=NAME, messages=messages)
