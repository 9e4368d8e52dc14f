"""Instagram / Facebook Messenger JSON: newest-first order and Latin-1 mis-encoding."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

from parley.analysis.formats import parse
from parley.analysis.formats._common import fix_mojibake
from parley.analysis.model import MessageKind

from .conftest import fixture_path, parse_fixture


def test_messages_come_out_oldest_first() -> None:
    conv = parse_fixture("instagram_message_1.json")
    assert conv.format == "instagram"
    stamps = [m.timestamp for m in conv.messages if m.timestamp]
    assert stamps == sorted(stamps)
    assert conv.messages[0].timestamp == datetime(2023, 6, 5, 21, 21, 40, tzinfo=UTC)


def test_mis_encoded_text_and_names_come_out_right() -> None:
    conv = parse_fixture("instagram_message_1.json")
    assert conv.messages[0].speaker == "Zoë"
    assert conv.messages[0].text == "Ça va? 😊"
    assert conv.messages[-1].text == "Ciao! Ci vediamo al caffè ☕"
    assert conv.title == "Zoë"


def test_photos_are_media_and_unsent_is_deleted() -> None:
    kinds = [m.kind for m in parse_fixture("instagram_message_1.json").messages]
    assert kinds == [MessageKind.TEXT, MessageKind.DELETED, MessageKind.MEDIA, MessageKind.TEXT]


def test_fix_mojibake_leaves_correct_and_undecodable_text_alone() -> None:
    assert fix_mojibake("plain") == "plain"
    assert fix_mojibake("already right: 😊") == "already right: 😊"
    assert fix_mojibake("caf\u00e9") == "caf\u00e9"  # a lone Latin-1 é is not UTF-8 bytes
    assert fix_mojibake("caf\u00c3\u00a9") == "café"


def test_thread_split_over_several_files_in_a_zip_is_one_conversation() -> None:
    doc = json.loads(fixture_path("instagram_message_1.json").read_text())
    older = {"participants": doc["participants"], "messages": [
        {"sender_name": "Marco", "timestamp_ms": 1685000000000, "content": "older part"}
    ]}  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("messages/inbox/zoe_123/message_1.json", json.dumps(doc))
        zf.writestr("messages/inbox/zoe_123/message_2.json", json.dumps(older))
    conv = parse(buf.getvalue())
    assert conv.messages[0].text == "older part"
    assert len(conv.messages) == 5
