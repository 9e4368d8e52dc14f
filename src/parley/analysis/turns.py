"""Turn-taking: who answers whom, how fast, sessions, who starts them, silences, streaks.

A turn is a run of consecutive messages by one speaker. Speaker B *answers* A when B's
turn directly follows A's within one session; the response time is from the last message
of A's turn to the first of B's. Sessions split where nobody wrote for SESSION_GAP. When
B's turn opens a session after A's closed the last one, B *replied after a pause* (the
next morning, say): timed apart, since a reply after a night is not slowness.

`time_resolution` reads what the timestamps can tell: exports that carry minutes only
(WhatsApp on Android, US formats) cannot tell a reply in 5 s from one in 50 s.
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
    "time_resolution",
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
    response_seconds: Distribution  # over answers with known times, within a session
    after_pause_seconds: Distribution  # replies that opened a session after someone else
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
    time_resolution_seconds: float | None  # 60: minutes only (see time_resolution)
    reply_matrix: ReplyMatrix
    speakers: list[SpeakerTurns]
    pairs: list[PairResponse]  # most answers first, at most TOP_PAIRS
    sessions: Sessions
    longest_silences: list[Silence] = field(default_factory=list)


@dataclass(slots=True)
class _Split:
    """Messages split into sessions: `session_of[i]`, each session's size and span."""

    session_of: list[int]
    sizes: list[int]
    spans: list[float]
    silences: list[tuple[float, int, int]]  # the longest (gap, index before, index after)


def _split_sessions(prepared: Prepared) -> _Split:
    time, end = prepared.time, prepared.end
    sizes: list[int] = []
    spans: list[float] = []
    silences: list[tuple[float, int, int]] = []  # a min-heap of the TOP_SILENCES longest
    session_of = [0] * prepared.n
    session = size = 0
    prev_i = -1
    first_t = last_t = 0.0
    for i, t in enumerate(time):
        if t is None:
            session_of[i] = session
            continue
        if prev_i >= 0:
            prev_end = end[prev_i]
            gap = t - (prev_end if prev_end is not None else t)
            if gap > 0:
                if len(silences) < TOP_SILENCES:
                    heapq.heappush(silences, (gap, prev_i, i))
                elif gap > silences[0][0]:
                    heapq.heapreplace(silences, (gap, prev_i, i))
            if gap > SESSION_GAP_SECONDS:
                sizes.append(size)
                spans.append(last_t - first_t)
                session += 1
                size = 0
        if size == 0:
            first_t = last_t = t
        size += 1
        e = end[i]
        last_t = max(last_t, e if e is not None else t)
        session_of[i] = session
        prev_i = i
    if size:
        sizes.append(size)
        spans.append(last_t - first_t)
    return _Split(session_of, sizes, spans, sorted(silences, reverse=True))


@dataclass(slots=True)
class _Answers:
    # sparse: a Slack export can have thousands of members, and k x k lists would not fit
    counts: dict[tuple[int, int], int]  # (a, b): a answered b
    per_responder: list[int]
    responder_times: list[list[float]]
    pair_times: dict[tuple[int, int], list[float]]
    after_pause_times: list[list[float]]


def _answers(prepared: Prepared, session_of: list[int]) -> _Answers:
    k = len(prepared.speakers)
    time, end = prepared.time, prepared.end
    t_speaker, t_first, t_last = prepared.turn_speaker, prepared.turn_first, prepared.turn_last
    out = _Answers({}, [0] * k, [[] for _ in range(k)], {}, [[] for _ in range(k)])
    counts = out.counts
    for j in range(1, len(t_speaker)):
        s, before = t_speaker[j], t_speaker[j - 1]
        first, last = t_first[j], t_last[j - 1]
        if session_of[last] != session_of[first]:
            # A new session starts here: nobody was answered within one, but a reply
            # after a pause is timed apart (both times are known: sessions need them).
            t0, t1 = end[last], time[first]
            if t0 is not None and t1 is not None:
                out.after_pause_times[s].append(max(0.0, t1 - t0))
            continue
        counts[s, before] = counts.get((s, before), 0) + 1
        out.per_responder[s] += 1
        t0, t1 = end[last], time[first]
        if t0 is not None and t1 is not None:
            rt = max(0.0, t1 - t0)
            out.responder_times[s].append(rt)
            out.pair_times.setdefault((s, before), []).append(rt)
    return out


