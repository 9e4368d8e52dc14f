from __future__ import annotations

from typing import Any

import pytest

from parley.analysis import analyze
from parley.analysis._stats import gini

from .conftest import chat


def by_name(section: dict[str, Any], key: str = "speakers") -> dict[str, dict[str, Any]]:
    return {row["speaker"]: row for row in section[key]}


def test_counts_messages_turns_words_and_characters_per_speaker() -> None:
    result = analyze(
        chat(
            ("Ann", "hello there", 0),
            ("Ann", "you ok", 1),
            ("Bob", "yes fine thanks", 2),
            (None, "Cy joined", 3),
            ("Ann", "good", 4),
        )
    )
    part = result["participation"]
    rows = by_name(part)
    assert part["speakerCount"] == 2
    assert part["systemMessages"] == 1
    assert rows["Ann"]["messages"] == 3
    assert rows["Ann"]["turns"] == 2  # the system line does not break Ann's last turn
    assert rows["Ann"]["words"] == 5
    assert rows["Ann"]["characters"] == len("hello there") + len("you ok") + len("good")
    assert rows["Bob"]["messages"] == 1
    assert rows["Bob"]["turns"] == 1
    assert rows["Ann"]["messageShare"] == 0.75
    assert rows["Bob"]["wordShare"] == 0.375
    assert rows["Ann"]["wordsPerMessage"]["median"] == 2
    assert rows["Ann"]["wordsPerMessage"]["max"] == 2
    assert rows["Ann"]["messagesPerTurn"] == 1.5


def test_speakers_are_listed_most_active_first() -> None:
    result = analyze(chat(("Ann", "a", 0), ("Bob", "b", 1), ("Bob", "c", 2)))
    assert [r["speaker"] for r in result["participation"]["speakers"]] == ["Bob", "Ann"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [([5, 5, 5], 0.0), ([0, 0, 10], 2 / 3), ([1, 3], 0.25), ([], 0.0), ([7], 0.0)],
)
def test_gini_matches_hand_computed_values(values: list[float], expected: float) -> None:
    assert gini(values) == pytest.approx(expected)


def test_gini_of_messages_is_zero_when_everyone_writes_as_much() -> None:
    result = analyze(chat(("Ann", "a", 0), ("Bob", "b", 1), ("Cy", "c", 2)))
    assert result["participation"]["giniMessages"] == 0.0
