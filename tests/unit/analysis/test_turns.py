from __future__ import annotations

from parley.analysis import analyze
from parley.analysis.turns import SESSION_GAP_SECONDS

from .conftest import chat

GAP_MIN = SESSION_GAP_SECONDS / 60


def test_reply_matrix_counts_who_answered_whom() -> None:
    result = analyze(
        chat(
            ("Ann", "hi", 0),
            ("Bob", "hey", 1),
            ("Ann", "how are you", 2),
            ("Cy", "hello all", 3),
            ("Bob", "good", 4),
        )
    )
    matrix = result["turns"]["replyMatrix"]
    names = matrix["speakers"]
    counts = {
        (names[a], names[b]): matrix["counts"][a][b]
        for a in range(len(names))
        for b in range(len(names))
        if matrix["counts"][a][b]
    }
    assert counts == {("Bob", "Ann"): 1, ("Ann", "Bob"): 1, ("Cy", "Ann"): 1, ("Bob", "Cy"): 1}


def test_response_time_runs_from_the_end_of_the_previous_turn() -> None:
    result = analyze(
        chat(
            ("Ann", "one", 0),
            ("Ann", "two", 10),
            ("Bob", "reply", 13),  # 3 min after Ann's last message
            ("Ann", "ok", 14),  # 1 min
            ("Bob", "sure", 19),  # 5 min
        )
    )
    speakers = {s["speaker"]: s for s in result["turns"]["speakers"]}
    bob = speakers["Bob"]["responseSeconds"]
    assert bob["count"] == 2
    assert bob["median"] == 240.0  # (180 + 300) / 2
    assert bob["max"] == 300.0
    assert speakers["Ann"]["responseSeconds"]["median"] == 60.0
    pairs = {(p["responder"], p["to"]): p for p in result["turns"]["pairs"]}
    assert pairs[("Bob", "Ann")]["answers"] == 2
    assert pairs[("Bob", "Ann")]["medianSeconds"] == 240.0


def test_sessions_split_on_long_silence_and_credit_their_starters() -> None:
    result = analyze(
        chat(
            ("Ann", "morning", 0),
            ("Bob", "hi", 1),
            ("Bob", "anyone?", GAP_MIN + 100),
            ("Ann", "here", GAP_MIN + 101),
            ("Cy", "late", 3 * GAP_MIN),
        )
    )
    turns = result["turns"]
    assert turns["sessions"]["count"] == 3
    started = {s["speaker"]: s["sessionsStarted"] for s in turns["speakers"]}
    assert started == {"Ann": 1, "Bob": 1, "Cy": 1}
    # no answer across a session boundary: Bob's "anyone?" answers nobody
    matrix = turns["replyMatrix"]
    assert sum(map(sum, matrix["counts"])) == 2
    silence = turns["longestSilences"][0]
    assert silence["seconds"] == (3 * GAP_MIN - GAP_MIN - 101) * 60
    assert silence["brokenBy"] == "Cy"


def test_longest_streak_is_the_most_messages_in_a_row() -> None:
    rows = [("Ann", "x", float(i)) for i in range(4)] + [("Bob", "y", 5.0), ("Ann", "z", 6.0)]
    result = analyze(chat(*rows))
    streaks = {s["speaker"]: s["longestStreak"] for s in result["turns"]["speakers"]}
    assert streaks == {"Ann": 4, "Bob": 1}


def test_without_timestamps_turns_still_count_and_sessions_say_unavailable() -> None:
    result = analyze(chat(("Ann", "a", None), ("Bob", "b", None), ("Ann", "c", None)))
    turns = result["turns"]
    assert turns["turns"] == 3
    assert turns["hasTimes"] is False
    assert turns["sessions"]["available"] is False
    assert result["activity"] == {**result["activity"], "available": False}
    assert "timestamps" in result["activity"]["reason"]


def test_a_reply_after_a_pause_is_timed_apart_from_replies_within_a_conversation() -> None:
    # Ann asks in the evening; Bob answers the next morning (a new session), then they talk.
    result = analyze(
        chat(
            ("Ann", "dinner?", 0),
            ("Bob", "sorry, asleep. yes!", GAP_MIN + 120),
            ("Ann", "great", GAP_MIN + 123),
            ("Bob", "8pm?", GAP_MIN + 127),
        )
    )
    speakers = {s["speaker"]: s for s in result["turns"]["speakers"]}
    bob = speakers["Bob"]
    assert bob["responseSeconds"]["count"] == 1
    assert bob["responseSeconds"]["median"] == 4 * 60  # 8pm? after great: in the session
    assert bob["afterPauseSeconds"]["count"] == 1
    assert bob["afterPauseSeconds"]["median"] == (GAP_MIN + 120) * 60  # the night is apart
    assert speakers["Ann"]["afterPauseSeconds"]["count"] == 0


def test_minute_precision_exports_are_said_to_the_minute() -> None:
    # Every timestamp on a whole minute: the export carries no seconds.
    rows = [(("Ann", "Bob")[i % 2], "hi", float(i)) for i in range(12)]
    result = analyze(chat(*rows))
    assert result["overview"]["timeResolutionSeconds"] == 60
    assert result["turns"]["timeResolutionSeconds"] == 60
    assert "Everyone answers alike (median 1 min)." in result["summary"]["headlines"]


def test_seconds_in_the_timestamps_are_kept_and_shown() -> None:
    rows = [(("Ann", "Bob")[i % 2], "hi", i * 0.5) for i in range(12)]  # 30 s apart
    result = analyze(chat(*rows))
    assert result["overview"]["timeResolutionSeconds"] == 1
    assert "Everyone answers alike (median 30 s)." in result["summary"]["headlines"]


def test_replies_within_a_minute_are_under_a_minute_not_zero_seconds() -> None:
    rows = [(("Ann", "Bob")[i % 2], "hi", float(i // 2)) for i in range(12)]  # same minute
    headlines = analyze(chat(*rows))["summary"]["headlines"]
    assert not any("0 s" in line for line in headlines)
    assert any("(median under a minute)" in line for line in headlines), headlines


def test_a_transcript_without_clock_times_has_no_resolution_to_say() -> None:
    result = analyze(chat(("Ann", "hi", None), ("Bob", "yo", None)))
    assert result["overview"]["timeResolutionSeconds"] is None
