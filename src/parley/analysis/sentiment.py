"""Sentiment per message (VADER's compound score), per speaker and over time, overall
and for the most active people.

A message is positive at compound >= 0.05 and negative at <= -0.05, VADER's own
thresholds. VADER is an English lexicon: a chat whose language is detected as another
(see keywords.detect_language) is not scored, and the result says why, rather than
reading its words as neutral English.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from parley.analysis._prepared import NO_SPEAKER, Prepared
from parley.analysis._progress import Progress, step_for
from parley.analysis._vader import scorer
from parley.analysis.activity import TimeBins
from parley.analysis.keywords import LANGUAGES
from parley.analysis.model import MessageKind

__all__ = ["Quote", "Sentiment", "SpeakerSentiment", "sentiment"]

POSITIVE = 0.05
NEGATIVE = -0.05
TOP_QUOTES = 3
QUOTE_CHARS = 200  # quotes are cut to this many characters
SERIES_SPEAKERS = 8  # lines over time for the most active people (a chart shows no more)
LEXICON_LANGUAGE = "en"  # VADER's


@dataclass(frozen=True, slots=True)
class SpeakerSentiment:
    speaker: str
    mean: float
    positive_share: float
    negative_share: float
    neutral_share: float


@dataclass(frozen=True, slots=True)
class Quote:
    speaker: str | None
    at: str | float | None
    score: float
    text: str


@dataclass(frozen=True, slots=True)
class SpeakerSeries:
    speaker: str
    mean: list[float | None]


@dataclass(frozen=True, slots=True)
class SentimentSeries:
    """Mean compound per bin of `activity.byDate` (None where a bin has no messages),
    overall and for each of the SERIES_SPEAKERS most active people."""

    unit: str
    labels: list[str]
    mean: list[float | None]
    speakers: list[SpeakerSeries] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Sentiment:
    model: str
    available: bool
    reason: str | None  # why not, when not available
    language: str | None  # the chat's, as detected (None: not told)
    lexicon_language: str
    scored_messages: int
    mean: float
    positive_share: float
    negative_share: float
    neutral_share: float
    speakers: list[SpeakerSentiment] = field(default_factory=list)
    over_time: SentimentSeries | None = None
    most_positive: list[Quote] = field(default_factory=list)
    most_negative: list[Quote] = field(default_factory=list)


def sentiment(
    prepared: Prepared,
    order: list[int],
    bins: TimeBins | None,
    progress: Progress,
    language: str | None = None,
) -> Sentiment:
    """`language` is the chat's (ISO 639-1), when known: another than VADER's English
    leaves the chat unscored."""
    if language is not None and language != LEXICON_LANGUAGE:
        name = LANGUAGES.get(language, language)
        progress.update("sentiment", 1.0, "not scored: another language")
        return Sentiment(
            model="vader-compound",
            available=False,
            reason=f"the chat reads as {name}, and the sentiment lexicon (VADER) is English",
            language=language,
            lexicon_language=LEXICON_LANGUAGE,
            scored_messages=0,
            mean=0.0,
            positive_share=0.0,
            negative_share=0.0,
            neutral_share=0.0,
        )
    score = scorer().compound
    k = len(prepared.speakers)
    total = [0.0] * k
    count = [0] * k
    pos = [0] * k
    neg = [0] * k
    texts, speaker, kinds = prepared.text, prepared.speaker, prepared.kind
    n = prepared.n
    scores: list[float | None] = [None] * n
    text_kind = MessageKind.TEXT
    step = step_for(n)
    for lo in range(0, n, step):
        for i in range(lo, min(lo + step, n)):
            s = speaker[i]
            if s == NO_SPEAKER or kinds[i] is not text_kind:
                continue
            c = score(texts[i])
            scores[i] = c
            total[s] += c
            count[s] += 1
            if c >= POSITIVE:
                pos[s] += 1
            elif c <= NEGATIVE:
                neg[s] += 1
        progress.update("sentiment", min(lo + step, n) / n, "scoring sentiment")

    over_time = _over_time(prepared, order[:SERIES_SPEAKERS], bins, scores)

    scored = [(c, i) for i, c in enumerate(scores) if c is not None]
    n_scored = len(scored)
    all_pos, all_neg = sum(pos), sum(neg)
    return Sentiment(
        model="vader-compound",
        available=True,
        reason=None,
        language=language,
        lexicon_language=LEXICON_LANGUAGE,
        scored_messages=n_scored,
        mean=math.fsum(total) / n_scored if n_scored else 0.0,
        positive_share=all_pos / n_scored if n_scored else 0.0,
        negative_share=all_neg / n_scored if n_scored else 0.0,
        neutral_share=(n_scored - all_pos - all_neg) / n_scored if n_scored else 0.0,
        speakers=[
            SpeakerSentiment(
                speaker=prepared.speakers[s],
                mean=total[s] / count[s] if count[s] else 0.0,
                positive_share=pos[s] / count[s] if count[s] else 0.0,
                negative_share=neg[s] / count[s] if count[s] else 0.0,
                neutral_share=(count[s] - pos[s] - neg[s]) / count[s] if count[s] else 0.0,
            )
            for s in order
        ],
        over_time=over_time,
        most_positive=[
            _quote(prepared, c, i) for c, i in heapq.nlargest(TOP_QUOTES, scored) if c >= POSITIVE
        ],
        most_negative=[
            _quote(prepared, c, i) for c, i in heapq.nsmallest(TOP_QUOTES, scored) if c <= NEGATIVE
        ],
    )


def _over_time(
    prepared: Prepared, shown: list[int], bins: TimeBins | None, scores: list[float | None]
) -> SentimentSeries | None:
    """Mean score per bin, overall and for each of `shown` (speaker indexes)."""
    if bins is None:
        return None
    line_of = {s: j for j, s in enumerate(shown)}
    sums = [[0.0] * bins.size for _ in range(len(shown) + 1)]  # the last is everyone
    counts = [[0] * bins.size for _ in range(len(shown) + 1)]
    everyone = len(shown)
    index_of: dict[int, int] = {}
    for key, score_i, s in zip(prepared.hour_key, scores, prepared.speaker, strict=True):
        if key is None or score_i is None:
            continue
        b = index_of.get(key)
        if b is None:
            b = index_of[key] = bins.index(key)
        sums[everyone][b] += score_i
        counts[everyone][b] += 1
        j = line_of.get(s)
        if j is not None:
            sums[j][b] += score_i
            counts[j][b] += 1

    def means(j: int) -> list[float | None]:
        return [sums[j][b] / counts[j][b] if counts[j][b] else None for b in range(bins.size)]

    return SentimentSeries(
        unit=bins.unit,
        labels=bins.labels(),
        mean=means(everyone),
        speakers=[SpeakerSeries(prepared.speakers[s], means(j)) for j, s in enumerate(shown)],
    )


def _quote(prepared: Prepared, c: float, i: int) -> Quote:
    s = prepared.speaker[i]
    text = prepared.text[i]
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1] + "…"
    return Quote(
        speaker=prepared.speakers[s] if s >= 0 else None,
        at=prepared.moment(prepared.time[i]),
        score=c,
        text=text,
    )
