"""Finds emoji sequences fast, using the `emoji` package's data.

`emoji.emoji_list` walks a Python tokenizer over every character (~20 µs a message). Here
one regular expression finds the runs of characters that can belong to an emoji (in C),
and only those short runs are split into emoji by a longest-match walk over a trie of
every sequence the package knows (flags, keycaps, skin tones, ZWJ families).
"""

from __future__ import annotations

import re
from functools import cache

import emoji

__all__ = ["EmojiFinder", "emoji_finder"]

_Trie = dict[str, "_Trie"]
_END = ""  # key of the mark that a complete emoji ends at this node


def _charset(chars: set[str]) -> str:
    """A character class of ranges: re scans `[a-z]` far faster than 1,400 single members."""
    points = sorted(map(ord, chars))
    parts: list[str] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        lo, hi = re.escape(chr(points[i])), re.escape(chr(points[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "[" + "".join(parts) + "]"


class EmojiFinder:
    """`findall(text)`: the emoji in `text` in order, whole sequences as one item each."""

    def __init__(self, sequences: list[str]) -> None:
        self._trie: _Trie = {}
        first: set[str] = set()
        rest: set[str] = set()
        for sequence in sequences:
            node = self._trie
            for ch in sequence:
                node = node.setdefault(ch, {})
            node[_END] = {}
            first.add(sequence[0])
            rest.update(sequence[1:])
        self._runs = re.compile(_charset(first) + _charset(first | rest) + "*")

    def findall(self, text: str) -> list[str]:
        found: list[str] = []
        trie = self._trie
        for run in self._runs.findall(text):
            i, n = 0, len(run)
            while i < n:
                node: _Trie | None = trie
                j, last = i, -1
                while j < n and node is not None:
                    node = node.get(run[j])
                    j += 1
                    if node is not None and _END in node:
                        last = j
                if last > 0:
                    found.append(run[i:last])
                    i = last
                else:
                    i += 1
        return found


@cache
def emoji_finder() -> EmojiFinder:
    """The shared finder (built once per process, ~30 ms)."""
    return EmojiFinder(list(emoji.EMOJI_DATA))
