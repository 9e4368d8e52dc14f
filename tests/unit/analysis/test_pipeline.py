from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from bench._gen import messages

from parley.analysis import SCHEMA_VERSION, Conversation, analyze

from .conftest import chat


def test_progress_is_staged_increasing_and_ends_at_100() -> None:
    calls: list[tuple[str, float, str]] = []
    msgs = messages(3000)
    analyze(Conversation("t", msgs), lambda *a: calls.append(a))
    percents = [p for _, p, _ in calls]
    assert percents == sorted(percents)
    assert all(0 <= p <= 100 for p in percents)
    assert calls[-1][:2] == ("done", 100.0)
    stages = list(dict.fromkeys(s for s, _, _ in calls))
    assert stages[:2] == ["prepare", "participation"]
    assert {"sentiment", "keywords", "content"} <= set(stages)
    assert len(calls) >= 100  # about one call per percent of the long stages
    biggest_jump = max(b - a for a, b in itertools.pairwise(percents))
    assert biggest_jump <= 10


def test_progress_calls_are_bounded_not_one_per_message() -> None:
    calls: list[object] = []
    msgs = messages(20_000)
    analyze(Conversation("t", msgs), lambda *a: calls.append(a))
    assert len(calls) < 1000


def test_result_is_versioned_and_strict_json() -> None:
    result = analyze(chat(("Ann", "hi 😂", 0), ("Bob", "yo?", 1)))
    assert result["schemaVersion"] == SCHEMA_VERSION == 2
    text = json.dumps(result, allow_nan=False)
    assert json.loads(text) == result


@pytest.mark.parametrize("messages", [[], [("Ann", "", None)]])
def test_empty_and_tiny_conversations_analyse(messages: list[Any]) -> None:
    result = analyze(chat(*messages))
    json.dumps(result, allow_nan=False)
    assert result["summary"]["headlines"]


def test_result_stays_bounded_for_a_large_conversation() -> None:
    msgs = messages(40_000, speakers=80)
    result = analyze(Conversation("whatsapp", msgs))
    size = len(json.dumps(result, ensure_ascii=False).encode())
    assert size < 400_000
    assert len(result["activity"]["byDate"]["labels"]) <= 400
    assert len(result["turns"]["replyMatrix"]["speakers"]) <= 25
    for section in ("participation", "turns", "content", "sentiment"):
        assert len(result[section]["speakers"]) <= 50
    assert len(result["keywords"]["distinctive"]) <= 50
    assert result["participation"]["omittedSpeakers"] == 30
    assert result["participation"]["authoredMessages"] == len(msgs)


def test_summary_reads_as_sentences_with_key_numbers() -> None:
    msgs = messages(2000, speakers=3)
    summary = analyze(Conversation("t", msgs))["summary"]
    assert 3 <= len(summary["headlines"]) <= 10
    assert all(line.endswith(".") for line in summary["headlines"])
    assert summary["numbers"]["messages"] == 2000
    assert summary["numbers"]["speakers"] == 3


def test_summary_of_a_single_day_says_on_that_day() -> None:
    headline = analyze(chat(("Ann", "hi", 0), ("Bob", "yo", 1)))["summary"]["headlines"][0]
    assert headline == "2 people exchanged 2 messages on 2024-03-04."


def test_thousands_of_speakers_keep_the_result_small() -> None:
    """A big Slack export has thousands of members: no list or matrix grows with them."""
    rows = [(f"user{i % 3000}", "hello there", float(i)) for i in range(12_000)]
    result = analyze(chat(*rows))
    assert result["participation"]["speakerCount"] == 3000
    assert len(json.dumps(result).encode()) < 150_000
