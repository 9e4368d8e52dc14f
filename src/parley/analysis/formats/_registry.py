"""The formats, how one is recognised, and the two entry points `parse` and `parse_path`.

Detection goes by content: zips by their members, JSON by its shape, text by its first
lines. The file name's extension only decides which formats are asked first. An explicit
format is parsed as that format and nothing else: where it does not fit, the ParseError
names it and the line or record where it broke.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parley.analysis.model import Conversation
from parley.errors import InputError, ParleyError, ParseError, UnknownFormatError

from . import (
    _chatgpt,
    _discord,
    _googlechat,
    _imessage,
    _instagram,
    _line,
    _messenger,
    _signal,
    _slack,
    _subtitles,
    _table,
    _teams,
    _telegram,
    _transcript,
    _whatsapp,
)
from ._common import title_from_filename
from ._shape import closest, json_shape
from ._source import Archive, DirArchive, Source, SourceError, ZipArchive

__all__ = ["FORMAT_NAMES", "check", "parse", "parse_path"]


@dataclass(frozen=True, slots=True)
class _Format:
    name: str
    detect: Callable[[Source], bool]
    parse: Callable[[Source], Conversation]
    json: bool  # its files are JSON documents
    suffixes: tuple[str, ...]
    detect_archive: Callable[[Archive], bool] | None = None
    parse_archive: Callable[[Archive], Conversation] | None = None


# Detection order matters where shapes overlap: Signal's header is a special case of
# WhatsApp's; Discord's CSV is a special case of generic CSV; a transcript is the loosest.
_FORMATS: tuple[_Format, ...] = (
    _Format(
        "whatsapp",
        _whatsapp.detect,
        _whatsapp.parse,
        False,
        (".txt",),
        _whatsapp.detect_archive,
        _whatsapp.parse_archive,
    ),
    _Format(
        "telegram",
        _telegram.detect,
        _telegram.parse,
        True,
        (".json",),
        _telegram.detect_archive,
        _telegram.parse_archive,
    ),
    _Format(
        "slack",
        _slack.detect,
        _slack.parse,
        True,
        (".json",),
        _slack.detect_archive,
        _slack.parse_archive,
    ),
    _Format("discord", _discord.detect, _discord.parse, True, (".json", ".csv")),
    _Format(
        "chatgpt",
        _chatgpt.detect_chatgpt,
        _chatgpt.parse_chatgpt,
        True,
        (".json",),
        _chatgpt.detect_archive,
        _chatgpt.parse_archive,
    ),
    _Format("messages", _chatgpt.detect_messages, _chatgpt.parse_messages, True, (".json",)),
    _Format(
        "instagram",
        _instagram.detect,
        _instagram.parse,
        True,
        (".json",),
        _instagram.detect_archive,
        _instagram.parse_archive,
    ),
    _Format(
        "googlechat",
        _googlechat.detect,
        _googlechat.parse,
        True,
        (".json",),
        _googlechat.detect_archive,
        _googlechat.parse_archive,
    ),
    _Format("teams", _teams.detect, _teams.parse, True, (".json",)),
    _Format(
        "messenger",
        _messenger.detect,
        _messenger.parse,
        False,
        (".html", ".htm"),
        _messenger.detect_archive,
        _messenger.parse_archive,
    ),
    _Format("signal", _signal.detect, _signal.parse, False, (".txt",)),
    _Format("imessage", _imessage.detect, _imessage.parse, False, (".txt",)),
    _Format("line", _line.detect, _line.parse, False, (".txt",)),
    _Format("vtt", _subtitles.detect_vtt, _subtitles.parse_vtt, False, (".vtt",)),
    _Format("srt", _subtitles.detect_srt, _subtitles.parse_srt, False, (".srt",)),
    _Format("transcript", _transcript.detect, _transcript.parse, False, (".txt", ".md")),
    _Format("csv", _table.detect, _table.parse, False, (".csv", ".tsv")),
)
_BY_NAME = {f.name: f for f in _FORMATS}
_DETECT_ORDER = (
    "vtt", "srt", "signal", "whatsapp", "imessage", "line", "telegram", "slack", "discord",
    "chatgpt", "googlechat", "teams", "messenger",
    "instagram", "messages", "csv", "transcript",
)  # fmt: skip

FORMAT_NAMES: tuple[str, ...] = tuple(f.name for f in _FORMATS)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a parse runs.

    A big export becomes hundreds of thousands of objects that all live on, and CPython's
    generational collector rescans them again and again as they pile up: a third of the
    time of a 250k-message WhatsApp parse. Parsed data holds no reference cycles, so
    nothing is lost by collecting once, after.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse(data: bytes, *, filename: str | None = None, format: str | None = None) -> Conversation:
    """Parse one export to a Conversation.

    `format=None` detects the format from the content (the file name's extension only
    orders the guesses). Raises ParseError when the input breaks inside its format (an
    explicit one, or the detected one), UnknownFormatError when no format matches.
    """
    with _gc_paused():
        return _run(Source(bytes(data), filename), None, format)


def check(
    data: bytes,
    *,
    filename: str | None = None,
    format: str | None = None,
    max_expanded: int | None = None,
) -> str:
    """What a server checks before it accepts a job, short of parsing it: the format is
        known (or detected), a zip is within its limits (`max_expanded` bytes once unpacked,
    by default MAX_ARCHIVE_BYTES),
        the text decodes, a JSON format's document is JSON. Returns the format's name, so the
        parse need not detect it again.

        Raises what `parse` would for the same faults (InputTooLargeError for a zip over the
        limit, UnknownFormatError, ParseError); a file that passes may still break deep
        inside its format, which only the parse finds.
    """
    fmt = _known(format)
    try:
        source = Source(bytes(data), filename)
        if source.is_zip:
            return _check_archive(ZipArchive(source.data, max_bytes=max_expanded), fmt)
        if fmt is None:
            return _detect(source).name
        source.text  # noqa: B018 - decodes, or says why it cannot
        if fmt.json:
            source.json  # noqa: B018
        return fmt.name
    except SourceError as exc:
        raise _source_failure(exc, fmt) from None


def _check_archive(archive: ZipArchive, fmt: _Format | None) -> str:
    if fmt is None:
        fmt = next((f for f in _FORMATS if f.detect_archive and f.detect_archive(archive)), None)
    if fmt is not None and fmt.parse_archive is not None:
        return fmt.name
    files = _files(archive)
    if len(files) == 1:
        inner = archive.read(files[0])
        if Source(inner).is_zip:
            raise SourceError(f"the zip holds only another zip ({files[0]}); unpack it first")
        return check(inner, filename=files[0], format=fmt.name if fmt else None)
    raise _no_layout(files, fmt)


def parse_path(path: str | os.PathLike[str], *, format: str | None = None) -> Conversation:
    """Parse the file at `path`, or an unpacked Slack export folder."""
    p = Path(path)
    try:
        if p.is_dir():
            if not any((p / meta).is_file() for meta in ("channels.json", "users.json")):
                raise UnknownFormatError(
                    f"{p} is a folder, and the only folder parley reads is an unpacked Slack "
                    "export (with channels.json or users.json at its top)",
                    tried=("slack",),
                )
            with _gc_paused():
                return _run(None, DirArchive(p), format)
        if not stat.S_ISREG(p.stat().st_mode):
            # A device or a pipe (/dev/zero, a FIFO) could be read forever.
            raise InputError(f"{p} is not a regular file")
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except PermissionError:
        raise InputError(f"{p}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read it ({exc.strerror or exc})") from None
    with _gc_paused():
        return _run(Source(data, p.name), None, format)


def _known(name: str | None) -> _Format | None:
    if name is not None and name not in _BY_NAME:
        raise UnknownFormatError(
            f"unknown format {name!r}; known formats: {', '.join(FORMAT_NAMES)}",
            tried=FORMAT_NAMES,
        )
    return _BY_NAME[name] if name is not None else None


def _source_failure(exc: SourceError, fmt: _Format | None) -> ParleyError:
    """An unreadable input, as the error of its format (or of no format, undetected)."""
    if fmt is None:
        where = f" (line {exc.line})" if exc.line is not None else ""
        return UnknownFormatError(f"{exc}{where}; no format can read it", tried=FORMAT_NAMES)
    return ParseError(str(exc), format=fmt.name, line=exc.line)


def _run(source: Source | None, archive: Archive | None, name: str | None) -> Conversation:
    fmt = _known(name)
    try:
        if archive is not None:
            return _run_archive(archive, fmt)
        assert source is not None
        if source.is_zip:
            conversation = _run_archive(ZipArchive(source.data), fmt)
        else:
            detected = fmt is None
            if fmt is None:
                fmt = _detect(source)
            conversation = _guarded(fmt, fmt.parse, source)
            if detected:
                conversation = _with_runner_up(conversation, fmt, source)
    except SourceError as exc:
        raise _source_failure(exc, fmt) from None
    return _named(conversation, source.filename)


def _with_runner_up(conversation: Conversation, chosen: _Format, source: Source) -> Conversation:
    """Note another format that also claims the input: the reading notes name it, so a
    wrong guess can be seen and overridden."""
    wants_json = source.looks_like_json
    for name in _DETECT_ORDER:
        fmt = _BY_NAME[name]
        if fmt is chosen or not _may_claim(fmt, wants_json):
            continue
        if _matches(fmt, source):
            notes = dataclasses.replace(conversation.notes, runner_up=fmt.name)
            return dataclasses.replace(conversation, notes=notes)
    return conversation


def _named(conversation: Conversation, filename: str | None) -> Conversation:
    """A conversation the export does not name is named after its file, when the file is
    named for it (WhatsApp names a zip after the chat; its member is only `_chat.txt`)."""
    if conversation.title is not None:
        return conversation
    title = _whatsapp.chat_name(filename) or title_from_filename(filename)
    return dataclasses.replace(conversation, title=title) if title else conversation


def _guarded(fmt: _Format, fn: Callable[[Any], Conversation], arg: Any) -> Conversation:
    try:
        return fn(arg)
    except SourceError as exc:
        raise ParseError(str(exc), format=fmt.name, line=exc.line) from None
    except RecursionError:
        raise ParseError(
            "the input is nested too deeply to be an export", format=fmt.name
        ) from None
    except ParleyError:
        raise
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        # The parsers check the shapes they rely on; this is the net under a shape they
        # did not foresee, so hostile input is still an input error, not a crash.
        raise ParseError(
            f"unexpected structure ({type(exc).__name__}: {exc})", format=fmt.name
        ) from None


def _detect(source: Source) -> _Format:
    if not source.data.strip():
        raise UnknownFormatError("the input is empty", tried=FORMAT_NAMES)
    source.text  # noqa: B018 - decode once up front so a binary file fails with its reason
    wants_json = source.looks_like_json
    if wants_json:
        source.json  # noqa: B018 - a broken JSON document is reported as such
    preferred = [n for n in _DETECT_ORDER if source.suffix in _BY_NAME[n].suffixes]
    order = preferred + [n for n in _DETECT_ORDER if n not in preferred]
    for n in order:
        fmt = _BY_NAME[n]
        if _may_claim(fmt, wants_json) and _matches(fmt, source):
            return fmt
    first = source.head.lstrip().split("\n", 1)[0][:80]
    hint, near = "", None
    if wants_json:
        hint = f"; it is {json_shape(source.json)}, which no format reads"
    elif (near := closest(source)) is not None:
        hint = (
            f"; it looks most like {_BY_NAME[near.format].name}: {near.matching} of its first "
            f"{near.sampled} lines fit, not line {near.first_other} "
            f"({near.first_other_text!r})"
            if near.first_other is not None
            else f"; its lines look like {near.format} messages, but the file is not one"
        )
    raise UnknownFormatError(
        f"no known format matches this input (it starts {first!r}){hint}; "
        f'tried {", ".join(order)}; name the format (--format, or the API\'s "format")',
        tried=tuple(order),
        closest=near.format if near is not None else None,
        line=near.first_other if near is not None else None,
    )


def _may_claim(fmt: _Format, wants_json: bool) -> bool:
    """Whether `fmt` is one to ask about an input that is (or is not) JSON: Discord's
    exporter writes both JSON and CSV."""
    return fmt.json == wants_json or fmt.name == "discord"


def _matches(fmt: _Format, source: Source) -> bool:
    """Whether `fmt` claims `source`; a detector tripping over odd input does not claim it."""
    try:
        return fmt.detect(source)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError):
        return False


def _run_archive(archive: Archive, fmt: _Format | None) -> Conversation:
    if fmt is None:
        for candidate in _FORMATS:
            if candidate.detect_archive is not None and candidate.detect_archive(archive):
                fmt = candidate
                break
    if fmt is not None and fmt.parse_archive is not None:
        return _guarded(fmt, fmt.parse_archive, archive)
    files = _files(archive)
    if len(files) == 1:
        # A zip around one file of any format: parse the file.
        inner = Source(archive.read(files[0]), files[0])
        if inner.is_zip:
            # A chat export is never a zip inside a zip; refusing it also stops a zip
            # that contains itself from recursing without end.
            raise SourceError(f"the zip holds only another zip ({files[0]}); unpack it first")
        return _run(inner, None, fmt.name if fmt else None)
    raise _no_layout(files, fmt)


def _files(archive: Archive) -> list[str]:
    """The archive's members that may be the conversation (not macOS's resource forks)."""
    return [n for n in archive.names() if "__MACOSX" not in n]


def _no_layout(files: list[str], fmt: _Format | None) -> ParleyError:
    if fmt is not None:
        return ParseError("the archive is not a known layout of this format", format=fmt.name)
    return UnknownFormatError(
        f"no known export layout in this archive of {len(files)} files "
        f"(first: {', '.join(files[:3])})",
        tried=tuple(f.name for f in _FORMATS if f.detect_archive is not None),
    )
