"""Keywords of the whole conversation, and the words that set each speaker apart.

A speaker's distinctive words are ranked by the log-odds ratio with an informative
Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words"): the speaker's use of a
word against everyone else's, with the whole conversation's word frequencies as the prior,
as a z-score. The prior's weight is a tenth of the conversation (PRIOR_SHARE): with the
whole conversation as pseudo-counts, a two-person chat of a few hundred messages had no
word that reached the threshold, since the prior swamped what each person wrote.
Frequent words everyone uses score near zero, so the ranking needs no tuning per language;
stop-words are still dropped so the plain keyword list is readable.

Word forms are folded by the Snowball stemmer of the chat's language ("guess" and
"guesses" are one word, shown as its most used form). The language is the one whose
stop-words make up most of the text (`detect_language`); a chat in none of the seven is
left unstemmed.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import snowballstemmer  # type: ignore[import-untyped]
from stop_words import get_stop_words  # type: ignore[import-untyped]

from parley.analysis._prepared import Prepared
from parley.analysis._progress import Progress
from parley.analysis._words import listable

__all__ = [
    "LANGUAGES",
    "Keyword",
    "Keywords",
    "SpeakerKeywords",
    "detect_language",
    "keywords",
    "stop_words",
]

TOP_KEYWORDS = 30
TOP_PER_SPEAKER = 10
MIN_COUNT = 2  # a word used once says nothing about anyone: no list shows one
MIN_Z = 1.96  # distinctive at the 95% level
PRIOR_SHARE = 0.1  # the prior's pseudo-counts: a tenth of the conversation's words
# a language is detected when its stop-words are at least this share of the words
# (function words are a third to a half of running text; chats run lower)
MIN_LANGUAGE_SHARE = 0.08
# ISO 639-1 code -> its name, whose lower case is also the Snowball stemmer's name
LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
}
_STOP_LANGUAGES = tuple(LANGUAGES)
# chat words the lists lack; apostrophe-less forms because people type "dont"
_CHAT_STOP = """
ok okay yeah yes yep yup nope lol haha hahaha hah hmm oh ah im ive id ill youre dont
doesnt didnt cant wont isnt arent wasnt thats theres whats u ur http https www com
"""


@cache
def _stop_words_of(language: str) -> frozenset[str]:
    return frozenset(w.lower() for w in get_stop_words(language))


@cache
def stop_words() -> frozenset[str]:
    words: set[str] = set(_CHAT_STOP.split())
    for language in _STOP_LANGUAGES:
        words.update(_stop_words_of(language))
    return frozenset(words)


def detect_language(counts: Counter[str]) -> str | None:
    """The language whose stop-words are the largest share of `counts` (ISO 639-1), or
    None when none reaches MIN_LANGUAGE_SHARE (too short, or another language)."""
    n = sum(counts.values())
    if not n:
        return None
    scores = {
        language: sum(counts[w] for w in _stop_words_of(language) if w in counts)
        for language in _STOP_LANGUAGES
    }
    best = max(_STOP_LANGUAGES, key=lambda language: scores[language])
    return best if scores[best] >= MIN_LANGUAGE_SHARE * n else None


def _fold(counts: Counter[str], stem_of: dict[str, str]) -> Counter[str]:
    folded: Counter[str] = Counter()
    for word, count in counts.items():
        folded[stem_of[word]] += count
    return folded


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
    vocabulary: int  # distinct words, forms of one stem counted once
    tokens: int  # every word, as `participation` counts them (see `_words`)
    top: list[Keyword]
    distinctive: list[SpeakerKeywords] = field(default_factory=list)
    language: str | None = None  # ISO 639-1, from the stop-words; None: not detected
    stemmer: str | None = None  # the Snowball stemmer that folded word forms


def keywords(
    prepared: Prepared,
    order: list[int],
    progress: Progress,
    skip: set[str] | None = None,
) -> Keywords:
    """`skip`: more words to leave out of the lists, as the stop-words are."""
    per_speaker = prepared.word_counts  # read once, in `prepare`
    stop = stop_words() | skip if skip else stop_words()
    surface: Counter[str] = Counter()
    for c in per_speaker:
        surface.update(c)
    n_tokens = sum(surface.values())
    language = detect_language(surface)
    stemmer = LANGUAGES[language].lower() if language else None
    # Each word maps to its stem; each stem is shown as its most used form. Stop-words
    # are dropped before folding, so "is" never lends its stem to a keyword.
    kept = [w for w in surface if w not in stop and listable(w)]
    stems = snowballstemmer.stemmer(stemmer).stemWords(kept) if stemmer else kept
    stem_of = dict(zip(kept, stems, strict=True))
    shown: dict[str, str] = {}
    for word in sorted(kept, key=lambda w: (-surface[w], len(w), w)):
        shown.setdefault(stem_of[word], word)
    total = _fold(Counter({w: surface[w] for w in kept}), stem_of)
    top = [
        Keyword(shown[w], c)
        for w, c in sorted(total.items(), key=lambda wc: (-wc[1], shown[wc[0]]))
        if len(shown[w]) > 2 and c >= MIN_COUNT
    ][:TOP_KEYWORDS]
    progress.update("keywords", 0.5, "distinctive words")
    distinctive = []
    for j, s in enumerate(order):
        mine = _fold(Counter({w: c for w, c in per_speaker[s].items() if w in stem_of}), stem_of)
        words = [Keyword(shown[k.word], k.count, k.z) for k in _distinctive(mine, total)]
        distinctive.append(SpeakerKeywords(prepared.speakers[s], words))
        progress.update("keywords", 0.5 + 0.5 * (j + 1) / len(order), "distinctive words")
    return Keywords(
        vocabulary=len(set(stem_of.values())) + (len(surface) - len(kept)),
        tokens=n_tokens,
        top=top,
        distinctive=distinctive,
        language=language,
        stemmer=stemmer,
    )


def _distinctive(mine: Counter[str], total: Counter[str]) -> list[Keyword]:
    """`mine` against the rest of `total` (stop-words already out), as z-scores."""
    n_all = sum(total.values())
    n_mine = sum(mine.values())
    n_rest = n_all - n_mine
    if n_mine == 0 or n_rest == 0:
        return []
    log = math.log
    a_0 = PRIOR_SHARE * n_all  # the prior's total pseudo-count
    scored: list[tuple[float, str, int]] = []
    for w, y_i in mine.items():
        if y_i < MIN_COUNT:
            continue
        prior = a_0 * total[w] / n_all  # the word's share of the conversation, weighted
        y_j = total[w] - y_i
        other_mine = n_mine + a_0 - y_i - prior  # everything else, prior included
        other_rest = n_rest + a_0 - y_j - prior
        if other_mine <= 0 or other_rest <= 0:
            continue  # the conversation is this one word: it sets no one apart
        delta = log((y_i + prior) / other_mine) - log((y_j + prior) / other_rest)
        z = delta / math.sqrt(1.0 / (y_i + prior) + 1.0 / (y_j + prior))
        if z >= MIN_Z:
            scored.append((z, w, y_i))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [Keyword(w, c, z) for z, w, c in scored[:TOP_PER_SPEAKER]]
