"""Stored values: plain JSON when small, compressed when large (gzip, or deflate with the
results' dictionary), and told apart by their first bytes."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.analysis import analyze
from parley.analysis.formats import parse
from parley.errors import StoredValueError
from parley.kv import decode, encode
from parley.kv._codec import DICTIONARY_MAGIC, GZIP_MAGIC
from parley.samples import SAMPLE_NAME, sample_bytes

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
    with pytest.raises(StoredValueError, match="neither JSON nor compressed"):
        decode(data)


def test_results_compressed_with_the_dictionary_read_back_and_are_smaller() -> None:
    result = analyze(parse(sample_bytes(), filename=SAMPLE_NAME))
    packed = encode(result, compress_threshold=1024, dictionary=True)
    assert packed.startswith(DICTIONARY_MAGIC + b"\x01")
    assert decode(packed) == result
    assert len(packed) < 0.75 * len(encode(result, compress_threshold=1024))  # gzip's


def test_a_value_of_a_dictionary_this_parley_lacks_says_so() -> None:
    packed = encode({"text": "word " * 1000}, compress_threshold=10, dictionary=True)
    with pytest.raises(StoredValueError, match="dictionary 9"):
        decode(DICTIONARY_MAGIC + b"\x09" + packed[3:])


def test_values_stored_as_gzip_before_the_dictionary_still_read() -> None:
    value = {"text": "word " * 1000}
    assert decode(gzip.compress(json.dumps(value).encode(), mtime=0)) == value


@pytest.mark.parametrize(
    "data", [GZIP_MAGIC + b"garbage", DICTIONARY_MAGIC + b"\x01garbage", b'{"cut": ', b"\xff\xfe"]
)
def test_corrupt_data_is_a_stored_value_error(data: bytes) -> None:
    with pytest.raises(StoredValueError):
        decode(data)
