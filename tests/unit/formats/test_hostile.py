"""Hostile and malformed input: clear errors (or a sensible result), never a hang or traceback."""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.analysis.formats import FORMAT_NAMES, check, parse, parse_path
from parley.errors import (
    InputError,
    InputTooLargeError,
    ParleyError,
    ParseError,
    UnknownFormatError,
)

from .conftest import FIXTURES, fixture_path

TEN_MB = 10 * 1024 * 1024


def test_binary_data_is_refused_as_binary() -> None:
    data = bytes(range(256)) * 64
    with pytest.raises(UnknownFormatError, match="binary"):
        parse(data)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_random_bytes_with_any_explicit_format_give_a_parley_error(fmt: str) -> None:
    data = os.urandom(4096) + b"\x00"
    with pytest.raises(ParleyError):
        parse(data, format=fmt)


def test_empty_input_is_a_clear_error() -> None:
    with pytest.raises(UnknownFormatError, match="empty"):
        parse(b"")
    with pytest.raises(UnknownFormatError, match="empty"):
        parse(b"  \n\n ")


@pytest.mark.parametrize("fmt", ["whatsapp", "signal", "srt", "transcript", "csv"])
def test_empty_input_with_an_explicit_text_format_is_a_parse_error(fmt: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(b"", format=fmt)
    assert info.value.format == fmt


def test_utf8_with_bom_is_read() -> None:
    data = "\ufeff1/1/19, 12:00 - Zoë: hi\n".encode()
    assert parse(data).messages[0].speaker == "Zoë"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_are_read(encoding: str) -> None:
    data = "1/1/19, 12:00 - Zoë: héllo\n".encode(encoding)
    assert parse(data).messages[0].text == "héllo"


def test_cp1252_text_falls_back_to_cp1252() -> None:
    data = "Date,Author,Text\n2020-01-01,Zoë,“quoted” café\n".encode("cp1252")
    assert parse(data).messages[0].text == "“quoted” café"


def test_bytes_that_are_neither_utf8_nor_cp1252_are_refused_with_the_offset() -> None:
    with pytest.raises(UnknownFormatError, match="offset 3"):
        parse(b"abc\x81def")


def test_bom_with_invalid_body_names_the_encoding() -> None:
    with pytest.raises(ParseError, match="UTF-8"):
        parse(b"\xef\xbb\xbf1/1/19, 12:00 - A: \xff\xfe", format="whatsapp")


def test_deeply_nested_json_is_a_clear_error() -> None:
    data = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(UnknownFormatError, match="nested too deeply"):
        parse(data)
    with pytest.raises(ParseError, match="nested too deeply"):
        parse(b'{"messages": ' + data + b"}", format="telegram")


def test_broken_json_reports_the_line() -> None:
    with pytest.raises(ParseError) as info:
        parse(b'{"messages": [\n{"type": "message",\n', format="telegram")
    assert info.value.line == 3


def test_text_given_to_a_json_format_says_it_is_not_json() -> None:
    with pytest.raises(ParseError, match="expected a JSON document"):
        parse(fixture_path("signal.txt").read_bytes(), format="chatgpt")


def _quick(fn: object) -> float:
    start = time.perf_counter()
    with contextlib.suppress(ParleyError):
        fn()  # type: ignore[operator]
    return time.perf_counter() - start


def test_ten_megabyte_single_line_is_handled_quickly_by_every_format() -> None:
    line = b"x" * TEN_MB
    assert _quick(lambda: parse(line)) < 5
    for fmt in FORMAT_NAMES:
        assert _quick(lambda fmt=fmt: parse(line, format=fmt)) < 5, fmt


def test_ten_megabyte_whatsapp_message_is_parsed_whole() -> None:
    data = b"1/1/19, 12:00 - Ana: " + b"y" * TEN_MB
    conv = parse(data)
    assert len(conv.messages[0].text) == TEN_MB


def test_ten_megabyte_colon_free_header_line_does_not_backtrack() -> None:
    data = b"1/1/19, 12:00 - " + b"y" * TEN_MB + b":"
    assert _quick(lambda: parse(data, format="whatsapp")) < 5


def test_ten_megabyte_csv_field_is_read() -> None:
    conv = parse(b"from,text\nA," + b"y" * TEN_MB + b"\n")
    assert len(conv.messages[0].text) == TEN_MB


def test_zip_declaring_more_than_the_limit_is_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    from parley.analysis.formats import _source

    monkeypatch.setattr(_source, "MAX_ARCHIVE_BYTES", 1000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("_chat.txt", "1/1/19, 12:00 - A: " + "z" * 5000)
    with pytest.raises(InputTooLargeError):
        parse(buf.getvalue())


def test_truncated_zip_is_a_clear_error() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(fixture_path("signal.txt"), "_chat.txt")
    with pytest.raises(ParleyError, match="zip"):
        parse(buf.getvalue()[:60])


def test_missing_file_is_an_input_error_naming_the_path(tmp_path: os.PathLike[str]) -> None:
    missing = os.path.join(tmp_path, "nope.txt")
    with pytest.raises(InputError, match="no such file"):
        parse_path(missing)


def test_folder_that_is_not_a_slack_export_is_refused_without_walking_it() -> None:
    with pytest.raises(UnknownFormatError, match="Slack"):
        parse_path(FIXTURES)


@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("telegram_chat.json", "whatsapp"),
        ("whatsapp_android_iso.txt", "signal"),
        ("whatsapp_android_iso.txt", "vtt"),
        ("whatsapp_android_iso.txt", "transcript"),
        ("chat.csv", "srt"),
    ],
)
def test_explicit_wrong_format_names_the_format_and_line(fixture: str, fmt: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_path(fixture_path(fixture), format=fmt)
    assert info.value.format == fmt
    assert info.value.line is not None
    assert str(info.value).startswith(f"{fmt}: ")
    assert f"(line {info.value.line})" in str(info.value)


@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("whatsapp_android_iso.txt", "telegram"),
        ("telegram_chat.json", "instagram"),
        ("discord.json", "slack"),
        ("messages.json", "chatgpt"),
    ],
)
def test_explicit_wrong_json_format_is_a_parse_error_naming_the_format(
    fixture: str, fmt: str
) -> None:
    with pytest.raises(ParseError) as info:
        parse_path(fixture_path(fixture), format=fmt)
    assert info.value.format == fmt


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "messages",
                    "type",
                    "date",
                    "date_unixtime",
                    "text",
                    "from",
                    "mapping",
                    "current_node",
                    "parent",
                    "children",
                    "message",
                    "author",
                    "role",
                    "content",
                    "parts",
                    "ts",
                    "user",
                    "subtype",
                    "files",
                    "sender_name",
                    "timestamp_ms",
                    "timestamp",
                    "attachments",
                    "reference",
                    "chats",
                    "list",
                    "id",
                    "guild",
                    "channel",
                    "metadata",
                    "members",
                    "thread_ts",
                    "photos",
                    "is_unsent",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(doc=json_values, fmt=st.sampled_from([None, *FORMAT_NAMES]))
