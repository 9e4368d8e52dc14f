"""Several exports as one conversation: the same chat exported twice (a month apart, or
from two phones of the same kind), or one group's history across platforms.

Messages are put in time order (a stable sort: messages without a time keep their file's
order, after the timed ones). A timestamped message already seen — the same moment,
author and text — is an overlap of two exports and counted once; messages without a
time are never dropped, since two identical lines of a transcript are two lines. Ids are
prefixed with their file's number, so replies stay within the file they point into.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC

from parley.analysis.model import Conversation, Message, SourceFile

__all__ = ["merge"]

MIXED = "mixed"  # the format of a merge of several formats


def _moment(message: Message) -> float:
    t = message.timestamp
    assert t is not None
    # Naive wall times are read as UTC, as the analysis reads them (they cannot be
    # compared with aware ones otherwise).
    return (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).timestamp()


def _renumbered(message: Message, k: int) -> Message:
    if message.id is None and message.reply_to is None:
        return message
    return dataclasses.replace(
        message,
        id=f"{k}/{message.id}" if message.id is not None else None,
        reply_to=f"{k}/{message.reply_to}" if message.reply_to is not None else None,
    )


def merge(parts: Sequence[tuple[str | None, Conversation]]) -> Conversation:
    """The conversations of several files (`(filename, conversation)`) as one."""
    if len(parts) == 1:
        name, only = parts[0]
        return dataclasses.replace(
            only, sources=(SourceFile(name, only.format, len(only.messages), 0),)
        )
    seen: set[tuple[float, str | None, str]] = set()
    timed: list[Message] = []
    untimed: list[Message] = []
    sources: list[SourceFile] = []
    for k, (name, conversation) in enumerate(parts, 1):
        dropped = 0
        for message in conversation.messages:
            if message.timestamp is None:
                untimed.append(_renumbered(message, k))
                continue
            key = (_moment(message), message.speaker, message.text)
            if key in seen:
                dropped += 1
                continue
            seen.add(key)
            timed.append(_renumbered(message, k))
        sources.append(SourceFile(name, conversation.format, len(conversation.messages), dropped))
    timed.sort(key=_moment)
    formats = {c.format for _, c in parts}
    return Conversation(
        format=formats.pop() if len(formats) == 1 else MIXED,
        messages=timed + untimed,
        title=next((c.title for _, c in parts if c.title), None),
        sources=tuple(sources),
    )
