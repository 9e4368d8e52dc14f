"""Keywords of the whole conversation, and the words that set each speaker apart.

A speaker's distinctive words are ranked by the log-odds ratio with an informative
Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words"): the speaker's use of a
word against everyone else's, with the whole conversation as the prior, as a z-score.
Frequent words everyone uses score near zero, so the ranking needs no tuning per language;
stop-words are still dropped so the plain keyword list is readable.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from stop_words import get_stop_words  # type: ignore[import-untyped]

from parley.analysis._prepared import NO_SPEAKER, Prepared
from parley.analysis._progress import Progress, step_for
from parley.analysis.model import MessageKind

__all__ = ["Keyword", "Keywords", "SpeakerKeywords", "keywords", "stop_words", "tokenize"]

TOP_KEYWORDS = 30
TOP_PER_SPEAKER = 10
MIN_SPEAKER_COUNT = 3  # a word a speaker used once or twice says little about them
MIN_Z = 1.96  # distinctive at the 95% level
_STOP_LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl")
# chat words the lists lack; apostrophe-less forms because people type "dont"
_CHAT_STOP = """
ok okay yeah yes yep yup nope lol haha hahaha hah hmm oh ah im ive id ill youre dont
doesnt didnt cant wont isnt arent wasnt thats theres whats u ur http https www com
"""
# letters (any script) in runs of two or more, with apostrophes inside: "don't", "l'été"
_WORD = re.compile(r"(?:[^\W\d_]['\u2019])?[^\W\d_]{2,}(?:['\u2019][^\W\d_]+)*")


@cache
def stop_words() -> frozenset[str]:
    words: set[str] = set(_CHAT_STOP.split())
    for language in _STOP_LANGUAGES:
        words.update(w.lower() for w in get_stop_words(language))
    return frozenset(words)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of any script; numbers, punctuation and emoji dropped."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class Keyword:
    word: str
    count: int
    z: float | None = None  # the log-odds z-score, for distinctive words


@dataclass(frozen=True, slots=True)
class SpeakerKeywords:
    speaker: str
    words: list[Keyword]


@dataclass(frozen=True, slots=True)
class Keywords:
    vocabulary: int  # distinct words
    tokens: int
    top: list[Keyword]
    distinctive: list[SpeakerKeywords] = field(default_factory=list)


def keywords(prepared: Prepared, order: list[int], progress: Progress) -> Keywords:
    k = len(prepared.speakers)
    per_speaker: list[Counter[str]] = [Counter() for _ in range(k)]
    texts, speaker, kinds = prepared.text, prepared.speaker, prepared.kind
    text_kind = MessageKind.TEXT
    findall = _WORD.findall
    n = prepared.n
    step = step_for(n)
    for lo in range(0, n, step):
        # one findall per speaker per chunk over the joined texts: the regex and the
        # counting run in C, not once per message ("\n" is not a word, so no word spans two)
        chunk: list[list[str]] = [[] for _ in range(k)]
        for i in range(lo, min(lo + step, n)):
            s = speaker[i]
            if s != NO_SPEAKER and kinds[i] is text_kind:
                chunk[s].append(texts[i])
        for s, parts in enumerate(chunk):
            if parts:
                per_speaker[s].update(findall("\n".join(parts).lower()))
        progress.update("keywords", 0.8 * min(lo + step, n) / n, "counting words")
    stop = stop_words()
    total: Counter[str] = Counter()
    for c in per_speaker:
        total.update(c)
    n_tokens = sum(total.values())
    top = [
        Keyword(w, c)
        for w, c in sorted(total.items(), key=lambda wc: (-wc[1], wc[0]))
        if w not in stop and len(w) > 2
    ][:TOP_KEYWORDS]
    distinctive = []
    for j, s in enumerate(order):
        distinctive.append(
            SpeakerKeywords(prepared.speakers[s], _distinctive(per_speaker[s], total, stop))
        )
        progress.update("keywords", 0.8 + 0.2 * (j + 1) / len(order), "distinctive words")
    return Keywords(vocabulary=len(total), tokens=n_tokens, top=top, distinctive=distinctive)


def _distinctive(mine: Counter[str], total: Counter[str], stop: frozenset[str]) -> list[Keyword]:
    n_all = sum(total.values())
    n_mine = sum(mine.values())
    n_rest = n_all - n_mine
    if n_mine == 0 or n_rest == 0:
        return []
    log = math.log
    scored: list[tuple[float, str, int]] = []
    for w, y_i in mine.items():
        if y_i < MIN_SPEAKER_COUNT or w in stop:
            continue
        prior = total[w]  # the whole conversation's counts as the prior (a_0 = n_all)
        y_j = prior - y_i
        other_mine = n_mine + n_all - y_i - prior  # everything else, prior included
        other_rest = n_rest + n_all - y_j - prior
        if other_mine <= 0 or other_rest <= 0:
            continue  # the conversation is this one word: it sets no one apart
        delta = log((y_i + prior) / other_mine) - log((y_j + prior) / other_rest)
        z = delta / math.sqrt(1.0 / (y_i + prior) + 1.0 / (y_j + prior))
        if z >= MIN_Z:
            scored.append((z, w, y_i))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [Keyword(w, c, z) for z, w, c in scored[:TOP_PER_SPEAKER]]
