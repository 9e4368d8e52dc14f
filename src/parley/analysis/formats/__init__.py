"""Chat and transcript exports, every common kind, parsed into one normalised Conversation.

    from parley.analysis.formats import parse, parse_path, FORMAT_NAMES
    conversation = parse(data, filename="WhatsApp Chat.txt")   # detected from the content
    conversation = parse_path("slack-export/", format="slack")  # a folder works for Slack

Errors: ParseError (names the format and the line or record where it broke),
UnknownFormatError (no format matched; names those tried), InputError (unreadable path),
InputTooLargeError (a zip that expands past the limit).

`check(data, filename=..., format=...)` is what a server runs before it accepts a job:
the same refusals `parse` makes short of parsing (limits, encoding, detection), cheaply,
returning the format's name.
"""

from __future__ import annotations

from ._registry import FORMAT_NAMES, check, parse, parse_path

__all__ = ["FORMAT_NAMES", "check", "parse", "parse_path"]
