"""Timed captions: WebVTT and SRT. Each cue gives `start`/`end` in seconds.

The speaker comes from a WebVTT voice span (`<v Name>text</v>`, as Teams writes) or a
`Name: text` payload (as Zoom writes); a cue with neither has no speaker. A cue with
several voices gives one message per voice. Other markup (`<i>`, `<c.x>`, `<00:00:01.000>`)
is dropped and HTML entities are decoded. Lines of one speaker in one cue are joined
with a space: caption lines are wrapped for the screen, not by the speaker.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from parley.analysis.model import Conversation, Message
from parley.errors import ParseError

from ._common import clock_seconds, split_speaker
from ._source import Source, SourceError

__all__ = ["SRT", "VTT", "detect_srt", "detect_vtt", "parse_srt", "parse_vtt"]

VTT = "vtt"
SRT = "srt"

_TIMING = re.compile(r"\s*(\S{4,16})\s+-->\s+(\S{4,16})(?:\s.*)?")
_VOICE = re.compile(r"<v(?:\.[^\s>]{0,100})?(?:\s+([^>]{0,200}))?>")
_TAG = re.compile(r"</?[^<>]{0,200}>")


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each blank-line-separated block."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def detect_vtt(source: Source) -> bool:
    return source.head.lstrip("\ufeff").startswith("WEBVTT")


def detect_srt(source: Source) -> bool:
    lines = source.head.lstrip("\ufeff \r\n").split("\n", 3)[:2]
    if lines and lines[0].strip().isdigit():
        lines = lines[1:]
    return (
        bool(lines) and "-->" in lines[0] and _TIMING.fullmatch(lines[0].rstrip("\r")) is not None
    )


def _cue_times(line: str, fmt: str, number: int) -> tuple[float, float] | None:
    m = _TIMING.fullmatch(line)
    if m is None:
        return None
    start, end = clock_seconds(m.group(1)), clock_seconds(m.group(2))
    if start is None or end is None:
        raise ParseError(f"bad cue timing {line.strip()!r}", format=fmt, line=number)
    return start, end


def _utterances(payload: list[str]) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, list[str]]] = []
    for raw in payload:
        if "<v" in raw:
            pieces = _VOICE.split(raw)
            # split() gives [before, name1, after1, name2, after2, …]
            if pieces[0].strip():
                _add(out, None, pieces[0], continuation=True)
            for name, after in zip(pieces[1::2], pieces[2::2], strict=True):
                _add(out, (name or "").strip() or None, after, continuation=False)
            continue
        line = _TAG.sub("", raw).strip()
        speaker, rest = split_speaker(line)
        if speaker is not None:
            _add(out, speaker, rest, continuation=False)
        else:
            _add(out, None, line, continuation=True)
    return [(speaker, html.unescape(" ".join(parts))) for speaker, parts in out if parts]


def _add(
    out: list[tuple[str | None, list[str]]], speaker: str | None, text: str, *, continuation: bool
) -> None:
    text = _TAG.sub("", text).strip()
    if continuation and out:
        if text:
            out[-1][1].append(text)
        return
    out.append((speaker, [text] if text else []))


def _parse(source: Source, fmt: str, *, vtt: bool) -> Conversation:
    messages: list[Message] = []
    blocks = _blocks(source.text.lstrip("\ufeff"))
    if vtt:
        first = next(blocks, None)
        if first is None or not first[1][0].startswith("WEBVTT"):
            raise ParseError("a WebVTT file starts with `WEBVTT`", format=fmt, line=1)
    for number, lines in blocks:
        head = lines[0].strip()
        if vtt and head.split(" ", 1)[0] in ("NOTE", "STYLE", "REGION"):
            continue
        timing_at = 0
        times = _cue_times(lines[0], fmt, number)
        if times is None and len(lines) > 1:
            timing_at = 1  # an identifier (SRT's running number) before the timing line
            times = _cue_times(lines[1], fmt, number + 1)
        if times is None:
            raise ParseError(
                "expected a cue timing line `00:00:01.000 --> 00:00:04.000`",
                format=fmt,
                line=number + min(1, len(lines) - 1),
            )
        for speaker, text in _utterances(lines[timing_at + 1 :]):
            messages.append(Message(speaker=speaker, text=text, start=times[0], end=times[1]))
    if not messages and not vtt:
        raise SourceError("the input is empty: no SRT cues", line=1)
    return Conversation(format=fmt, messages=messages)


def parse_vtt(source: Source) -> Conversation:
    return _parse(source, VTT, vtt=True)


def parse_srt(source: Source) -> Conversation:
    return _parse(source, SRT, vtt=False)
