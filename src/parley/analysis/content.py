"""What is in the messages: questions, links (and their sites), emoji, media."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from parley.analysis._emoji import emoji_finder
from parley.analysis._prepared import NO_SPEAKER, Prepared
from parley.analysis._progress import Progress, step_for
from parley.analysis.model import MessageKind

__all__ = ["Content", "Counted", "SpeakerContent", "content", "find_emoji", "is_question"]

TOP_EMOJI = 15
TOP_EMOJI_PER_SPEAKER = 5
TOP_DOMAINS = 10
TOP_MEDIA_LABELS = 8

# "?" in Latin scripts, the full-width one (CJK), the Arabic one, and Spanish openers
_QUESTION_MARKS = ("?", "？", "؟", "¿")  # noqa: RUF001 - the point is the look-alikes
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)([^\s/?#<>\"']+)")


def is_question(text: str) -> bool:
    """A message asks something when it has a question mark of any script."""
    return any(mark in text for mark in _QUESTION_MARKS)


def find_emoji(text: str) -> list[str]:
    """Emoji in order, whole sequences (flags, skin tones, ZWJ families) as one each."""
    if text.isascii():
        return []
    return emoji_finder().findall(text)


@dataclass(frozen=True, slots=True)
class Counted:
    item: str
    count: int


@dataclass(frozen=True, slots=True)
class SpeakerContent:
    speaker: str
    questions: int
    question_share: float  # of the speaker's messages
    links: int
    emoji: int
    emoji_per_message: float
    media: int
    top_emoji: list[Counted]


@dataclass(frozen=True, slots=True)
class Content:
    questions: int
    links: int
    emoji: int
    distinct_emoji: int
    media: int
    top_emoji: list[Counted]
    top_domains: list[Counted]
    media_kinds: list[Counted]  # the placeholder texts, e.g. "<image omitted>"
    speakers: list[SpeakerContent] = field(default_factory=list)


def content(prepared: Prepared, order: list[int], progress: Progress) -> Content:
    k = len(prepared.speakers)
    questions = [0] * k
    links = [0] * k
    media = [0] * k
    messages = [0] * k
    emoji_by: list[Counter[str]] = [Counter() for _ in range(k)]
    all_emoji: Counter[str] = Counter()
    domains: Counter[str] = Counter()
    media_labels: Counter[str] = Counter()
    media_kind = MessageKind.MEDIA
    texts, speaker, kinds = prepared.text, prepared.speaker, prepared.kind
    n = prepared.n
    find = emoji_finder().findall
    step = step_for(n)
    for lo in range(0, n, step):
        for i in range(lo, min(lo + step, n)):
            s = speaker[i]
            if s == NO_SPEAKER:
                continue
            text = texts[i]
            messages[s] += 1
            if kinds[i] is media_kind:
                media[s] += 1
                media_labels[text.strip()[:40]] += 1
                continue
            if "?" in text or (not text.isascii() and is_question(text)):
                questions[s] += 1
            if "http" in text or "www." in text or "HTTP" in text or "WWW." in text:
                found = _LINK.findall(text)
                links[s] += len(found)
                domains.update(d.lower().removeprefix("www.") for d in found)
            if not text.isascii():
                found_emoji = find(text)
                if found_emoji:
                    emoji_by[s].update(found_emoji)
        progress.update("content", min(lo + step, n) / n, "questions, links, emoji")
    for c in emoji_by:
        all_emoji.update(c)
    speakers = []
    for s in order:
        e = sum(emoji_by[s].values())
        speakers.append(
            SpeakerContent(
                speaker=prepared.speakers[s],
                questions=questions[s],
                question_share=questions[s] / messages[s] if messages[s] else 0.0,
                links=links[s],
                emoji=e,
                emoji_per_message=e / messages[s] if messages[s] else 0.0,
                media=media[s],
                top_emoji=_top(emoji_by[s], TOP_EMOJI_PER_SPEAKER),
            )
        )
    return Content(
        questions=sum(questions),
        links=sum(links),
        emoji=sum(all_emoji.values()),
        distinct_emoji=len(all_emoji),
        media=sum(media),
        top_emoji=_top(all_emoji, TOP_EMOJI),
        top_domains=_top(domains, TOP_DOMAINS),
        media_kinds=_top(media_labels, TOP_MEDIA_LABELS),
        speakers=speakers,
    )


def _top(counter: Counter[str], n: int) -> list[Counted]:
    return [Counted(item, count) for item, count in counter.most_common(n)]
