"""Facebook Messenger's HTML export, both layouts (fixtures in the markup of real exports)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest

from parley.analysis.formats import parse
from parley.analysis.model import MessageKind
from parley.errors import ParseError

from .conftest import FIXTURES, parse_fixture


def test_the_current_layout_is_read_in_time_order() -> None:
    chat = parse_fixture("messenger_message_1.html")
    assert (chat.format, chat.title) == ("messenger", "Rebecca Moon")
    assert [(m.speaker, m.text, m.kind) for m in chat.messages] == [
        ("Rebecca Moon", "You are now connected on Messenger", MessageKind.TEXT),
        ("Sam Ortiz", "Hey Rebecca & co, it's Sam", MessageKind.TEXT),  # entities read
        ("Sam Ortiz", "<photo>", MessageKind.MEDIA),
        ("Rebecca Moon", "See you at 8!\nBring the map", MessageKind.TEXT),  # no reaction
    ]
    assert chat.messages[0].timestamp == datetime(2024, 3, 12, 23, 3, 54)
    assert chat.messages[3].timestamp == datetime(2024, 3, 13, 8, 15, 2)


def test_the_2018_to_2022_layout_with_chinese_times() -> None:
    chat = parse_fixture("messenger_2021.html")
    assert [(m.speaker, m.text) for m in chat.messages] == [
        ("Lin Wei", "why not?"),
        ("Chen Hao", "after breakfast?"),
        ("Lin Wei", "<photo>"),  # its reactions are not text
    ]
    assert [m.timestamp for m in chat.messages] == [
        datetime(2021, 12, 11, 9, 5),  # 上午: morning
        datetime(2021, 12, 11, 19, 49),  # 下午: afternoon
        datetime(2021, 12, 11, 19, 50),
    ]


def test_a_date_in_a_language_it_cannot_read_is_refused_with_the_date() -> None:
    page = (
        '<!DOCTYPE html><html><head><title>X</title></head><body><div class="_a6-g">'
        '<div class="_a6-h">Ana</div><div class="_a6-p"><div><div>oi</div></div></div>'
        '<div class="_a6-o"><div class="_a72d">13 de março de 2024 10:00</div></div></div>'
        "</body></html>"
    )
    with pytest.raises(ParseError, match="13 de março de 2024 10:00"):
        parse(page.encode(), format="messenger")


def test_a_threads_pages_are_one_conversation_in_time_order() -> None:
    newest = (FIXTURES / "messenger_message_1.html").read_bytes()
    older = newest.replace(b"2024 ", b"2023 ")  # message_2.html holds the older messages
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("messages/inbox/rebeccamoon_1234/message_1.html", newest)
        archive.writestr("messages/inbox/rebeccamoon_1234/message_2.html", older)
    chat = parse(buffer.getvalue(), filename="facebook.zip")
    assert (chat.format, chat.title, len(chat.messages)) == ("messenger", "Rebecca Moon", 8)
    stamps = [m.timestamp for m in chat.messages if m.timestamp is not None]
    assert len(stamps) == 8
    assert stamps == sorted(stamps)
    assert stamps[0].year == 2023
