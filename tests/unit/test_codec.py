"""Stored values: plain JSON when small, zstd when large, and told apart by their first bytes."""

from __future__ import annotations

import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from parley.errors import StoredValueError
from parley.kv import decode, encode
from parley.kv._codec import ZSTD_MAGIC

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(json_values, st.integers(min_value=0, max_value=200))
def test_any_json_value_round_trips_whatever_the_threshold(value: object, threshold: int) -> None:
    assert decode(encode(value, compress_threshold=threshold)) == value


def test_values_under_the_threshold_stay_readable_json() -> None:
    assert encode({"a": "é"}, compress_threshold=1024) == '{"a":"é"}'.encode()


def test_values_over_the_threshold_are_a_standard_zstd_frame() -> None:
    data = encode({"text": "word " * 1000}, compress_threshold=1024)
    assert data.startswith(ZSTD_MAGIC)
    assert len(data) < 500
    assert zstandard.ZstdDecompressor().decompress(data).startswith(b'{"text"')


@pytest.mark.parametrize("data", [b"", b"\x00\x01", b"PK\x03\x04", b"<html>"])
def test_an_unknown_format_marker_is_a_stored_value_error(data: bytes) -> None:
    with pytest.raises(StoredValueError, match="neither JSON nor a zstd frame"):
        decode(data)


@pytest.mark.parametrize("data", [ZSTD_MAGIC + b"garbage", b'{"cut": ', b"\xff\xfe"])
def test_corrupt_data_is_a_stored_value_error(data: bytes) -> None:
    with pytest.raises(StoredValueError):
        decode(data)
