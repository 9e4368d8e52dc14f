from __future__ import annotations

from datetime import datetime, timedelta

from parley.analysis.model import Conversation, Message, MessageKind

T0 = datetime(2024, 3, 4, 9, 0)  # a Monday


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def chat(*rows: tuple[str | None, str, float | None]) -> Conversation:
    """(speaker, text, minutes after T0 or None); speaker None makes a system message."""
    return Conversation(
        format="test",
        messages=[
            Message(
                speaker=s,
                text=text,
                timestamp=at(minutes) if minutes is not None else None,
                kind=MessageKind.SYSTEM if s is None else MessageKind.TEXT,
            )
            for s, text, minutes in rows
        ],
    )
