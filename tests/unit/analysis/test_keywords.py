from __future__ import annotations

from parley.analysis import analyze
from parley.analysis.keywords import tokenize

from .conftest import chat


def test_tokenize_keeps_words_of_any_script_and_drops_numbers() -> None:
    assert tokenize("Don't PANIC: 42 l'été привет 東京") == [
        "don't",
        "panic",
        "l'été",
        "привет",
        "東京",
    ]


def test_keywords_skip_stop_words_and_rank_by_count() -> None:
    rows = [("Ann", "the pizza and the pasta", 0), ("Bob", "pizza again", 1), ("Ann", "pizza", 2)]
    top = analyze(chat(*rows))["keywords"]["top"]
    assert top[0] == {"word": "pizza", "count": 3, "z": None}
    assert "the" not in {k["word"] for k in top}


def test_distinctive_words_are_the_ones_a_speaker_uses_more_than_the_rest() -> None:
    rows = []
    for i in range(30):
        rows.append(("Ann", "honestly the weather is nice today", float(i * 2)))
        rows.append(("Bob", "mate the weather is nice today", float(i * 2 + 1)))
    kw = analyze(chat(*rows))["keywords"]
    distinct = {d["speaker"]: [w["word"] for w in d["words"]] for d in kw["distinctive"]}
    assert distinct == {"Ann": ["honestly"], "Bob": ["mate"]}


def test_mixed_scripts_and_odd_characters_do_not_crash() -> None:
    rows = [
        ("Ann", "日本語のテキスト 🤖 \u200b\u0000 ﷽", 0),
        ("Bob", "مرحبا بالعالم؟ ¿Qué? Ünïcödé", 1),
        ("Cy", "\ud7ff\U0010ffff" * 3, 2),
    ]
    result = analyze(chat(*rows))
    assert result["keywords"]["tokens"] > 0


def test_a_conversation_of_one_repeated_word_has_no_distinctive_words() -> None:
    rows = [("Ann", "aj", 0), ("Ann", "aj", 1), ("Ann", "aj", 2), ("Bob", "aj", 3)]
    kw = analyze(chat(*rows))["keywords"]
    assert all(d["words"] == [] for d in kw["distinctive"])
