"""Stored values: plain JSON when small, gzip when large, and told apart by their first bytes."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.errors import StoredValueError
from parley.kv import decode, encode
from parley.kv._codec import GZIP_MAGIC

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


def test_values_over_the_threshold_are_standard_gzip() -> None:
    data = encode({"text": "word " * 1000}, compress_threshold=1024)
    assert data.startswith(GZIP_MAGIC)
    assert len(data) < 500
    assert gzip.decompress(data).startswith(b'{"text"')


def test_the_same_value_always_encodes_to_the_same_bytes() -> None:
    value = {"text": "word " * 1000}
    assert encode(value, compress_threshold=10) == encode(value, compress_threshold=10)


def test_a_value_that_decompresses_past_the_cap_is_refused() -> None:
    bomb = gzip.compress(b"[" + b" " * (300 * 1024 * 1024) + b"]", compresslevel=1)
    with pytest.raises(StoredValueError, match="256 MiB"):
        decode(bomb)


@pytest.mark.parametrize("data", [b"", b"\x00\x01", b"PK\x03\x04", b"<html>"])
def test_an_unknown_format_marker_is_a_stored_value_error(data: bytes) -> None:
    with pytest.raises(StoredValueError, match="neither JSON nor gzip"):
        decode(data)


@pytest.mark.parametrize("data", [GZIP_MAGIC + b"garbage", b'{"cut": ', b"\xff\xfe"])
def test_corrupt_data_is_a_stored_value_error(data: bytes) -> None:
    with pytest.raises(StoredValueError):
        decode(data)
