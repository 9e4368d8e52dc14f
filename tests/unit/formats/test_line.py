"""LINE chat history .txt (fixtures written in the layouts public parsers document)."""

from __future__ import annotations

from datetime import datetime

import pytest

from parley.analysis.formats import parse
from parley.analysis.model import MessageKind
from parley.errors import ParseError

from .conftest import parse_fixture


def test_an_english_export_with_quotes_stickers_and_system_lines() -> None:
    chat = parse_fixture("line_en.txt")
    assert (chat.format, chat.title) == ("line", "Book club")
    assert [(m.speaker, m.text, m.kind) for m in chat.messages] == [
        ("Alice", "Hi!", MessageKind.TEXT),
        ("Bob", "[Sticker]", MessageKind.MEDIA),
        ("Alice", "Line one\nline two", MessageKind.TEXT),  # quoted over two lines
        (None, "Alice unsent a message", MessageKind.SYSTEM),
        ("Bob", "Morning all", MessageKind.TEXT),
        ("Alice", "late reply", MessageKind.TEXT),
    ]
    assert chat.messages[0].timestamp == datetime(2024, 1, 2, 13, 40)
    assert chat.messages[4].timestamp == datetime(2024, 1, 3, 9, 5)
    assert chat.messages[5].timestamp == datetime(2024, 1, 4, 0, 10)  # "24:10": past midnight


def test_a_japanese_export_reads_gozen_gogo_times() -> None:
    chat = parse_fixture("line_ja.txt")
    assert chat.title == "テスト"
    stamps = [m.timestamp for m in chat.messages]
    assert stamps[:4] == [
        datetime(2021, 1, 1, 11, 24),
        datetime(2021, 1, 1, 11, 27),
        datetime(2021, 1, 1, 12, 30),  # 午前12:30 comes after 午前11:27: it is noon
        datetime(2021, 1, 1, 17, 38),  # 午後05:38
    ]
    assert chat.messages[2].kind is MessageKind.SYSTEM  # no name: a system line
    assert chat.messages[3].text == "かきくけこ\nさしすせそ"
    assert chat.messages[0].kind is MessageKind.MEDIA  # [動画]


def test_twelve_hour_english_times() -> None:
    data = (
        b"[LINE] Chat history with Bo\nSaved on: 1/2/2024, 13:45\n\n"
        b"Tue, 01/02/2024\n12:05 AM\tBo\thi\n1:30pm\tMe\tyo\n"
    )
    stamps = [m.timestamp for m in parse(data).messages]
    assert stamps == [datetime(2024, 1, 2, 0, 5), datetime(2024, 1, 2, 13, 30)]


def test_a_message_before_any_date_is_refused_with_its_line() -> None:
    with pytest.raises(ParseError) as info:
        parse(b"[LINE] Chat history with Bo\nSaved on: x\n\n13:40\tBo\thi\n", format="line")
    assert (info.value.format, info.value.line) == ("line", 4)
