"""Stored values: JSON, zstd-compressed above a size threshold, told apart by their first bytes.

    b"{" / b"[" ...        plain UTF-8 JSON (readable with `redis-cli GET`)
    28 B5 2F FD ...        a zstd frame holding UTF-8 JSON (`redis-cli --raw GET k | zstd -d`)

The zstd frame's own magic number is the format marker, so every value stays readable
by standard tools, and a future format only needs a marker that is not a JSON start.
"""

from __future__ import annotations

import json
from typing import Any

import zstandard

from parley.errors import StoredValueError

__all__ = ["ZSTD_MAGIC", "decode", "encode"]

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Level 3 is zstd's default: ~4x on analysis results at hundreds of MB/s; higher levels
# cost far more CPU for a few percent.
_LEVEL = 3
# A corrupt or hostile frame may claim any size; no parley value comes near this.
_MAX_DECODED = 256 * 1024 * 1024
_JSON_STARTS = frozenset(b'{["-0123456789tfn')


def encode(value: Any, *, compress_threshold: int) -> bytes:
    """JSON bytes of `value`, zstd-compressed when longer than `compress_threshold`."""
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    if len(data) > compress_threshold:
        return zstandard.ZstdCompressor(level=_LEVEL, write_content_size=True).compress(data)
    return data


def decode(data: bytes) -> Any:
    """The value `encode` stored; StoredValueError for an unknown marker or corrupt data."""
    try:
        if data[:4] == ZSTD_MAGIC:
            data = zstandard.ZstdDecompressor().decompress(data, max_output_size=_MAX_DECODED)
        elif not data or data[0] not in _JSON_STARTS:
            raise StoredValueError(
                f"stored value starts with {data[:4]!r}, which is neither JSON nor a zstd frame"
            )
        return json.loads(data)
    except (zstandard.ZstdError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoredValueError(f"stored value is corrupt: {exc}") from None
