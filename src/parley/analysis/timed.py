"""Timed transcripts (meetings, calls): talk time, monologues, overlaps, interactivity.

Applies when most utterances carry `start`/`end` seconds. An *overlap* is an utterance
that starts before another speaker's earlier utterance has ended. It is an *interruption*
when the other speaker had been talking for at least INTERRUPT_MIN_SECONDS and then
stopped before the newcomer did (lost the floor); an overlap the other speaker talks
through, like a quick "mm-hm", is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parley.analysis._prepared import NO_SPEAKER, Prepared
from parley.analysis.content import is_question

__all__ = ["Monologue", "SpeakerTalk", "Timed", "timed"]

MIN_TIMED_SHARE = 0.5  # below this share of cues with start/end, the section is skipped
INTERRUPT_MIN_SECONDS = 1.0
MONOLOGUE_JOIN_SECONDS = 2.0  # a speaker's cues closer than this are one monologue


@dataclass(frozen=True, slots=True)
class SpeakerTalk:
    speaker: str
    talk_seconds: float
    talk_share: float
    utterances: int
    longest_monologue_seconds: float
    interruptions_made: int
    interrupted: int
    overlap_seconds: float  # time this speaker talked over someone else
    questions: int
    question_rate: float  # questions per utterance


@dataclass(frozen=True, slots=True)
class Monologue:
    speaker: str
    start: float
    end: float
    seconds: float


@dataclass(frozen=True, slots=True)
class Timed:
    available: bool
    reason: str | None = None
    duration_seconds: float = 0.0
    talk_seconds: float = 0.0
    silence_seconds: float = 0.0
    overlap_seconds: float = 0.0
    interruptions: int = 0
    speaker_switches: int = 0
    switches_per_minute: float = 0.0
    questions_per_minute: float = 0.0
    longest_monologue: Monologue | None = None
    speakers: list[SpeakerTalk] = field(default_factory=list)


def timed(prepared: Prepared, order: list[int], starts: list[float | None]) -> Timed:  # noqa: PLR0912, PLR0915 - one hot loop, kept whole for speed
    """`starts[i]` is message i's `start` (or None); ends are `prepared.end`."""
    n_timed = prepared.timed
    if n_timed == 0 or n_timed < MIN_TIMED_SHARE * prepared.n:
        return Timed(available=False, reason="the messages carry no start/end times")
    k = len(prepared.speakers)
    talk = [0.0] * k
    utter = [0] * k
    made = [0] * k
    suffered = [0] * k
    over = [0.0] * k
    questions = [0] * k
    mono_best = [0.0] * k
    best: Monologue | None = None
    # the latest-ending utterance so far per speaker: (start, end)
    open_until: dict[int, tuple[float, float]] = {}
    mono_s, mono_start, mono_end = NO_SPEAKER, 0.0, 0.0
    first, last = float("inf"), float("-inf")
    switches = 0
    prev_s = NO_SPEAKER
    covered = 0.0  # union of talk intervals, for silence
    cover_end = float("-inf")
    for i, s in enumerate(prepared.speaker):
        st, en = starts[i], prepared.end[i]
        if s == NO_SPEAKER or st is None or en is None:
            continue
        en = max(en, st)
        first, last = min(first, st), max(last, en)
        talk[s] += en - st
        utter[s] += 1
        if is_question(prepared.text[i]):
            questions[s] += 1
        if prev_s not in (NO_SPEAKER, s):
            switches += 1
        prev_s = s
        for other, (o_st, o_en) in open_until.items():
            if other != s and o_en > st:
                over[s] += min(o_en, en) - st
                if st - o_st >= INTERRUPT_MIN_SECONDS and o_en <= en:
                    made[s] += 1
                    suffered[other] += 1
        prior = open_until.get(s)
        if prior is None or en >= prior[1]:
            open_until[s] = (st, en)
        if st > cover_end:
            covered += en - st
            cover_end = en
        elif en > cover_end:
            covered += en - cover_end
            cover_end = en
        if s == mono_s and st - mono_end <= MONOLOGUE_JOIN_SECONDS:
            mono_end = max(mono_end, en)
        else:
            mono_s, mono_start, mono_end = s, st, en
        length = mono_end - mono_start
        if length > mono_best[s]:
            mono_best[s] = length
            if best is None or length > best.seconds:
                best = Monologue(prepared.speakers[s], mono_start, mono_end, length)
    duration = max(0.0, last - first) if utter and first <= last else 0.0
    minutes = duration / 60.0
    total_talk = sum(talk)
    speakers = [
        SpeakerTalk(
            speaker=prepared.speakers[s],
            talk_seconds=talk[s],
            talk_share=talk[s] / total_talk if total_talk else 0.0,
            utterances=utter[s],
            longest_monologue_seconds=mono_best[s],
            interruptions_made=made[s],
            interrupted=suffered[s],
            overlap_seconds=over[s],
            questions=questions[s],
            question_rate=questions[s] / utter[s] if utter[s] else 0.0,
        )
        for s in order
    ]
    return Timed(
        available=True,
        duration_seconds=duration,
        talk_seconds=total_talk,
        silence_seconds=max(0.0, duration - covered),
        overlap_seconds=sum(over),
        interruptions=sum(made),
        speaker_switches=switches,
        switches_per_minute=switches / minutes if minutes else 0.0,
        questions_per_minute=sum(questions) / minutes if minutes else 0.0,
        longest_monologue=best,
        speakers=speakers,
    )
