"""WebVTT, SRT and plain transcripts: speakers and start/end seconds."""

from __future__ import annotations

import pytest

from parley.analysis.formats import parse
from parley.errors import ParseError

from .conftest import parse_fixture


def test_vtt_voice_spans_give_speakers_and_cue_times() -> None:
    conv = parse_fixture("meeting.vtt")
    assert conv.format == "vtt"
    rows = [(m.speaker, m.text, m.start, m.end) for m in conv.messages]
    assert rows[0] == ("Alice Moreno", "Good morning, everyone.", 1.0, 4.5)
    assert rows[1] == ("Bob Tan", "Morning! Can you hear me? I'm on the train.", 4.5, 8.0)


def test_vtt_cue_with_two_voices_gives_two_messages() -> None:
    rows = [(m.speaker, m.text) for m in parse_fixture("meeting.vtt").messages]
    assert rows[2:4] == [("Alice Moreno", "Yes."), ("Bob Tan", "Great & thanks.")]


def test_vtt_name_colon_payload_and_minutes_past_the_hour() -> None:
    last = parse_fixture("meeting.vtt").messages[-1]
    assert (last.speaker, last.text, last.start, last.end) == (
        "Carla",
        "Sorry I'm late.",
        70.0,
        72.0,
    )


def test_srt_cues_strip_markup_and_read_hours_and_milliseconds() -> None:
    conv = parse_fixture("subtitles.srt")
    assert conv.format == "srt"
    assert conv.messages[0].text == "Where were you last night?"
    assert conv.messages[0].speaker is None
    assert conv.messages[1].speaker == "DETECTIVE"
    assert conv.messages[2].start == pytest.approx(3723.004)


def test_srt_block_without_timing_names_the_line() -> None:
    with pytest.raises(ParseError) as info:
        parse(b"1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\nno timing here\n", format="srt")
    assert (info.value.format, info.value.line) == ("srt", 6)


def test_transcript_speakers_and_continuation_lines() -> None:
    conv = parse_fixture("transcript.txt")
    assert conv.format == "transcript"
    assert conv.speakers == ["Interviewer", "Candidate"]
    assert conv.messages[1].text == (
        "We rebuilt the billing pipeline.\nIt processed about two million invoices a month."
    )
    assert all(m.timestamp is None for m in conv.messages)


def test_timed_transcript_fills_start_seconds() -> None:
    conv = parse_fixture("transcript_timed.txt")
    assert [m.start for m in conv.messages] == [5.0, 62.0, 4200.0]
    assert conv.messages[1].text == "Glad to be here.\nAnd thanks for having me."
