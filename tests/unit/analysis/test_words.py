"""One definition of a word, behind every count the result gives."""

from __future__ import annotations

from dataclasses import replace

import pytest

from parley.analysis import analyze
from parley.analysis._words import listable, tokenize
from parley.analysis.model import MessageKind

from .conftest import chat


def test_a_word_is_letters_or_digits_of_any_script_with_apostrophes_inside() -> None:
    assert tokenize("Don't PANIC: 42 l'été привет 東京 b_c -- 😂 !!") == [
        "don't",
        "panic",
        "42",
        "l'été",
        "привет",
        "東京",
        "b_c",
    ]


def test_a_link_is_one_word_however_many_dots_and_slashes() -> None:
    assert tokenize("see https://www.example.com/a/b.html and www.x.org/y") == [
        "see",
        "https://www.example.com/a/b.html",
        "and",
        "www.x.org/y",
    ]


@pytest.mark.parametrize(
    ("word", "shown"),
    [
        ("pizza", True),
        ("l'été", True),
        ("don\u2019t", True),
        ("42", False),
        ("covid19", False),
        ("x", False),
        ("b_c", False),
        ("https://a.example", False),
    ],
)
def test_keyword_lists_show_only_words_of_letters(word: str, shown: bool) -> None:
    assert listable(word) is shown


def test_the_summary_people_filter_table_and_keywords_count_the_same_words() -> None:
    rows = [
        ("Ann", "Don't panic: 42 l'été https://x.example/a b_c", 0),  # 6 words
        ("Bob", "ok 😂 ok!", 1),  # 2
        (None, "Ann added Carl", 2),  # a system line: no one's words
        ("Carl", "<image omitted>", 3),  # a placeholder: not Carl's words
        ("Ann", "...", 4),  # 0
    ]
    conversation = chat(*rows)
    media = replace(conversation.messages[3], kind=MessageKind.MEDIA)
    conversation = replace(
        conversation, messages=[*conversation.messages[:3], media, conversation.messages[4]]
    )
    result = analyze(conversation)
    people = {p["speaker"]: p["words"] for p in result["participation"]["speakers"]}
    assert people == {"Ann": 6, "Bob": 2, "Carl": 0}
    assert result["summary"]["numbers"]["words"] == 8
    assert result["participation"]["words"] == 8
    assert result["keywords"]["tokens"] == 8
    table = result["activity"]["table"]
    assert sum(sum(row) for row in table["words"]) == 8
