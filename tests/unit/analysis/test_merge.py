"""Several exports as one conversation: overlaps counted once, files named."""

from __future__ import annotations

from datetime import datetime

from parley.analysis import analyze
from parley.analysis.formats import parse
from parley.analysis.merge import merge
from parley.analysis.model import Conversation, Message

JANUARY = (
    b"12/01/2024, 09:00 - Ana: hi\n"
    b"12/01/2024, 09:01 - Ben: hello\n"
    b"13/01/2024, 10:00 - Ana: still there?\n"
)
# The same chat exported a month later: the last January message overlaps, then more.
FEBRUARY = (
    b"13/01/2024, 10:00 - Ana: still there?\n"
    b"12/02/2024, 08:00 - Ben: back now\n"
    b"12/02/2024, 08:02 - Ana: welcome back\n"
)


def test_the_same_chat_exported_twice_counts_the_overlap_once() -> None:
    both = merge([("january.txt", parse(JANUARY)), ("february.txt", parse(FEBRUARY))])
    assert [m.text for m in both.messages] == [
        "hi", "hello", "still there?", "back now", "welcome back",
    ]  # fmt: skip
    result = analyze(both)
    assert result["duplicatesDropped"] == 1
    assert result["sources"] == [
        {"filename": "january.txt", "format": "whatsapp", "messages": 3, "duplicates": 0},
        {"filename": "february.txt", "format": "whatsapp", "messages": 3, "duplicates": 1},
    ]
    assert result["overview"]["messages"] == 5
    assert result["format"] == "whatsapp"


def test_exports_of_several_apps_are_put_in_time_order() -> None:
    later = Conversation(
        "telegram", [Message("Ana", "on telegram", datetime(2024, 1, 12, 9, 0, 30))]
    )
    both = merge([("chat.txt", parse(JANUARY)), ("result.json", later)])
    assert [m.text for m in both.messages][:3] == ["hi", "on telegram", "hello"]
    assert both.format == "mixed"


def test_messages_without_times_are_never_dropped_and_ids_stay_per_file() -> None:
    first = Conversation("transcript", [Message("Ann", "ok", id="1"), Message("Bob", "ok", id="2")])
    second = Conversation("transcript", [Message("Ann", "ok", id="1", reply_to="2")])
    both = merge([("a.txt", first), ("b.txt", second)])
    assert [m.text for m in both.messages] == ["ok", "ok", "ok"]  # two identical lines are two
    assert [m.id for m in both.messages] == ["1/1", "1/2", "2/1"]
    assert both.messages[2].reply_to == "2/2"


def test_a_single_file_names_its_source() -> None:
    one = merge([("only.txt", parse(JANUARY))])
    assert [(s.filename, s.duplicates) for s in one.sources] == [("only.txt", 0)]
