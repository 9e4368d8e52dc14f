from __future__ import annotations

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
