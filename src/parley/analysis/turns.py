"""Turn-taking: who answers whom, how fast, sessions, who starts them, silences, streaks.

A turn is a run of consecutive messages by one speaker. Speaker B *answers* A when B's
turn directly follows A's within one session; the response time is from the last message
of A's turn to the first of B's. Sessions split where nobody wrote for SESSION_GAP.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from parley.analysis._prepared import Prepared
from parley.analysis._stats import Distribution, distribution

__all__ = [
    "SESSION_GAP_SECONDS",
    "PairResponse",
    "ReplyMatrix",
    "Sessions",
    "Silence",
    "SpeakerTurns",
    "TurnTaking",
    "turn_taking",
]

SESSION_GAP_SECONDS = 6 * 3600.0  # a quiet night, or half a working day, starts a new session
MATRIX_SPEAKERS = 25  # the answer matrix covers the most active speakers only (size ~ k^2)
TOP_PAIRS = 30
TOP_SILENCES = 5


@dataclass(frozen=True, slots=True)
class ReplyMatrix:
    """`counts[a][b]`: how many times `speakers[a]` answered `speakers[b]`."""

    speakers: list[str]
    counts: list[list[int]]


@dataclass(frozen=True, slots=True)
class PairResponse:
    responder: str
    to: str
    answers: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True, slots=True)
class SpeakerTurns:
    speaker: str
    turns: int
    answers: int  # turns that answered someone else within a session
    response_seconds: Distribution  # over answers with known times
    sessions_started: int
    session_start_share: float
    longest_streak: int  # most messages in a row without anyone else writing


@dataclass(frozen=True, slots=True)
class Silence:
    seconds: float
    after: str | float | None  # the moment the silence began
    until: str | float | None
    broken_by: str | None


@dataclass(frozen=True, slots=True)
class Sessions:
    available: bool
    gap_seconds: float
    count: int
    messages_per_session: Distribution
    duration_seconds: Distribution


@dataclass(frozen=True, slots=True)
class TurnTaking:
    turns: int
    has_times: bool  # response times and sessions need times; False means they are empty
    reply_matrix: ReplyMatrix
    speakers: list[SpeakerTurns]
    pairs: list[PairResponse]  # most answers first, at most TOP_PAIRS
    sessions: Sessions
    longest_silences: list[Silence] = field(default_factory=list)


def turn_taking(prepared: Prepared, order: list[int]) -> TurnTaking:  # noqa: PLR0912, PLR0915 - one hot loop, kept whole for speed
    """`order` ranks speaker indexes (most active first); lists follow it."""
    k = len(prepared.speakers)
    time, end = prepared.time, prepared.end
    t_speaker, t_first, t_last = prepared.turn_speaker, prepared.turn_first, prepared.turn_last
    t_size = prepared.turn_size
    answers = [[0] * k for _ in range(k)]
    pair_times: dict[tuple[int, int], list[float]] = {}
    responder_times: list[list[float]] = [[] for _ in range(k)]
    started = [0] * k
    streak = [0] * k
    has_time = any(t is not None for t in time)

    # sessions over all messages with a time, in source order
    session_sizes: list[int] = []
    session_spans: list[float] = []
    silences: list[tuple[float, int, int]] = []  # (gap, index before, index after)
    session_of = [0] * prepared.n
    session = 0
    prev_i = -1
    size = 0
    first_t = last_t = 0.0
    for i, t in enumerate(time):
        if t is None:
            session_of[i] = session
            continue
        if prev_i >= 0:
            prev_end = end[prev_i]
            gap = t - (prev_end if prev_end is not None else t)
            if gap > 0:
                silences.append((gap, prev_i, i))
            if gap > SESSION_GAP_SECONDS:
                session_sizes.append(size)
                session_spans.append(last_t - first_t)
                session += 1
                size = 0
        if size == 0:
            first_t = t
        size += 1
        e = end[i]
        last_t = max(last_t, e if e is not None else t)
        session_of[i] = session
        prev_i = i
    if size:
        session_sizes.append(size)
        session_spans.append(last_t - first_t)

    if has_time:  # a session's starter is the author of its first message
        prev_session = -1
        for i, s in enumerate(prepared.speaker):
            if s >= 0 and session_of[i] != prev_session:
                started[s] += 1
                prev_session = session_of[i]
    for j, s in enumerate(t_speaker):
        first = t_first[j]
        streak[s] = max(streak[s], t_size[j])
        sess = session_of[first]
        if j == 0:
            continue
        before = t_speaker[j - 1]
        last = t_last[j - 1]
        if session_of[last] != sess:
            continue
        answers[s][before] += 1
        t0, t1 = end[last], time[first]
        if t0 is not None and t1 is not None:
            rt = max(0.0, t1 - t0)
            responder_times[s].append(rt)
            pair_times.setdefault((s, before), []).append(rt)

    total_starts = sum(started)
    turn_counts = [0] * k
    for s in t_speaker:
        turn_counts[s] += 1
    speakers = [
        SpeakerTurns(
            speaker=prepared.speakers[s],
            turns=turn_counts[s],
            answers=sum(answers[s]),
            response_seconds=distribution(responder_times[s]),
            sessions_started=started[s],
            session_start_share=started[s] / total_starts if total_starts else 0.0,
            longest_streak=streak[s],
        )
        for s in order
    ]
    top = order[:MATRIX_SPEAKERS]
    matrix = ReplyMatrix(
        speakers=[prepared.speakers[s] for s in top],
        counts=[[answers[a][b] for b in top] for a in top],
    )
    pair_list = sorted(
        ((a, b) for a in range(k) for b in range(k) if answers[a][b]),
        key=lambda ab: -answers[ab[0]][ab[1]],
    )[:TOP_PAIRS]
    pairs = []
    for a, b in pair_list:
        d = distribution(pair_times.get((a, b), []))
        pairs.append(
            PairResponse(
                responder=prepared.speakers[a],
                to=prepared.speakers[b],
                answers=answers[a][b],
                median_seconds=d.median if d.count else None,
                p90_seconds=d.p90 if d.count else None,
            )
        )
    longest = [
        Silence(
            seconds=gap,
            after=prepared.moment(end[i0]),
            until=prepared.moment(time[i1]),
            broken_by=_name(prepared, i1),
        )
        for gap, i0, i1 in heapq.nlargest(TOP_SILENCES, silences)
    ]
    return TurnTaking(
        turns=len(t_speaker),
        has_times=has_time,
        reply_matrix=matrix,
        speakers=speakers,
        pairs=pairs,
        sessions=Sessions(
            available=has_time,
            gap_seconds=SESSION_GAP_SECONDS,
            count=len(session_sizes) if has_time else 0,
            messages_per_session=distribution(session_sizes if has_time else []),
            duration_seconds=distribution(session_spans if has_time else []),
        ),
        longest_silences=longest,
    )


def _name(prepared: Prepared, i: int) -> str | None:
    s = prepared.speaker[i]
    return prepared.speakers[s] if s >= 0 else None
