"""Telegram Desktop result.json: one chat, a full export, text part arrays, services, replies."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from parley.analysis.formats import parse
from parley.analysis.model import MessageKind
from parley.errors import ParseError

from .conftest import parse_fixture


def test_single_chat_keeps_ids_replies_and_the_chat_name() -> None:
    conv = parse_fixture("telegram_chat.json")
    assert conv.format == "telegram"
    assert conv.title == "Book club"
    reply = conv.messages[2]
    assert (reply.id, reply.reply_to, reply.speaker) == ("3", "2", "Omar")


def test_unixtime_gives_an_aware_utc_timestamp() -> None:
    conv = parse_fixture("telegram_chat.json")
    assert conv.messages[1].timestamp == datetime(2023, 2, 1, 19, 1, tzinfo=UTC)


def test_date_without_unixtime_is_naive_local_time() -> None:
    sticker = parse_fixture("telegram_chat.json").messages[5]
    assert sticker.timestamp == datetime(2023, 2, 1, 19, 7)
    assert sticker.timestamp.tzinfo is None


def test_service_message_is_system_without_speaker() -> None:
    service = parse_fixture("telegram_chat.json").messages[0]
    assert service.kind is MessageKind.SYSTEM
    assert service.speaker is None
    assert "create group" in service.text


def test_text_parts_are_joined_into_one_string() -> None:
    reply = parse_fixture("telegram_chat.json").messages[2]
    assert reply.text == "Yes! Loved the trailer. Review: https://example.org/piranesi"


def test_link_part_glued_to_the_word_before_gets_a_space() -> None:
    doc = {
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date": "2020-01-01T00:00:00",
                "from": "A",
                "text": [
                    {"type": "bold", "text": "Link:"},
                    {"type": "link", "text": "https://t.me"},
                ],
            }
        ]
    }
    assert parse(json.dumps(doc).encode()).messages[0].text == "Link: https://t.me"


def test_photo_and_sticker_are_media_and_edited_is_flagged() -> None:
    conv = parse_fixture("telegram_chat.json")
    assert conv.messages[3].kind is MessageKind.MEDIA
    assert conv.messages[5].text == "👍"
    assert conv.messages[4].edited is True


def test_full_export_reads_every_chat_with_ids_prefixed_by_chat() -> None:
    conv = parse_fixture("telegram_full_export.json")
    assert [m.text for m in conv.messages] == ["hi", "hello", "ping"]
    assert conv.messages[1].reply_to == "11:1"
    assert conv.messages[2].id == "12:1"
    assert conv.title == "Ines, Omar"  # the chats it holds, by name


def test_message_without_date_names_the_record() -> None:
    doc = {"messages": [{"type": "message", "date": "2020-01-01T00:00:00"}, {"type": "message"}]}
    with pytest.raises(ParseError) as info:
        parse(json.dumps(doc).encode(), format="telegram")
    assert (info.value.format, info.value.record) == ("telegram", 1)
