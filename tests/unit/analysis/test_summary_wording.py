"""The ten-second summary states ties as ties, counts with the right plural, and does not
count system lines (joins, leaves) as activity."""

from __future__ import annotations

from datetime import datetime

from parley.analysis import Conversation, Message, MessageKind, analyze


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 1, day, hour, minute)


def test_a_tie_for_most_messages_names_everyone_tied() -> None:
    messages = [
        Message("Ann", "hello there", at(1, 9)),
        Message("Bob", "hi", at(1, 9, 5)),
        Message("Ann", "how are you", at(1, 9, 10)),
        Message("Bob", "fine", at(1, 9, 15)),
        Message("Cem", "morning", at(1, 9, 20)),
    ]
    headlines = analyze(Conversation("whatsapp", messages))["summary"]["headlines"]
    assert "Ann and Bob wrote the most, 40% of messages each." in headlines


def test_one_link_is_one_link() -> None:
    messages = [
        Message("Ann", "see https://example.org", at(1, 9)),
        Message("Bob", "?", at(1, 9, 1)),
    ]
    headlines = analyze(Conversation("whatsapp", messages))["summary"]["headlines"]
    assert any("1 link" in line and "1 links" not in line for line in headlines)


def test_system_lines_are_not_activity() -> None:
    messages = [
        Message("Ann", "hi", at(1, 9)),
        Message("Bob", "hello", at(1, 10)),
        Message(None, "Cem joined", at(2, 11), kind=MessageKind.SYSTEM),
        Message(None, "Dee left", at(2, 12), kind=MessageKind.SYSTEM),
    ]
    activity = analyze(Conversation("whatsapp", messages))["activity"]
    assert activity["busiestDayMessages"] == 2
    assert sum(activity["byWeekday"]) == 2


def test_one_question_is_was_not_were() -> None:
    messages = [Message("Ann", "lunch?", datetime(2024, 1, 1, 9)), Message("Bob", "yes")]
    headlines = analyze(Conversation("test", messages))["summary"]["headlines"]
    assert "There was 1 question." in headlines
