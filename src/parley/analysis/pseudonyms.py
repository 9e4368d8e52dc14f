"""Pseudonyms: every person's name and every phone number and e-mail address replaced,
before anything is analysed, stored or drawn.

People become `Person 1`, `Person 2`, ... in the order they first write (stable: the same
export gives the same pseudonyms). A name is replaced wherever it appears: as the
speaker, in the text of every message (mentions, quotes, replies, system lines such as
"Ana added Ben"), in the title; and so is each part of it that could name the person on
its own ("Ana" of "Ana Lima"), as a whole word in any case. Phone numbers and e-mail
addresses in the text become `[phone]` and `[email]`, so an unsaved contact (a speaker
named `+44 7700 900123`) is a Person too, and is never quoted.

What it cannot know: a person mentioned who never writes, by a name that is not theirs
(a nickname). Those stay as written.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from parley.analysis.model import Conversation, Message

__all__ = ["pseudonymise"]

# A phone number: an optional +, then 7 or more digits with spaces, dots, dashes or
# brackets between them (not a date like 2024-03-01, which has only 8 digits in 3 groups
# of 4-2-2: dates are left alone by the digit-count and shape checks below).
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-]{5,}\d(?![\w])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DATE_LIKE = re.compile(r"^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$")
_MIN_PART = 3  # a name part shorter than this ("Jo", "Al") is too often a word


def _pseudonyms(messages: Iterable[Message]) -> dict[str, str]:
    names: dict[str, str] = {}
    for message in messages:
        if message.speaker is not None and message.speaker not in names:
            names[message.speaker] = f"Person {len(names) + 1}"
    return names


def _is_phone(found: str) -> bool:
    digits = sum(c.isdigit() for c in found)
    return digits >= 7 and not _DATE_LIKE.match(found.strip())


def _name_pattern(names: dict[str, str]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """One pattern for every name and name part, longest first, and what each becomes."""
    targets: dict[str, str] = {}
    for name, alias in names.items():
        targets.setdefault(name.casefold(), alias)
    for name, alias in names.items():
        for part in re.findall(r"[^\W\d_][\w'\u2019-]*", name):
            if len(part) >= _MIN_PART:
                targets.setdefault(part.casefold(), alias)  # the first writer keeps a part
    if not targets:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(targets, key=len, reverse=True))
    # Whole words only: "Ana" is replaced, "banana" is not.
    return re.compile(rf"(?<![\w@])@?(?:{alternatives})(?!\w)", re.IGNORECASE), targets


class _Replacer:
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.pattern = _name_pattern(names)

    def text(self, value: str) -> str:
        value = _EMAIL.sub("[email]", value)
        value = _PHONE.sub(lambda m: "[phone]" if _is_phone(m[0]) else m[0], value)
        if self.pattern is None:
            return value
        pattern, targets = self.pattern

        def alias(found: re.Match[str]) -> str:
            word = found[0]
            at = "@" if word.startswith("@") else ""
            return at + targets[word.lstrip("@").casefold()]

        return pattern.sub(alias, value)

    def message(self, message: Message) -> Message:
        speaker = self.names.get(message.speaker) if message.speaker is not None else None
        return dataclasses.replace(message, speaker=speaker, text=self.text(message.text))


def pseudonymise(conversation: Conversation) -> Conversation:
    """`conversation` with every name, phone number and e-mail address replaced."""
    names = _pseudonyms(conversation.messages)
    # A speaker that is a phone number is replaced as a name; its digits elsewhere too.
    replace = _Replacer(names)
    title = replace.text(conversation.title) if conversation.title else conversation.title
    # The reading notes quote lines of the file, and files are named after chats
    # ("WhatsApp Chat with Ana.txt"): those lose their names too.
    quoted = tuple((line, replace.text(text)) for line, text in conversation.notes.first_merged)
    sources = tuple(
        dataclasses.replace(s, filename=replace.text(s.filename) if s.filename else None)
        for s in conversation.sources
    )
    return dataclasses.replace(
        conversation,
        messages=[replace.message(m) for m in conversation.messages],
        title=title,
        pseudonymised=True,
        notes=dataclasses.replace(conversation.notes, first_merged=quoted),
        sources=sources,
    )
