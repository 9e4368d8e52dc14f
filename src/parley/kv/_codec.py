"""Stored values: JSON, compressed above a size threshold, told apart by their first bytes.

    b"{" / b"[" ...        plain UTF-8 JSON (readable with `redis-cli GET`)
    1F 8B ...              a gzip member holding UTF-8 JSON (`redis-cli --raw GET k | gunzip`)
    00 44 01 ...           "\0D" and a dictionary's number, then raw deflate of UTF-8 JSON
                           with that preset dictionary (results: `decode` reads them)

Results are compressed with a preset dictionary (zlib's `zdict`, in the standard library):
32 KB of what analysis results have in common, trained once on 60 generated results and
shipped as `results-N.zdict`. On results it did not see (the format fixtures', the
sample's, other generated ones) it stores 5.9x where gzip stores 3.4x, 7.1x against 3.4x
on small ones; zstd with a trained dictionary stores 5.5-6.3x but adds 24 MB to a
serverless bundle (bench/zstd_dict.py). A dictionary, once shipped, is never changed: a
new one gets the next number, and values written with the old one stay readable. Other
values (job records, queue inputs) stay gzip, which any tool reads.
"""

from __future__ import annotations

import gzip
import json
import zlib
from functools import cache
from importlib.resources import files
from typing import Any

from parley.errors import StoredValueError

__all__ = ["DICTIONARY_MAGIC", "GZIP_MAGIC", "decode", "encode"]

GZIP_MAGIC = b"\x1f\x8b"
DICTIONARY_MAGIC = b"\x00D"  # then the dictionary's number, one byte
_DICTIONARY = 1  # the one new values are written with
# Level 6 is gzip's default: level 9 saves ~1 % more for twice the time.
_LEVEL = 6
# A corrupt or hostile value may claim any size; no parley value comes near this.
_MAX_DECODED = 256 * 1024 * 1024
_JSON_STARTS = frozenset(b'{["-0123456789tfn')


@cache
def _dictionary(number: int) -> bytes:
    try:
        return files("parley.kv").joinpath(f"results-{number}.zdict").read_bytes()
    except FileNotFoundError:
        raise StoredValueError(
            f"stored value needs compression dictionary {number}, which this parley lacks"
        ) from None


def encode(value: Any, *, compress_threshold: int, dictionary: bool = False) -> bytes:
    """JSON bytes of `value`, compressed when longer than `compress_threshold`: gzip, or
    with `dictionary` (for analysis results) deflate with the results' dictionary."""
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    if len(data) <= compress_threshold:
        return data
    if dictionary:
        packer = zlib.compressobj(
            _LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=_dictionary(_DICTIONARY)
        )
        header = DICTIONARY_MAGIC + bytes([_DICTIONARY])
        return header + packer.compress(data) + packer.flush()
    # mtime=0: the same value always encodes to the same bytes (compare-and-set).
    return gzip.compress(data, compresslevel=_LEVEL, mtime=0)


def _inflate(data: bytes, wbits: int, zdict: bytes = b"") -> bytes:
    inflater = zlib.decompressobj(wbits=wbits, zdict=zdict)
    out = inflater.decompress(data, _MAX_DECODED)
    if inflater.unconsumed_tail or not inflater.eof:
        raise StoredValueError("stored value is corrupt or decompresses past 256 MiB")
    return out


def decode(data: bytes) -> Any:
    """The value `encode` stored; StoredValueError for an unknown marker or corrupt data."""
    try:
        if data[:2] == GZIP_MAGIC:
            data = _inflate(data, 16 + zlib.MAX_WBITS)
        elif data[:2] == DICTIONARY_MAGIC and len(data) > 2:
            data = _inflate(data[3:], -zlib.MAX_WBITS, _dictionary(data[2]))
        elif not data or data[0] not in _JSON_STARTS:
            raise StoredValueError(
                f"stored value starts with {data[:4]!r}, which is neither JSON nor compressed"
            )
        return json.loads(data)
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoredValueError(f"stored value is corrupt: {exc}") from None
