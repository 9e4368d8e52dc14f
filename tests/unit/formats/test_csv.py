"""CSV with a header: column aliases, delimiters, times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from parley.analysis.formats import parse
from parley.errors import ParseError

from .conftest import parse_fixture


def test_aliases_date_from_message_and_quoted_newlines() -> None:
    conv = parse_fixture("chat.csv")
    assert conv.format == "csv"
    assert conv.messages[0].timestamp == datetime(2023, 5, 1, 9, 0)
    assert conv.messages[1].text == "Morning!\nCoffee first."
    assert conv.messages[2].timestamp == datetime(
        2023, 5, 1, 9, 5, tzinfo=timezone(timedelta(hours=1))
    )


def test_semicolon_delimiter_and_epoch_seconds() -> None:
    conv = parse_fixture("chat_semicolon.csv")
    assert conv.speakers == ["Kim", "Lars"]
    assert conv.messages[1].text == "Hej; hvordan går det?"
    assert conv.messages[0].timestamp == datetime(2023, 5, 2, 4, 0, tzinfo=UTC)


def test_separate_date_and_time_columns_are_joined() -> None:
    conv = parse(b"Date,Time,User,Text\n2023-01-02,10:30,Al,hi\n", format="csv")
    assert conv.messages[0].timestamp == datetime(2023, 1, 2, 10, 30)


def test_start_and_end_columns_give_seconds() -> None:
    conv = parse(b"speaker,start,end,text\nA,1.5,00:00:03.250,hello\n", format="csv")
    assert (conv.messages[0].start, conv.messages[0].end) == (1.5, 3.25)


def test_unreadable_time_names_the_line() -> None:
    with pytest.raises(ParseError) as info:
        parse(b"timestamp,author,body\n2023-01-01,A,ok\nnot a time,B,bad\n", format="csv")
    assert (info.value.format, info.value.line) == ("csv", 3)


def test_header_without_text_column_is_an_error_on_line_one() -> None:
    with pytest.raises(ParseError) as info:
        parse(b"a,b,c\n1,2,3\n", format="csv")
    assert (info.value.format, info.value.line) == ("csv", 1)
