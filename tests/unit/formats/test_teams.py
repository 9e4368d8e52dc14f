"""Microsoft Teams: a personal account's export and Graph chat messages (fixtures in the
layouts the public sources document)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from parley.analysis.formats import parse
from parley.analysis.model import MessageKind

from .conftest import parse_fixture


def test_a_personal_export_names_senders_from_their_other_messages() -> None:
    chat = parse_fixture("teams_messages.json")
    assert (chat.format, chat.title) == ("teams", "Project Lynx")
    assert [(m.speaker, m.text, m.kind) for m in chat.messages] == [
        ("Ben Okafor", "Morning! Draft is ready & shared", MessageKind.TEXT),  # HTML read
        ("Ana Lima", "Thanks, reading it now", MessageKind.TEXT),  # named by message 4
        (None, "Ben Okafor added cy", MessageKind.SYSTEM),
        ("Ana Lima", "photo.jpg", MessageKind.MEDIA),
    ]  # the typing notice (Control/Typing) is no message
    # Seven fraction digits, as Teams writes them.
    assert chat.messages[1].timestamp == datetime(2024, 1, 15, 10, 2, tzinfo=UTC)


def test_graph_messages_are_put_oldest_first() -> None:
    chat = parse_fixture("teams_graph.json")
    assert [(m.speaker, m.text, m.kind) for m in chat.messages] == [
        ("Lee Gu", "ping", MessageKind.TEXT),
        (None, "the chat was named Graph Members", MessageKind.SYSTEM),
        ("Robin Kline", "Hello world, see you soon", MessageKind.TEXT),
    ]
    assert chat.messages[2].timestamp == datetime(2021, 3, 28, 20, 48, 29, 832000, tzinfo=UTC)


def test_graph_messages_of_the_same_instant_keep_the_order_they_were_sent_in() -> None:
    def item(i: int, text: str, at: str) -> dict[str, object]:
        return {
            "id": str(i),
            "messageType": "message",
            "createdDateTime": at,
            "from": {"user": {"displayName": "Lee Gu"}},
            "body": {"contentType": "text", "content": text},
        }

    newest_first = [
        item(3, "third", "2021-03-28T20:49:00.000Z"),
        item(2, "second", "2021-03-28T20:48:29.832Z"),
        item(1, "first", "2021-03-28T20:48:29.832Z"),
    ]
    chat = parse(json.dumps({"value": newest_first}).encode(), filename="messages.json")
    assert [m.text for m in chat.messages] == ["first", "second", "third"]
