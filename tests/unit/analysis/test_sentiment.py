from __future__ import annotations

import random

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

from parley.analysis import analyze
from parley.analysis._vader import scorer

from .conftest import chat

SENTENCES = [
    "I love this so much!!",
    "This is not good at all",
    "VERY BAD idea",
    "never so happy",
    "I don't really like it",
    "no problem at all",
    "😂😂 that's hilarious",
    "The food was extremely good, but the service was slow.",
    "I am NOT happy with this",
    "At least it works",
    "hey how are you?",
    "ugh :( sad day",
    "what?? no way!!!",
    "Not bad, not bad at all",
    "I hate mondays 😡",
    "Great job team 🎉🎉",
    "the train is late again, awful",
    "thanks a lot, that's kind of you",
    "Schönes Wochenende",
    "",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_fast_scorer_agrees_with_vader_itself(text: str) -> None:
    reference = SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
    assert scorer().compound(text) == pytest.approx(reference, abs=0.03)


# The words VADER's rules read (negations, boosters, "no", "never", "least", "so", "this",
# "without doubt", "but", ALL CAPS) among lexicon words and words it does not know.
_RULE_WORDS = [
    "good",
    "great",
    "bad",
    "awful",
    "love",
    "hate",
    "happy",
    "sad",
    "not",
    "no",
    "never",
    "very",
    "really",
    "so",
    "this",
    "least",
    "at",
    "without",
    "doubt",
    "don't",
    "isn't",
    "the",
    "a",
    "it",
    "is",
    "was",
    "I",
    "you",
    "we",
    "GOOD",
    "BAD",
    "LOVE",
    "ok",
    "fine",
    "problem",
    "nice",
    "sorry",
    "thanks",
    "extremely",
    "barely",
    "hardly",
    ":)",
    ":(",
    "lol",
    "wow",
    "yes",
    "nope",
    "or",
    "nor",
]


def test_fast_scorer_agrees_with_vader_on_thousands_of_rule_heavy_sentences() -> None:
    # Not "kind" or "but": there VADER finds a score's place by its value (list.index),
    # so two equal scores trade places; this scorer keeps each at its word.
    rng = random.Random(3)
    reference = SentimentIntensityAnalyzer()
    disagree = []
    for _ in range(3000):
        text = " ".join(rng.sample(_RULE_WORDS, rng.randrange(1, 12)))
        text += rng.choice(["", "!", "!!", "?", "???", "."])
        theirs = reference.polarity_scores(text)["compound"]  # VADER rounds to 4 places
        if abs(scorer().compound(text) - theirs) > 1e-4:
            disagree.append(text)
    assert disagree == []


def test_per_speaker_means_and_shares() -> None:
    result = analyze(
        chat(
            ("Ann", "I love this, wonderful!", 0),
            ("Ann", "the bus is at nine", 1),
            ("Bob", "this is terrible and sad", 2),
        )
    )
    sent = result["sentiment"]
    rows = {s["speaker"]: s for s in sent["speakers"]}
    assert rows["Ann"]["positiveShare"] == 0.5
    assert rows["Ann"]["neutralShare"] == 0.5
    assert rows["Bob"]["negativeShare"] == 1.0
    assert sent["scoredMessages"] == 3
    assert sent["mostPositive"][0]["speaker"] == "Ann"
    assert sent["mostNegative"][0]["text"] == "this is terrible and sad"
    assert sent["overTime"]["unit"] == "hour"  # minutes apart: one hourly bin
    assert len(sent["overTime"]["mean"]) == 1


@pytest.mark.parametrize(
    ("glued", "alone"), [("love it ❤\ufe0f", "love it ❤"), ("i snow 🔥🇫🇷", "i snow 🔥")]
)
def test_emoji_glued_to_a_selector_or_flag_keep_their_sentiment(glued: str, alone: str) -> None:
    """A deliberate departure: VADER's own loop reads these emoji as unknown words."""
    assert scorer().compound(glued) == scorer().compound(alone) != 0.0


def test_scorer_cache_does_not_change_scores() -> None:
    fresh = [scorer().compound(t) for t in SENTENCES]
    again = [scorer().compound(t) for t in SENTENCES]
    assert fresh == again


def test_each_of_the_most_active_people_has_a_line_over_time() -> None:
    # Two days, binned by the hour: Ann glad at 09:00, sad at 10:00; Bob glad at 09:00.
    glad, sad = "I love this so much!!", "VERY BAD idea"
    rows = [("Ann", glad, 0), ("Bob", glad, 1), ("Ann", sad, 60), ("Ann", "ok", 24 * 60)]
    over_time = analyze(chat(*rows))["sentiment"]["overTime"]
    lines = {s["speaker"]: s["mean"] for s in over_time["speakers"]}
    g, b = round(scorer().compound(glad), 4), round(scorer().compound(sad), 4)
    assert lines["Ann"][:2] == [g, b]
    assert lines["Bob"][:2] == [g, None]  # no message of Bob's at 10:00
    assert over_time["mean"][0] == g  # everyone: both glad at 09:00
    assert {len(line) for line in lines.values()} == {len(over_time["labels"])}


def test_a_chat_in_another_language_is_not_scored_by_the_english_lexicon() -> None:
    rows = [
        ("Ana", "eu não sei se vou hoje, mas amanhã com certeza", 0),
        ("Rui", "que pena, eu também não posso hoje", 1),
        ("Ana", "então vamos amanhã para a praia com os meninos", 2),
    ]
    result = analyze(chat(*rows))
    mood = result["sentiment"]
    assert (mood["available"], mood["language"], mood["lexiconLanguage"]) == (False, "pt", "en")
    assert mood["reason"] == (
        "the chat reads as Portuguese, and the sentiment lexicon (VADER) is English"
    )
    assert mood["scoredMessages"] == 0
    assert not any("tone" in line for line in result["summary"]["headlines"])


def test_an_english_chat_is_scored_and_says_its_language() -> None:
    rows = [("Ann", "I love this so much, it is great", 0), ("Bob", "it is not good at all", 1)]
    mood = analyze(chat(*rows))["sentiment"]
    assert (mood["available"], mood["language"]) == (True, "en")
    assert mood["scoredMessages"] == 2
