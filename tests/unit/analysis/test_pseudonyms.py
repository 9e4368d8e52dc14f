"""Pseudonyms: names, phone numbers and e-mail addresses replaced before the analysis."""

from __future__ import annotations

from parley.analysis import analyze
from parley.analysis.formats import parse
from parley.analysis.model import Conversation, Message, MessageKind
from parley.analysis.pseudonyms import pseudonymise

CHAT = (
    '12/01/2024, 09:00 - Ana Lima created group "Trip with Ben"\n'
    "12/01/2024, 09:00 - Ana Lima added Ben\n"
    "12/01/2024, 09:01 - Ana Lima: hi Ben! call me on +1 555 010 9999 or ana@example.com\n"
    "12/01/2024, 09:02 - Ben: @Ana sure. BEN is here, and so is ana\n"
    "12/01/2024, 09:03 - +44 7700 900123: bananas for Ben's party on 2024-01-12?\n"
    "12/01/2024, 09:04 - Ben: ask Lima, she knows +44 7700 900123\n"
)


def test_people_become_persons_in_the_order_they_first_write() -> None:
    chat = pseudonymise(parse(CHAT.encode(), format="whatsapp"))
    assert chat.speakers == ["Person 1", "Person 2", "Person 3"]
    assert chat.pseudonymised is True


def test_names_and_their_parts_are_replaced_in_every_text_as_whole_words() -> None:
    texts = [m.text for m in pseudonymise(parse(CHAT.encode(), format="whatsapp")).messages]
    assert texts == [
        'Person 1 created group "Trip with Person 2"',
        "Person 1 added Person 2",
        "hi Person 2! call me on [phone] or [email]",
        "@Person 1 sure. Person 2 is here, and so is Person 1",
        "bananas for Person 2's party on 2024-01-12?",  # "banana" and the date stay
        "ask Person 1, she knows [phone]",
    ]


def test_the_title_loses_its_names_too() -> None:
    chat = pseudonymise(parse(CHAT.encode(), format="whatsapp"))
    assert chat.title == "Trip with Person 2"


def test_no_name_survives_anywhere_in_the_result() -> None:
    result = analyze(pseudonymise(parse(CHAT.encode(), format="whatsapp")))
    text = repr(result).casefold()
    for secret in ("ana", "lima", "ben", "7700", "555", "example.com"):
        # "bananas" holds "ana": only whole words are names.
        assert secret not in text.replace("bananas", ""), secret
    assert result["pseudonymised"] is True
    assert "person" not in {k["word"] for k in result["keywords"]["top"]}


def test_a_chat_without_speakers_is_left_as_it_is() -> None:
    chat = Conversation("transcript", [Message(None, "notice", kind=MessageKind.SYSTEM)])
    assert pseudonymise(chat).messages[0].text == "notice"


def test_lines_quoted_in_the_reading_notes_lose_their_names() -> None:
    chat = b"12/01/2024, 09:00 - Ana: list for Ben\nBen buys milk\n12/01/2024, 09:01 - Ben: ok\n"
    result = analyze(pseudonymise(parse(chat)))
    assert result["diagnostics"]["firstMerged"] == [{"line": 2, "text": "Person 2 buys milk"}]
