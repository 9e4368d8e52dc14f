"""Properties that hold for any conversation, checked on generated ones."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.analysis import Conversation, Message, MessageKind, analyze

NAMES = ["Ann", "Bob", "Cy", "Dee", "<script>", "Émile", "李"]

message = st.builds(
    Message,
    speaker=st.sampled_from([*NAMES, None]),
    text=st.text(max_size=40),
    timestamp=st.one_of(
        st.none(),
        st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)),
    ),
    kind=st.sampled_from(list(MessageKind)),
)
conversations = st.lists(message, max_size=40).map(lambda ms: Conversation("test", ms))


def shares(result: dict[str, Any], section: str, key: str) -> float:
    return float(sum(row[key] for row in result[section]["speakers"]))


@settings(max_examples=60, deadline=None)
@given(conversations)
def test_shares_sum_to_one_and_counts_match_the_input(conv: Conversation) -> None:
    result = analyze(conv)
    authored = [m for m in conv.messages if m.speaker is not None and m.kind != MessageKind.SYSTEM]
    part = result["participation"]
    assert part["authoredMessages"] == len(authored)
    assert sum(r["messages"] for r in part["speakers"]) == len(authored)
    assert part["systemMessages"] == len(conv.messages) - len(authored)
    assert result["overview"]["messages"] == len(conv.messages)
    if authored:
        assert shares(result, "participation", "messageShare") == pytest.approx(1, abs=1e-3)
        assert shares(result, "participation", "turnShare") == pytest.approx(1, abs=1e-3)
    assert len(part["speakers"]) == len({m.speaker for m in authored})
    json.dumps(result, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES[:4]), st.text(max_size=30)), max_size=30))
def test_renaming_speakers_gives_the_same_per_speaker_figures(rows: list[tuple[str, str]]) -> None:
    """Which name a speaker has, or who appears first, changes no one's figures."""
    t0 = datetime(2024, 1, 1)
    rename = dict(zip(NAMES[:4], ["Dee", "Cy", "Ann", "Bob"], strict=True))
    plain = [Message(s, text, t0 + timedelta(minutes=i)) for i, (s, text) in enumerate(rows)]
    renamed = [Message(rename[m.speaker or ""], m.text, m.timestamp) for m in plain]
    a, b = analyze(Conversation("t", plain)), analyze(Conversation("t", renamed))
    keys = ("messages", "turns", "words", "characters", "messageShare", "wordShare")
    rows_a = {r["speaker"]: [r[k] for k in keys] for r in a["participation"]["speakers"]}
    rows_b = {r["speaker"]: [r[k] for k in keys] for r in b["participation"]["speakers"]}
    assert {rename[name]: v for name, v in rows_a.items()} == rows_b
    sent_a = {rename[r["speaker"]]: r["mean"] for r in a["sentiment"]["speakers"]}
    assert sent_a == {r["speaker"]: r["mean"] for r in b["sentiment"]["speakers"]}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(NAMES[:3]), st.text(max_size=30)), max_size=30),
    st.randoms(use_true_random=False),
)
def test_shuffling_messages_keeps_each_speakers_volume_and_content(
    rows: list[tuple[str, str]], rnd: random.Random
) -> None:
    msgs = [Message(s, text) for s, text in rows]
    shuffled = list(msgs)
    rnd.shuffle(shuffled)
    a, b = analyze(Conversation("t", msgs)), analyze(Conversation("t", shuffled))
    keys = ("messages", "words", "characters")
    assert {r["speaker"]: [r[k] for k in keys] for r in a["participation"]["speakers"]} == {
        r["speaker"]: [r[k] for k in keys] for r in b["participation"]["speakers"]
    }
    assert {r["speaker"]: r["emoji"] for r in a["content"]["speakers"]} == {
        r["speaker"]: r["emoji"] for r in b["content"]["speakers"]
    }