def test_any_json_shape_gives_a_result_or_a_parley_error(doc: object, fmt: str | None) -> None:
    with contextlib.suppress(ParleyError):
        parse(json.dumps(doc).encode(), format=fmt)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [
                "12/31/23, ",
                "9:05 PM - ",
                "[",
                "]",
                "00:00:01,000 --> 00:00:02,000",
                "\n",
                "WEBVTT",
                "Ana: ",
                ":",
                "<v Bob>",
                "</v>",
                "a. m.",
                "31/02/19, 10:00 - ",
                "\u200e",
                "\u202f",
                ",",
                ";",
                '"',
                "\r",
                "Date,From,Message\n",
                "[2020-01-01, 10:00] ",
                "(00:01) ",
                "x",
                "{",
                "é",
            ]
        ),
        max_size=30,
    ).map("".join),
    fmt=st.sampled_from([None, *FORMAT_NAMES]),
)
def test_any_mix_of_format_fragments_gives_a_result_or_a_parley_error(
    text: str, fmt: str | None
) -> None:
    with contextlib.suppress(ParleyError):
        parse(text.encode(), format=fmt)


def test_csv_header_with_a_lone_carriage_return_is_not_a_crash() -> None:
    with pytest.raises(ParleyError):
        parse(b'<v Bob>"{"\rWEBVTT:\t1"x')


def test_zip_holding_only_another_zip_is_refused_not_recursed() -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.write(fixture_path("signal.txt"), "_chat.txt")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("export.zip", inner.getvalue())
    with pytest.raises(UnknownFormatError, match="another zip"):
        parse(outer.getvalue())


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_device_file_is_refused_instead_of_read_forever() -> None:
    with pytest.raises(InputError, match="not a regular file"):
        parse_path("/dev/zero")


def test_a_nul_inside_valid_utf8_is_refused_naming_where_it_is() -> None:
    data = b"1/1/19, 12:00 - A: hi\n1/1/19,\x00 12:01 - B: yo\n"
    with pytest.raises(ParseError) as info:
        parse(data, format="whatsapp")
    assert info.value.line == 2
    assert "NUL character" in str(info.value)
    assert "column 8" in str(info.value)
    with pytest.raises(UnknownFormatError, match="NUL character"):
        parse(data)


def test_check_refuses_a_zip_bomb_from_its_directory_alone() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("_chat.txt", "1/1/19, 12:00 - A: " + "z" * 50_000)
    with pytest.raises(InputTooLargeError, match="expands to 50019 bytes, over the 1000-byte"):
        check(buf.getvalue(), max_expanded=1000)


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"1/1/19, 12:00 - A: hi\n", None, "whatsapp"),
        (b'[{"speaker": "A", "text": "hi"}]', "m.json", "messages"),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\n<v A>hi\n", None, "vtt"),
    ],
)
def test_check_names_the_format_it_detects(
    data: bytes, filename: str | None, expected: str
) -> None:
    assert check(data, filename=filename) == expected


def test_check_names_the_format_of_the_one_file_inside_a_zip() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes/chat.csv", "timestamp,speaker,text\n2024-01-01 10:00,A,hi\n")
    assert check(buf.getvalue()) == "csv"


def test_check_refuses_what_parse_refuses_short_of_parsing() -> None:
    with pytest.raises(UnknownFormatError, match="no known format"):
        check(b"0")
    with pytest.raises(ParseError, match="invalid JSON") as info:
        check(b'{"a":\n ]', format="telegram")
    assert info.value.line == 2
    with pytest.raises(UnknownFormatError, match="unknown format 'nope'"):
        check(b"x", format="nope")
