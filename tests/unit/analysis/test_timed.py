from __future__ import annotations

import pytest

from parley.analysis import Conversation, Message, analyze


def cue(speaker: str, start: float, end: float, text: str = "words") -> Message:
    return Message(speaker=speaker, text=text, start=start, end=end)


def meeting() -> Conversation:
    return Conversation(
        format="vtt",
        messages=[
            cue("Ann", 0, 10, "Shall we start?"),
            cue("Ann", 11, 30),  # joins Ann's monologue: 0..30
            cue("Bob", 28, 40),  # overlaps Ann's 28..30; Ann stopped first: interruption
            cue("Ann", 45, 50, "ok?"),
            cue("Bob", 46, 47),  # "mm-hm" inside Ann's cue: overlap, not an interruption
            cue("Cy", 60, 120),
        ],
    )


def test_talk_time_shares_and_longest_monologue() -> None:
    timed = analyze(meeting())["timed"]
    assert timed["available"] is True
    rows = {s["speaker"]: s for s in timed["speakers"]}
    assert rows["Ann"]["talkSeconds"] == 34
    assert rows["Bob"]["talkSeconds"] == 13
    assert rows["Cy"]["talkSeconds"] == 60
    assert sum(r["talkShare"] for r in rows.values()) == pytest.approx(1.0, abs=1e-3)
    assert timed["longestMonologue"] == {"speaker": "Cy", "start": 60, "end": 120, "seconds": 60}
    assert rows["Ann"]["longestMonologueSeconds"] == 30
    assert timed["durationSeconds"] == 120


def test_interruptions_count_only_when_the_speaker_lost_the_floor() -> None:
    timed = analyze(meeting())["timed"]
    rows = {s["speaker"]: s for s in timed["speakers"]}
    assert timed["interruptions"] == 1
    assert rows["Bob"]["interruptionsMade"] == 1
    assert rows["Ann"]["interrupted"] == 1
    assert rows["Bob"]["overlapSeconds"] == 3  # 2 s over Ann at 28..30, 1 s at 46..47
    assert timed["overlapSeconds"] == 3


def test_question_rate_and_speaker_switches_per_minute() -> None:
    timed = analyze(meeting())["timed"]
    rows = {s["speaker"]: s for s in timed["speakers"]}
    assert rows["Ann"]["questions"] == 2
    assert rows["Ann"]["questionRate"] == pytest.approx(2 / 3, abs=1e-3)
    assert timed["speakerSwitches"] == 4  # Ann>Bob>Ann>Bob>Cy
    assert timed["switchesPerMinute"] == 2.0


def test_untimed_chat_says_why_the_section_is_empty() -> None:
    result = analyze(Conversation(format="t", messages=[Message("Ann", "hi")]))
    assert result["timed"]["available"] is False
    assert result["timed"]["reason"]


def test_response_times_use_cue_times_when_there_are_no_dates() -> None:
    turns = analyze(meeting())["turns"]
    cy = next(s for s in turns["speakers"] if s["speaker"] == "Cy")
    assert cy["responseSeconds"]["median"] == 13  # Bob's cue ended at 47, Cy started at 60
