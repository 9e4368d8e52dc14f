"""Who takes part, and how much: messages, turns, words, characters, shares, inequality."""

from __future__ import annotations

from dataclasses import dataclass

from parley.analysis._prepared import NO_SPEAKER, Prepared
from parley.analysis._stats import Distribution, distribution, gini
from parley.analysis.model import MessageKind

__all__ = ["Participation", "SpeakerParticipation", "participation", "speaker_order"]

MAX_SPEAKERS = 50  # per-speaker lists past this are cut; the totals still count everyone


@dataclass(frozen=True, slots=True)
class SpeakerParticipation:
    speaker: str
    messages: int
    turns: int
    words: int
    characters: int
    media: int
    deleted: int
    message_share: float
    turn_share: float
    word_share: float
    character_share: float
    words_per_message: Distribution
    messages_per_turn: float


@dataclass(frozen=True, slots=True)
class Participation:
    speaker_count: int
    authored_messages: int
    system_messages: int
    words: int  # everyone's, listed or not
    speakers: list[SpeakerParticipation]  # most messages first, at most MAX_SPEAKERS
    omitted_speakers: int
    gini_messages: float  # 0 = everyone wrote as much, towards 1 = one person wrote it all
    gini_words: float


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def speaker_order(prepared: Prepared) -> list[int]:
    """Speaker indexes by messages written, most first; ties keep first-appearance order."""
    counts = [0] * len(prepared.speakers)
    for s in prepared.speaker:
        if s != NO_SPEAKER:
            counts[s] += 1
    return sorted(range(len(counts)), key=lambda s: -counts[s])


def participation(prepared: Prepared) -> Participation:
    k = len(prepared.speakers)
    messages = [0] * k
    words = [0] * k
    chars = [0] * k
    media = [0] * k
    deleted = [0] * k
    lengths: list[list[int]] = [[] for _ in range(k)]
    system = 0
    text_kind, media_kind = MessageKind.TEXT, MessageKind.MEDIA
    for s, w, c, kind in zip(
        prepared.speaker, prepared.words, prepared.chars, prepared.kind, strict=True
    ):
        if s == NO_SPEAKER:
            system += 1
            continue
        messages[s] += 1
        if kind is not text_kind:  # a placeholder's words are not the speaker's words
            if kind is media_kind:
                media[s] += 1
            else:
                deleted[s] += 1
            continue
        words[s] += w
        chars[s] += c
        lengths[s].append(w)
    turns = [0] * k
    for s in prepared.turn_speaker:
        turns[s] += 1
    total_messages, total_turns = sum(messages), sum(turns)
    total_words, total_chars = sum(words), sum(chars)
    order = speaker_order(prepared)
    rows = [
        SpeakerParticipation(
            speaker=prepared.speakers[s],
            messages=messages[s],
            turns=turns[s],
            words=words[s],
            characters=chars[s],
            media=media[s],
            deleted=deleted[s],
            message_share=_share(messages[s], total_messages),
            turn_share=_share(turns[s], total_turns),
            word_share=_share(words[s], total_words),
            character_share=_share(chars[s], total_chars),
            words_per_message=distribution(lengths[s]),
            messages_per_turn=_share(messages[s], turns[s]),
        )
        for s in order[:MAX_SPEAKERS]
    ]
    return Participation(
        speaker_count=k,
        authored_messages=total_messages,
        system_messages=system,
        words=total_words,
        speakers=rows,
        omitted_speakers=max(0, k - MAX_SPEAKERS),
        gini_messages=gini(messages),
        gini_words=gini(words),
    )
