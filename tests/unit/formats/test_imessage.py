"""iMessage: imessage-exporter's text export (fixture written in its exact layout)."""

from __future__ import annotations

from datetime import datetime

import pytest

from parley.analysis.formats import parse
from parley.analysis.model import MessageKind
from parley.errors import ParseError

from .conftest import parse_fixture

FIXTURE = "imessage_+15558675309.txt"


def test_blocks_are_read_with_their_times_senders_and_texts() -> None:
    chat = parse_fixture(FIXTURE)
    assert chat.format == "imessage"
    assert [(m.speaker, m.text) for m in chat.messages] == [
        ("+15558675309", "Hey, are we still on for lunch?"),
        ("Me", "Yes! See you at noon"),  # the tapback list is the exporter's, not hers
        ("+15558675309", "Running 10 min late"),  # an edited message: its last version
        (None, "+15558675309 unsent a message!"),
        ("Me", "/Users/me/Library/Messages/Attachments/ab/01/IMG_0001.heic"),
        ("+15558675309", "Good morning!\n\nThat was a long night"),  # a blank line inside
    ]
    # The read receipt is dropped; a one-digit hour has two spaces before it.
    assert chat.messages[0].timestamp == datetime(2024, 1, 2, 13, 45, 12)
    assert chat.messages[4].timestamp == datetime(2024, 1, 2, 22, 15)
    assert chat.messages[5].timestamp == datetime(2024, 1, 3, 8, 1, 9)
    kinds = [m.kind for m in chat.messages]
    assert kinds[3] is MessageKind.SYSTEM
    assert kinds[4] is MessageKind.MEDIA


def test_twelve_am_and_pm_are_midnight_and_noon() -> None:
    data = b"Jan 05, 2024 12:00:01 AM\nMe\nlate\n\nJan 05, 2024 12:30:00 PM\nAna\nlunch\n\n"
    stamps = [m.timestamp for m in parse(data, format="imessage").messages]
    assert stamps == [datetime(2024, 1, 5, 0, 0, 1), datetime(2024, 1, 5, 12, 30)]


def test_a_timestamp_without_a_sender_is_refused_with_its_line() -> None:
    with pytest.raises(ParseError) as info:
        parse(b"Jan 05, 2024 12:00:01 AM\n\nJan 05, 2024 12:00:02 AM\nMe\nhi\n", format="imessage")
    assert (info.value.format, info.value.line) == ("imessage", 1)
