"""Raw input as the parsers see it: bytes decoded once, JSON loaded once, archives listed.

Decoding policy (one place, the same for every text format):

1. a byte-order mark wins: UTF-8 (``utf-8-sig``), UTF-16 or UTF-32;
2. otherwise strict UTF-8, which every modern exporter writes;
3. NUL bytes in what is left mean binary data (or UTF-16 without a BOM, which is tried
   when the NULs fall on alternate bytes) and are refused;
4. otherwise cp1252, what Windows tools save "ANSI" text as; bytes cp1252 leaves undefined
   make the input refused as undecodable rather than silently garbled;
5. decoded text holding a NUL character is refused, naming its line and column: no
   exporter writes one, and a NUL inside a date header would otherwise silently turn a
   message into the continuation of the one before.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from parley.errors import InputError, InputTooLargeError

__all__ = [
    "MAX_ARCHIVE_BYTES",
    "Archive",
    "DirArchive",
    "Source",
    "SourceError",
    "ZipArchive",
    "decode",
    "load_member_json",
]

# A zip may expand to at most this much in total: real exports with media stripped are far
# smaller, and this stops a zip bomb long before it exhausts memory.
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024
# Members looked at in one archive: a full Slack export of a big workspace has tens of
# thousands of day files; more than this is not a conversation export.
MAX_ARCHIVE_MEMBERS = 200_000
_SNIFF_BYTES = 8192
# UTF-32 LE before UTF-16 LE: its mark starts with UTF-16's.
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


class SourceError(Exception):
    """The input cannot be read as text or JSON; the registry turns it into a ParleyError."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def decode(data: bytes) -> str:
    """Bytes to text by the policy in the module docstring; raises SourceError."""
    return _without_nul(_decoded(data))


def _without_nul(text: str) -> str:
    at = text.find("\x00")
    if at < 0:
        return text
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    raise SourceError(
        "the text holds a NUL character, which no chat export writes: the file is damaged "
        f"(remove NULs with `tr -d '\\000' < in > out`); the first is at column {column}",
        line=line,
    )


def _decoded(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            return _decode(data, "utf-16-le")
        if even > len(head) // 4 and odd == 0:
            return _decode(data, "utf-16-be")
        raise SourceError(
            f"the input is binary data (a NUL byte at offset {head.index(0)}), not a text export"
        )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"the input is neither UTF-8 nor cp1252 text (byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start}); re-save it as UTF-8"
        ) from None


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"the input starts with a {encoding.upper()} byte-order mark but byte "
            f"{exc.start} is not valid {encoding.upper()}"
        ) from None


class Source:
    """One input file: its bytes, its name, and its text and JSON, each computed once."""

    def __init__(self, data: bytes, filename: str | None = None) -> None:
        self.data = data
        self.filename = filename

    @property
    def suffix(self) -> str:
        return os.path.splitext(self.filename or "")[1].lower()

    @property
    def is_zip(self) -> bool:
        return self.data.startswith(b"PK\x03\x04") or self.data.startswith(b"PK\x05\x06")

    @cached_property
    def text(self) -> str:
        """The decoded text without a BOM; raises SourceError."""
        return decode(self.data)

    @cached_property
    def head(self) -> str:
        """The first few kilobytes of text, for cheap detection."""
        return self.text[:_SNIFF_BYTES]

    @property
    def looks_like_json(self) -> bool:
        """An object, or an array of objects, strings or arrays: `[12/31/23, …]` is a chat."""
        start = self.head.lstrip()[:200]
        if start[:1] == "{":
            return True
        return start[:1] == "[" and start[1:].lstrip()[:1] in ("{", '"', "[", "]")

    @cached_property
    def json(self) -> Any:
        """The parsed JSON document; raises SourceError (with the line) when it is not JSON."""
        if not self.looks_like_json:
            start = self.head.lstrip()[:40]
            raise SourceError(f"expected a JSON document, but the input starts {start!r}", line=1)
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"invalid JSON: {exc.msg}", line=exc.lineno) from None
        except RecursionError:
            raise SourceError("the JSON is nested too deeply to be a conversation export") from None

    def json_or_none(self) -> Any:
        try:
            return self.json if self.looks_like_json else None
        except SourceError:
            return None


class Archive(Protocol):
    """A set of named files: a zip, or a folder on disk (an unpacked Slack export)."""

    def names(self) -> list[str]:
        """Member paths with `/` separators, files only."""
        ...

    def read(self, name: str) -> bytes: ...


class ZipArchive:
    def __init__(self, data: bytes, *, max_bytes: int | None = None) -> None:
        max_bytes = MAX_ARCHIVE_BYTES if max_bytes is None else max_bytes
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = [i for i in self._zip.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise SourceError(f"the input is a damaged zip archive ({exc})") from None
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise InputError(f"the zip holds {len(infos)} files; more than a chat export has")
        total = sum(i.file_size for i in infos)
        if total > max_bytes:
            raise InputTooLargeError(
                f"the zip expands to {total} bytes, over the {max_bytes}-byte limit; "
                "export the chat without media",
                limit=max_bytes,
            )
        self._infos = {i.filename: i for i in infos}

    def names(self) -> list[str]:
        return list(self._infos)

    def read(self, name: str) -> bytes:
        info = self._infos[name]
        try:
            with self._zip.open(info) as f:
                # Read one byte past the declared size: a lying header is a zip bomb.
                data = f.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise SourceError(f"cannot read {name!r} from the zip ({exc})") from None
        if len(data) > info.file_size:
            raise SourceError(f"{name!r} in the zip is larger than its header says")
        return data


class DirArchive:
    def __init__(self, root: Path) -> None:
        self._root = root
        names: list[str] = []
        for dirpath, _dirs, files in os.walk(root):
            for f in files:
                rel = Path(dirpath, f).relative_to(root).as_posix()
                names.append(rel)
                if len(names) > MAX_ARCHIVE_MEMBERS:
                    raise InputError(f"{root} holds more files than a chat export has")
        self._names = sorted(names)

    def names(self) -> list[str]:
        return self._names

    def read(self, name: str) -> bytes:
        try:
            return (self._root / name).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {self._root / name}: {exc.strerror}") from None


def load_member_json(archive: Archive, name: str) -> Any:
    """Parse one archive member as JSON; raises SourceError naming the member."""
    src = Source(archive.read(name), name)
    try:
        return src.json
    except SourceError as exc:
        raise SourceError(f"{name}: {exc}") from None