def _pairs(prepared: Prepared, answered: _Answers) -> list[PairResponse]:
    counts = answered.counts
    busiest = heapq.nlargest(TOP_PAIRS, counts, key=lambda ab: (counts[ab], -ab[0], -ab[1]))
    pairs = []
    for a, b in busiest:
        d = distribution(answered.pair_times.get((a, b), []))
        pairs.append(
            PairResponse(
                responder=prepared.speakers[a],
                to=prepared.speakers[b],
                answers=counts[a, b],
                median_seconds=d.median if d.count else None,
                p90_seconds=d.p90 if d.count else None,
            )
        )
    return pairs


def turn_taking(prepared: Prepared, order: list[int]) -> TurnTaking:
    """`order` ranks speaker indexes (most active first); lists follow it."""
    k = len(prepared.speakers)
    has_time = any(t is not None for t in prepared.time)
    split = _split_sessions(prepared)
    answered = _answers(prepared, split.session_of)

    started = [0] * k
    if has_time:  # a session's starter is the author of its first message
        prev_session = -1
        for i, s in enumerate(prepared.speaker):
            if s >= 0 and split.session_of[i] != prev_session:
                started[s] += 1
                prev_session = split.session_of[i]
    turn_counts = [0] * k
    streak = [0] * k
    for s, size in zip(prepared.turn_speaker, prepared.turn_size, strict=True):
        turn_counts[s] += 1
        streak[s] = max(streak[s], size)

    total_starts = sum(started)
    speakers = [
        SpeakerTurns(
            speaker=prepared.speakers[s],
            turns=turn_counts[s],
            answers=answered.per_responder[s],
            response_seconds=distribution(answered.responder_times[s]),
            after_pause_seconds=distribution(answered.after_pause_times[s]),
            sessions_started=started[s],
            session_start_share=started[s] / total_starts if total_starts else 0.0,
            longest_streak=streak[s],
        )
        for s in order
    ]
    top = order[:MATRIX_SPEAKERS]
    matrix = ReplyMatrix(
        speakers=[prepared.speakers[s] for s in top],
        counts=[[answered.counts.get((a, b), 0) for b in top] for a in top],
    )
    longest = [
        Silence(
            seconds=gap,
            after=prepared.moment(prepared.end[i0]),
            until=prepared.moment(prepared.time[i1]),
            broken_by=_name(prepared, i1),
        )
        for gap, i0, i1 in split.silences
    ]
    return TurnTaking(
        turns=len(prepared.turn_speaker),
        has_times=has_time,
        time_resolution_seconds=time_resolution(prepared),
        reply_matrix=matrix,
        speakers=speakers,
        pairs=_pairs(prepared, answered),
        sessions=Sessions(
            available=has_time,
            gap_seconds=SESSION_GAP_SECONDS,
            count=len(split.sizes) if has_time else 0,
            messages_per_session=distribution(split.sizes if has_time else []),
            duration_seconds=distribution(split.spans if has_time else []),
        ),
        longest_silences=longest,
    )


def _name(prepared: Prepared, i: int) -> str | None:
    s = prepared.speaker[i]
    return prepared.speakers[s] if s >= 0 else None


def time_resolution(prepared: Prepared) -> float | None:
    """The finest step the times can show, in seconds: 60 when every timestamp falls on a
    whole minute (the export carries no seconds), 1 otherwise; None without times."""
    times = [t for t in prepared.time if t is not None]
    if not times:
        return None
    if prepared.has_clock and all(t % 60 == 0 for t in times):
        return 60.0
    return 1.0
