from __future__ import annotations

import math

import pytest

from parley.analysis import analyze
from parley.analysis._words import tokenize
from parley.analysis.keywords import stop_words

from .conftest import chat


def test_keyword_lists_show_no_numbers_links_or_single_letters() -> None:
    rows = [("Ann", "42 42 x x https://a.example/p https://a.example/p pizza", 0)]
    rows += [("Bob", "pizza 42", 1)]
    kw = analyze(chat(*rows))["keywords"]
    assert [k["word"] for k in kw["top"]] == ["pizza"]
    assert kw["tokens"] == 9


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


def z_score(y_i: int, n_i: int, y_j: int, n_j: int, share: float = 0.1) -> float:
    """Monroe et al. (2008), eq. 16 and 20, by hand: the prior is the conversation's word
    frequencies with `share` of its words as pseudo-counts."""
    n = n_i + n_j
    a_0 = share * n
    a_w = a_0 * (y_i + y_j) / n
    delta = math.log((y_i + a_w) / (n_i + a_0 - y_i - a_w)) - math.log(
        (y_j + a_w) / (n_j + a_0 - y_j - a_w)
    )
    return delta / math.sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))


def two_people(ann_extra: str, bob_extra: str, rounds: int = 40) -> list[tuple[str, str, float]]:
    """A two-person chat of small talk, each with a word of their own every fifth turn."""
    rows = []
    for i in range(rounds):
        ann = "see you at the station later" + (f" {ann_extra}" if i % 5 == 0 else "")
        bob = "sure see you at the station" + (f" {bob_extra}" if i % 5 == 0 else "")
        rows += [("Ann", ann, float(2 * i)), ("Bob", bob, float(2 * i + 1))]
    return rows


def test_a_small_two_person_chat_has_words_that_set_each_person_apart() -> None:
    # 80 messages: each person's own word 8 times, the other's never. The old prior (the
    # whole conversation as pseudo-counts) scored these z = 1.6: nobody had a word.
    kw = analyze(chat(*two_people("football", "knitting")))["keywords"]
    distinct = {d["speaker"]: d["words"] for d in kw["distinctive"]}
    assert [w["word"] for w in distinct["Ann"]] == ["football"]
    assert [w["word"] for w in distinct["Bob"]] == ["knitting"]
    # The counts are of words that are not stop-words ("you", "at", "the" are).
    stop = stop_words()

    def words_of(who: str) -> int:
        rows = two_people("football", "knitting")
        return sum(1 for s, text, _ in rows if s == who for w in tokenize(text) if w not in stop)

    ann, bob = words_of("Ann"), words_of("Bob")
    assert distinct["Ann"][0]["z"] == pytest.approx(z_score(8, ann, 0, bob), abs=1e-3)
    assert z_score(8, ann, 0, bob, share=1.0) < 1.96  # the whole conversation as the prior
    assert distinct["Ann"][0]["z"] >= 1.96


def test_word_forms_are_one_word_shown_as_the_most_used_form() -> None:
    rows = [("Ann", "guess what", 0), ("Bob", "no guesses", 1), ("Ann", "guess again", 2)]
    rows += [("Bob", "guesses guesses", 3), ("Ann", "guessed", 4)]
    kw = analyze(chat(*rows))["keywords"]
    assert kw["top"][0] == {"word": "guesses", "count": 6, "z": None}  # 3 + 2 + 1 forms
    assert kw["language"] == "en"
    assert kw["stemmer"] == "english"


def test_no_keyword_list_shows_a_word_used_once() -> None:
    rows = [("Ann", "pizza pizza tonight", 0), ("Bob", "maybe sushi", 1), ("Ann", "pizza", 2)]
    kw = analyze(chat(*rows))["keywords"]
    assert [k["word"] for k in kw["top"]] == ["pizza"]
    assert all(w["count"] >= 2 for d in kw["distinctive"] for w in d["words"])


def test_the_language_is_read_from_its_stop_words_and_picks_the_stemmer() -> None:
    rows = [
        ("Ana", "eu não sei se vou hoje, mas amanhã com certeza", 0),
        ("Rui", "tudo bem, eu também não posso hoje", 1),
        ("Ana", "então vamos amanhã para a praia com os meninos", 2),
    ]
    kw = analyze(chat(*rows))["keywords"]
    assert (kw["language"], kw["stemmer"]) == ("pt", "portuguese")


def test_a_chat_in_none_of_the_languages_is_left_unstemmed() -> None:
    rows = [("Ann", "привет как дела", 0), ("Bob", "хорошо спасибо дела", 1)]
    kw = analyze(chat(*rows))["keywords"]
    assert (kw["language"], kw["stemmer"]) == (None, None)
    assert kw["top"] == [{"word": "дела", "count": 2, "z": None}]
