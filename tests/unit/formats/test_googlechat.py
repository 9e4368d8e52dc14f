"""Google Chat from Google Takeout (messages.json, fixture in the documented layout)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import pytest

from parley.analysis.formats import parse
from parley.analysis.model import MessageKind
from parley.errors import ParseError

from .conftest import parse_fixture


def test_messages_attachments_edits_and_deletions() -> None:
    chat = parse_fixture("googlechat_messages.json")
    assert chat.format == "googlechat"
    assert [(m.speaker, m.text, m.kind) for m in chat.messages] == [
        ("John Smith", "We should shoe shop this weekend", MessageKind.TEXT),
        ("Jane Doe", "2016-11-22.png", MessageKind.MEDIA),  # an attachment and no text
        ("Jane Doe", "Found the shoes https://example.com/shoes", MessageKind.TEXT),
        (None, "a message was deleted", MessageKind.SYSTEM),  # no creator is left
    ]
    assert chat.messages[0].timestamp == datetime(2016, 11, 3, 11, 59, 50, tzinfo=UTC)
    # Newer exports: a narrow no-break space before PM.
    assert chat.messages[2].timestamp == datetime(2024, 1, 3, 13, 45, 12, tzinfo=UTC)
    assert chat.messages[2].edited is True
    assert chat.messages[3].timestamp == datetime(2024, 1, 3, 14, 0, tzinfo=UTC)


def test_a_day_first_locale_is_read() -> None:
    doc = {"messages": [{"creator": {"name": "Ana"}, "text": "oi",
                         "created_date": "Tuesday, 14 March 2021 at 22:41:03 UTC"}]}  # fmt: skip
    [message] = parse(json.dumps(doc).encode()).messages
    assert message.timestamp == datetime(2021, 3, 14, 22, 41, 3, tzinfo=UTC)


def test_an_unreadable_date_is_refused_with_its_record() -> None:
    doc = {"messages": [{"creator": {"name": "Ana"}, "text": "oi", "created_date": "soon"}]}
    with pytest.raises(ParseError) as info:
        parse(json.dumps(doc).encode(), format="googlechat")
    assert (info.value.format, info.value.record) == ("googlechat", 0)


def takeout(groups: dict[str, dict[str, object]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for folder, files in groups.items():
            for name, doc in files.items():
                archive.writestr(f"Takeout/Google Chat/Groups/{folder}/{name}", json.dumps(doc))
    return buffer.getvalue()


WHEN = "Thursday, November 3, 2016 at 11:59:50 AM UTC"
MESSAGES = {"messages": [{"creator": {"name": "Ana"}, "text": "oi", "created_date": WHEN}]}


def test_a_takeout_of_one_space_is_named_after_it() -> None:
    data = takeout({"Space AAAA": {"messages.json": MESSAGES, "group_info.json": {"name": "Trip"}}})
    chat = parse(data, filename="takeout-20240101.zip")
    assert (chat.format, chat.title, len(chat.messages)) == ("googlechat", "Trip", 1)
    members = {"members": [{"name": "Ana"}, {"name": "Ben"}]}  # a DM has no name
    dm = parse(takeout({"DM BBBB": {"messages.json": MESSAGES, "group_info.json": members}}))
    assert dm.title == "Ana, Ben"


def test_a_takeout_of_several_conversations_is_refused_with_their_names() -> None:
    data = takeout(
        {"DM AAAA": {"messages.json": MESSAGES}, "Space BBBB": {"messages.json": MESSAGES}}
    )
    with pytest.raises(ParseError, match="holds 2 Google Chat conversations"):
        parse(data)
