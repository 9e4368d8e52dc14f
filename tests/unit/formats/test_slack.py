"""Slack exports: the folder, the zip, and a single channel-day file."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from parley.analysis.formats import parse, parse_path
from parley.analysis.model import MessageKind

from .conftest import FIXTURES, parse_fixture


def test_export_folder_merges_channels_in_time_order() -> None:
    conv = parse_path(FIXTURES / "slack_export")
    assert conv.format == "slack"
    stamps = [m.timestamp for m in conv.messages if m.timestamp]
    assert stamps == sorted(stamps)
    assert conv.messages[1].id == "random/1677664830.000000"


def test_user_ids_become_real_names_then_display_names() -> None:
    conv = parse_path(FIXTURES / "slack_export")
    assert "Ana Souza" in conv.speakers
    assert "Kofi M" in conv.speakers  # empty real_name: the display name


def test_mentions_channels_links_and_entities_are_resolved_in_text() -> None:
    conv = parse_path(FIXTURES / "slack_export")
    welcome = next(m for m in conv.messages if m.text.startswith("Welcome"))
    assert welcome.text == "Welcome @Kofi M! Release notes are in #random & on the wiki"


def test_thread_reply_points_at_the_thread_parent() -> None:
    conv = parse_path(FIXTURES / "slack_export")
    reply = next(m for m in conv.messages if m.text.startswith("Thanks"))
    parent = next(m for m in conv.messages if m.text.startswith("Welcome"))
    assert reply.reply_to == parent.id
    assert parent.reply_to is None  # the parent's thread_ts is its own ts


def test_join_is_system_file_share_is_media_edit_is_flagged() -> None:
    conv = parse_path(FIXTURES / "slack_export")
    assert conv.messages[0].kind is MessageKind.SYSTEM
    media = next(m for m in conv.messages if m.kind is MessageKind.MEDIA)
    assert media.text == "roadmap.pdf"
    assert any(m.edited for m in conv.messages)


def test_export_zip_with_a_top_folder_is_read_like_the_folder() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted((FIXTURES / "slack_export").rglob("*.json")):
            zf.write(
                path, "Acme Slack export/" + path.relative_to(FIXTURES / "slack_export").as_posix()
            )
    conv = parse(buf.getvalue(), filename="Acme Slack export.zip")
    assert conv.format == "slack"
    assert len(conv.messages) == 6


def test_single_day_file_uses_the_embedded_user_profile_and_bot_names() -> None:
    conv = parse_fixture("slack_day.json")
    assert conv.format == "slack"
    assert [m.speaker for m in conv.messages] == ["Mei Chen", "deploybot"]
    assert conv.messages[0].text == "Standup in 5 @here"
    assert conv.messages[0].timestamp == datetime(2023, 3, 28, 10, 40, 0, 100, tzinfo=UTC)


def test_an_export_is_named_after_its_channels() -> None:
    assert parse_path(FIXTURES / "slack_export").title == "#general, #random"
