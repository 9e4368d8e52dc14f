"""A job's input as a value: the uploaded bytes, their filename and format, and options;
and, for an analysis of several files, the other files (`more`).

It is never a closure, so it can be stored (`input:{jobId}` in queue mode), sent to
another process, and read back. Stored as one gzip member holding a JSON header line,
then the bytes:

    gzip( {"v":1,"filename":...,"format":...,"options":{...},"bytes":N} \\n <data> )

Several files are version 2: the header lists the others, whose bytes follow the first's,
`"more":[{"filename":...,"format":...,"bytes":M}, ...]`. A version-1 reader refuses them
(an unknown version) rather than analysing only the first.

The gzip magic number is the format marker, as for every compressed value
(`redis-cli --raw GET input:ID | gunzip | head -1` shows the header).
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from parley.errors import StoredValueError
from parley.kv import GZIP_MAGIC

__all__ = ["InputFile", "JobInput"]

_VERSION = 1
_VERSION_SEVERAL = 2
# Level 1: an upload is compressed on the request path, and chat exports shrink 3-4x at
# level 1 against 4-5x at level 6 for three times the time (bench/queue.py measures it).
_LEVEL = 1
# A stored input never decodes past the largest upload parley accepts, with room to spare.
_MAX_DECODED = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class InputFile:
    """Another file of an analysis of several."""

    data: bytes
    filename: str | None = None
    format: str | None = None  # None: detect it


@dataclass(frozen=True, slots=True)
class JobInput:
    data: bytes
    filename: str | None = None
    format: str | None = None  # None: detect it
    options: Mapping[str, Any] = field(default_factory=dict)  # JSON-ready
    more: tuple[InputFile, ...] = ()  # the other files, when several are analysed as one

    @property
    def files(self) -> tuple[InputFile, ...]:
        """Every file, the first one first."""
        return (InputFile(self.data, self.filename, self.format), *self.more)

    @property
    def size(self) -> int:
        """The bytes of every file."""
        return len(self.data) + sum(len(f.data) for f in self.more)

    def encode(self) -> bytes:
        """The stored form: compressed, with its header."""
        header: dict[str, Any] = {
            "v": _VERSION_SEVERAL if self.more else _VERSION,
            "filename": self.filename,
            "format": self.format,
            "options": dict(self.options),
            "bytes": len(self.data),
        }
        if self.more:
            header["more"] = [
                {"filename": f.filename, "format": f.format, "bytes": len(f.data)}
                for f in self.more
            ]
        line = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
        body = b"".join([self.data, *(f.data for f in self.more)])
        return gzip.compress(line + b"\n" + body, compresslevel=_LEVEL, mtime=0)

    @classmethod
    def decode(cls, raw: bytes) -> JobInput:
        """The input `encode` stored; StoredValueError when it is not one."""
        if raw[:2] != GZIP_MAGIC:
            raise StoredValueError("a stored input must be gzip-compressed; this one is not")
        try:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            plain = inflater.decompress(raw, _MAX_DECODED)
            if inflater.unconsumed_tail or not inflater.eof:
                raise StoredValueError("a stored input is truncated or too large to read")
            line, _, data = plain.partition(b"\n")
            header = json.loads(line)
            more = header.get("more", []) if header.get("v") == _VERSION_SEVERAL else []
            sizes = [header.get("bytes"), *(part.get("bytes") for part in more)]
            if (
                header.get("v") not in (_VERSION, _VERSION_SEVERAL)
                or not all(isinstance(n, int) and n >= 0 for n in sizes)
                or sum(sizes) != len(data)
            ):
                raise StoredValueError("a stored input has an unknown version or a wrong size")
            first, at = data[: sizes[0]], sizes[0]
            files = []
            for part, size in zip(more, sizes[1:], strict=True):
                files.append(
                    InputFile(data[at : at + size], part.get("filename"), part.get("format"))
                )
                at += size
            return cls(
                first, header.get("filename"), header.get("format"), header["options"], tuple(files)
            )
        except (zlib.error, ValueError, KeyError, AttributeError, TypeError) as exc:
            raise StoredValueError(f"a stored input is corrupt: {exc}") from None
