"""A fast scorer for VADER's compound sentiment, using the lexicon vaderSentiment ships.

vaderSentiment's own `polarity_scores` does list and string work for every word of every
message (~60 µs a message); this scorer looks each word up once and applies VADER's
rules (boosters, negation within three words, "no", "least", "but", ALL-CAPS emphasis,
"!" and "?" emphasis, emoji through their descriptions) only around the words that carry
sentiment. It leaves out VADER's short list of idioms ("the bomb", "cut the mustard"), and it
departs from VADER's loop on purpose in one way: an emoji keeps its sentiment when a
variation selector or another emoji is glued to it (VADER reads "❤️" with U+FE0F, or
"🔥🇫🇷", as one unknown word). The test suite checks it against vaderSentiment itself.
"""

from __future__ import annotations

import math
import string
from functools import cache
from importlib.resources import files

from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
    B_INCR,
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
)

__all__ = ["VaderScorer", "scorer"]

_PUNCT = string.punctuation
_ALPHA = 15.0  # VADER's normalisation constant: compound = x / sqrt(x^2 + 15)
_KEY_CACHE_LIMIT = 200_000  # distinct tokens remembered (~20 MB at most), then forgotten


def _load_lexicon(name: str) -> dict[str, str]:
    text = files("vaderSentiment").joinpath(name).read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            out[parts[0]] = parts[1]
    return out


class VaderScorer:
    """`compound(text)` in [-1, 1], as VADER defines it."""

    def __init__(self) -> None:
        self.lexicon: dict[str, float] = {
            w: float(v) for w, v in _load_lexicon("vader_lexicon.txt").items()
        }
        self.boosters: dict[str, float] = dict(BOOSTER_DICT)
        self.negate: frozenset[str] = frozenset(NEGATE)
        # every word a rule below reads besides the scored word itself: a message with
        # none of them (and no "n't") scores each of its words at the lexicon's value
        self.modifiers: frozenset[str] = frozenset(
            {*self.boosters, *self.negate, "no", "never", "without", "so", "this"}
            | {"least", "kind", "but"}
        )
        # emoji -> " description " so the description's words are scored, as VADER does
        self.emoji_table: dict[int, str] = {
            ord(e): f" {d} "
            for e, d in _load_lexicon("emoji_utf8_lexicon.txt").items()
            if len(e) == 1
        }
        self.incr = float(B_INCR)
        self.caps = float(C_INCR)
        self.neg = float(N_SCALAR)
        self._key_cache: dict[str, str] = {}

    def _negated(self, word: str) -> bool:
        return word in self.negate or "n't" in word

    def _keys(self, tokens: list[str]) -> list[str]:
        """Each lower-cased token as VADER looks it up: punctuation stripped unless that
        leaves two characters or fewer (":)" stays whole). Cached: chat vocabulary repeats."""
        cache = self._key_cache
        keys = list(map(cache.get, tokens))
        if None in keys:
            if len(cache) > _KEY_CACHE_LIMIT:
                cache.clear()
            for j, cached in enumerate(keys):
                if cached is None:
                    token = tokens[j]
                    stripped = token.strip(_PUNCT)
                    key = stripped if len(stripped) > 2 else token  # ":)" stays whole
                    cache[token] = keys[j] = key
        return keys  # type: ignore[return-value]  # every None was filled in above

    def compound(self, text: str) -> float:  # noqa: PLR0912, PLR0915 - one hot loop, kept whole for speed
        if not text.isascii():
            text = text.translate(self.emoji_table)
        lexicon = self.lexicon
        lowered = text.lower()
        low = self._keys(lowered.split())
        values = list(map(lexicon.get, low))
        n = len(low)
        if values.count(None) == n:
            return 0.0
        raw = text.split()
        hits = [j for j, v in enumerate(values) if v is not None]
        uppers = sum(map(str.isupper, raw))
        cap_diff = 0 < n - uppers < n
        words = raw
        if self.modifiers.isdisjoint(low) and "n't" not in lowered:
            total = 0.0
            for i in hits:  # no rule applies: the lexicon's value, and ALL-CAPS emphasis
                valence: float = values[i]  # type: ignore[assignment]  # a hit is not None
                if cap_diff and words[i].isupper():
                    valence += self.caps if valence > 0 else -self.caps
                total += valence
            return self._normalised(total, text)
        boosters = self.boosters
        valences: list[tuple[int, float]] = []
        for i in hits:
            lw = low[i]
            if lw in boosters:
                continue
            if lw == "kind" and i < n - 1 and low[i + 1] == "of":
                continue
            base = lexicon[lw]
            valence = base
            if lw == "no" and i != n - 1 and low[i + 1] in lexicon:
                valence = 0.0
            if (
                (i > 0 and low[i - 1] == "no")
                or (i > 1 and low[i - 2] == "no")
                or (i > 2 and low[i - 3] == "no" and low[i - 1] in ("or", "nor"))
            ):
                valence = base * self.neg
            if cap_diff and words[i].isupper():
                valence += self.caps if valence > 0 else -self.caps
            for back in range(3):
                if i <= back:
                    break
                prev = low[i - back - 1]
                if prev in lexicon:
                    continue
                scalar = boosters.get(prev, 0.0)
                if scalar:
                    if valence < 0:
                        scalar = -scalar
                    if cap_diff and words[i - back - 1].isupper():
                        scalar += self.caps if valence > 0 else -self.caps
                    scalar *= (1.0, 0.95, 0.9)[back]
                    valence += scalar
                valence = self._negation(valence, low, back, i)
            if (
                i > 0
                and low[i - 1] == "least"
                and "least" not in lexicon
                and (i == 1 or low[i - 2] not in ("at", "very"))
            ):
                valence *= self.neg
            valences.append((i, valence))
        if not valences:
            return 0.0
        if "but" in low:
            bi = low.index("but")
            total = 0.0
            for i, v in valences:
                total += v * 0.5 if i < bi else (v * 1.5 if i > bi else v)
        else:
            total = sum(v for _, v in valences)
        return self._normalised(total, text)

    @staticmethod
    def _normalised(total: float, text: str) -> float:
        """The summed valences, with "!" and "?" emphasis, into [-1, 1]."""
        if total:
            emphasis = min(text.count("!"), 4) * 0.292
            questions = text.count("?")
            if questions > 1:
                emphasis += questions * 0.18 if questions <= 3 else 0.96
            total = total + emphasis if total > 0 else total - emphasis
        score = total / math.sqrt(total * total + _ALPHA)
        return max(-1.0, min(1.0, score))

    def _negation(  # noqa: PLR0911 - VADER's cases, one return each
        self, valence: float, low: list[str], back: int, i: int
    ) -> float:
        if back == 0:
            return valence * self.neg if self._negated(low[i - 1]) else valence
        if back == 1:
            if low[i - 2] == "never" and low[i - 1] in ("so", "this"):
                return valence * 1.25
            if low[i - 2] == "without" and low[i - 1] == "doubt":
                return valence
            return valence * self.neg if self._negated(low[i - 2]) else valence
        if (low[i - 3] == "never" and low[i - 2] in ("so", "this")) or low[i - 1] in (
            "so",
            "this",
        ):
            return valence * 1.25
        if low[i - 3] == "without" and "doubt" in (low[i - 2], low[i - 1]):
            return valence
        return valence * self.neg if self._negated(low[i - 3]) else valence


@cache
def scorer() -> VaderScorer:
    """The shared scorer; the lexicon is read once per process (~30 ms)."""
    return VaderScorer()
