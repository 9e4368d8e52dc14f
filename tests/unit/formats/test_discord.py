"""DiscordChatExporter JSON and CSV."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from parley.analysis.model import MessageKind

from .conftest import parse_fixture


def test_json_reply_reference_becomes_reply_to() -> None:
    conv = parse_fixture("discord.json")
    assert conv.format == "discord"
    assert conv.messages[2].reply_to == "101"


def test_json_nickname_wins_over_user_name_and_reactions_do_not_break() -> None:
    conv = parse_fixture("discord.json")
    assert conv.messages[1].speaker == "Lena"
    assert conv.messages[2].speaker == "raj"


def test_json_keeps_the_offset_of_the_timestamp() -> None:
    msg = parse_fixture("discord.json").messages[1]
    assert msg.timestamp == datetime(
        2023, 4, 1, 12, 1, 30, 123000, tzinfo=timezone(timedelta(hours=2))
    )
    assert msg.edited


def test_json_join_is_system_and_attachment_only_is_media() -> None:
    conv = parse_fixture("discord.json")
    join = conv.messages[0]
    assert (join.kind, join.speaker, join.text) == (
        MessageKind.SYSTEM,
        None,
        "Joined the server. (Newbie)",
    )
    assert (conv.messages[3].kind, conv.messages[3].text) == (MessageKind.MEDIA, "map.png")


def test_csv_reads_quoted_multiline_content_and_attachments() -> None:
    conv = parse_fixture("discord.csv")
    assert conv.format == "discord"
    assert conv.messages[1].text == "count me in,\nbringing snacks"
    assert conv.messages[2].kind is MessageKind.MEDIA
