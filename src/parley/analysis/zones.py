"""Reading an export's times in a chosen time zone.

Exports that store instants (Slack's `ts`, Discord's ISO times with an offset, Telegram's
`date_unixtime`, any timestamp with an offset) are read at the offset they carry: UTC
for Slack and Discord, the exporting device's for Telegram. `in_zone` moves every such
time to an IANA zone (`Europe/Lisbon`), so hours, weekdays and days are that zone's
(daylight saving time included). Times without an offset (WhatsApp, Signal) are already
the phone's wall time and stay as written: there is no instant to move.
"""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parley.analysis.model import Conversation
from parley.errors import InputError

__all__ = ["in_zone", "zone"]


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; InputError (a 400) when there is none of that name."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        raise InputError(f"unknown time zone {name!r}: give an IANA name like Europe/Lisbon")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {name!r}: give an IANA name like Europe/Lisbon"
        ) from None


def in_zone(conversation: Conversation, name: str) -> Conversation:
    """`conversation` with every time that has an offset moved to the zone `name`."""
    tz = zone(name)
    messages = [
        dataclasses.replace(m, timestamp=m.timestamp.astimezone(tz))
        if m.timestamp is not None and m.timestamp.tzinfo is not None
        else m
        for m in conversation.messages
    ]
    return dataclasses.replace(conversation, messages=messages, timezone=name)
