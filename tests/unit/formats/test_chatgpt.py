"""ChatGPT conversations.json and plain role/content message lists."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from parley.analysis.formats import parse
from parley.analysis.model import MessageKind
from parley.errors import ParseError

from .conftest import parse_fixture


def test_only_the_branch_ending_at_current_node_is_read() -> None:
    conv = parse_fixture("chatgpt_conversations.json")
    assert conv.format == "chatgpt"
    assert [m.id for m in conv.messages] == ["u1", "a1", "u2b", "a2"]
    assert all("abandoned" not in m.text for m in conv.messages)


def test_hidden_system_and_empty_nodes_are_skipped_and_roles_are_speakers() -> None:
    conv = parse_fixture("chatgpt_conversations.json")
    assert conv.speakers == ["user", "assistant"]
    assert conv.title == "Sourdough help"


def test_create_time_is_aware_utc() -> None:
    first = parse_fixture("chatgpt_conversations.json").messages[0]
    assert first.timestamp == datetime(2023, 11, 14, 22, 13, 30, 500000, tzinfo=UTC)


def test_parent_links_that_loop_are_a_parse_error() -> None:
    doc = [
        {
            "current_node": "a",
            "mapping": {"a": {"id": "a", "parent": "b"}, "b": {"id": "b", "parent": "a"}},
        }
    ]
    with pytest.raises(ParseError, match="loop"):
        parse(json.dumps(doc).encode(), format="chatgpt")


def test_message_list_with_string_and_part_array_content() -> None:
    conv = parse_fixture("messages.json")
    assert conv.format == "messages"
    assert [(m.speaker, m.kind) for m in conv.messages] == [
        (None, MessageKind.SYSTEM),
        ("user", MessageKind.TEXT),
        ("assistant", MessageKind.TEXT),
        ("user", MessageKind.MEDIA),
    ]
    assert conv.messages[2].text == "Bonjour."


def test_messages_wrapped_in_an_object_are_accepted() -> None:
    conv = parse_fixture("messages_wrapped.json")
    assert conv.format == "messages"
    assert conv.messages[0].text == "part one\npart two"


def test_message_without_role_names_the_record() -> None:
    with pytest.raises(ParseError) as info:
        parse(b'[{"role": "user", "content": "hi"}, {"content": "x"}]', format="messages")
    assert (info.value.format, info.value.record) == ("messages", 1)


def test_speaker_and_text_messages_are_the_other_documented_shape() -> None:
    conv = parse(
        b'{"messages": [{"speaker": "Ana", "text": "hi", "timestamp": "2024-12-01T09:00:00Z"},'
        b' {"speaker": "system", "text": "a person named system"}]}'
    )
    assert conv.format == "messages"
    assert [(m.speaker, m.text) for m in conv.messages] == [
        ("Ana", "hi"),
        ("system", "a person named system"),  # only a *role* of system is a system line
    ]
    assert conv.messages[0].timestamp is not None


def test_a_message_without_speaker_or_role_names_the_record() -> None:
    with pytest.raises(ParseError, match='"speaker"') as info:
        parse(b'[{"speaker": "Ana", "text": "hi"}, {"text": "x"}]', format="messages")
    assert info.value.record == 1
