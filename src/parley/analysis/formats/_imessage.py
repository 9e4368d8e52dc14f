"""iMessage, as the text export of the open-source `imessage-exporter` writes it
(`imessage-exporter -f txt`, github.com/ReagentX/imessage-exporter).

Each rule below cites where it comes from in the exporter's source
(`imessage-exporter/src/exporters/txt.rs` at c580c9a6 unless said otherwise):

- A message is a block: a timestamp line, a sender line, then the body lines, then a
  blank line (`format_message`; `add_line` skips empty parts; top-level blocks end with
  one more newline). A message's body is written as is, so it may span lines and hold
  blank lines of its own.
- The timestamp is chrono's `%b %d, %Y %l:%M:%S %p` in the exporting Mac's local time
  (`imessage-database/src/util/dates.rs`): `May 20, 2020  9:10:11 AM`, two spaces
  before a one-digit hour. It may end with a read receipt, ` (Read by you after 1 hour,
  49 seconds)` or ` (Read by them after ...)` (`TXT::get_time`), which parley drops.
- The sender is `Me` for the exporter's own messages (or the `--custom-name`), else the
  contact's handle, a phone number or an e-mail address, or `Unknown`
  (`imessage-exporter/src/app/runtime.rs` `Config::who`).
- A fully unsent message and group events are one line, timestamp then the event:
  `May 17, 2022  5:29:42 PM You renamed the conversation to Hello world`, `… added X to
  the conversation.`, `… left the conversation.`, `… unsent a message!` (`format_announcement`).
  parley reads them as system lines.
- Lines in a body that the exporter adds, not the sender: `Tapbacks:` (older exports
  `Reactions:`) followed by `Loved by X` lines, `This message responded to an earlier
  message.`, `Edited … later: …`, `Sent with Confetti`-like effect lines, `Attachment
  missing!`. parley keeps the text the person wrote: tapback lists and the reply note
  are cut; an edited message keeps its last version. A body that is only an attachment
  path (or `Attachment missing!`) or a `Sticker from …` line is a media message.
- A reply is also written indented 4 spaces under the message it answers; those
  indented copies are dropped (the reply is read where it stands in time).
- There is no file header; the file is named after the chat (`+15558675309.txt`,
  `Family - 12.txt`; `imessage-exporter/src/app/runtime.rs` `Config::filename`).
"""

from __future__ import annotations

import re
from datetime import datetime

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._source import Source, SourceError

__all__ = ["NAME", "detect", "parse"]

NAME = "imessage"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_STAMP = re.compile(
    r"^(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<d>\d{2}), (?P<y>\d{4}) "
    r"{1,2}(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2}) (?P<ampm>AM|PM)"
    r"(?: \(Read by (?:you|them|.+?) after [^)]*\))?(?P<rest>.*)$"
)
_TAPBACK_HEAD = ("Tapbacks:", "Reactions:")
_TAPBACK = re.compile(
    r"^ {0,4}(?:Loved|Liked|Disliked|Laughed|Emphasized|Questioned|.{1,8}) by .+$"
)
_EXPORTER_LINES = (
    "This message responded to an earlier message.",
    "This message was deleted from the conversation!",
)
_EFFECT = re.compile(r"^Sent with [A-Z][\w ]+$")
_EDITED = re.compile(r"^Edited .+? later: (?P<text>.*)$")
_ATTACHMENT = re.compile(
    r"^(?:Attachment missing!|Attachment missing name metadata!|(?:\S+ )?Sticker from .+"
    r"|[^\s]*/[^\s]+\.(?:jpe?g|png|heic|gif|mov|mp4|m4a|caf|pdf|vcf|webp|aae))$",
    re.IGNORECASE,
)


def _stamp(m: re.Match[str]) -> datetime:
    hour = int(m["h"]) % 12 + (12 if m["ampm"] == "PM" else 0)
    return datetime(
        int(m["y"]), _MONTHS.index(m["mon"]) + 1, int(m["d"]), hour, int(m["mi"]), int(m["s"])
    )


def detect(source: Source) -> bool:
    lines = source.head.lstrip("\ufeff").split("\n")[:40]
    stamps = [i for i, ln in enumerate(lines) if _STAMP.match(ln)]
    if not stamps or (lines[0].strip() and not _STAMP.match(lines[0])):
        return False
    # A timestamp line followed by a sender line (or an event on the line itself).
    return any(
        (m := _STAMP.match(lines[i])) and (m["rest"].strip() or i + 1 < len(lines))
        for i in stamps[:3]
    )


def _body(lines: list[str]) -> tuple[str, bool]:
    """The text the sender wrote, and whether it is only an attachment."""
    kept: list[str] = []
    in_tapbacks = False
    edited: str | None = None
    for line in lines:
        if line in _TAPBACK_HEAD:
            in_tapbacks = True
            continue
        if in_tapbacks and _TAPBACK.match(line):
            continue
        in_tapbacks = False
        if line.startswith("    "):  # a reply shown under this message: it stands in time too
            continue
        if line in _EXPORTER_LINES or _EFFECT.match(line):
            continue
        if found := _EDITED.match(line):
            edited = found["text"]
            continue
        kept.append(line)
    if edited is not None:
        kept = [edited]
    text = "\n".join(kept).strip("\n")
    media = bool(kept) and all(_ATTACHMENT.match(ln) for ln in kept if ln.strip())
    return text, media


def parse(source: Source) -> Conversation:
    text = source.text.replace("\r\n", "\n")
    lines = text.split("\n")
    messages: list[Message] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        m = _STAMP.match(line)
        if m is None:
            raise ParseError(
                "expected an imessage-exporter timestamp line (`Jan 02, 2024  1:45:12 PM`)",
                format=NAME,
                line=i + 1,
            )
        try:
            stamp = _stamp(m)
        except ValueError:
            raise ParseError(
                f"{line.strip()!r} is not a valid time", format=NAME, line=i + 1
            ) from None
        event = m["rest"].strip()
        if event:  # an announcement: an unsent message, a rename, someone added or left
            messages.append(Message(None, event, stamp, MessageKind.SYSTEM))
            i += 1
            continue
        if i + 1 >= n or not lines[i + 1].strip():
            raise ParseError("a timestamp line with no sender after it", format=NAME, line=i + 1)
        sender = lines[i + 1].strip()
        j = i + 2
        body: list[str] = []
        # The body runs to the next timestamp line that starts a block after a blank line.
        while j < n and not (not lines[j - 1].strip() and _STAMP.match(lines[j])):
            body.append(lines[j])
            j += 1
        words, media = _body(body)
        kind = MessageKind.MEDIA if media else MessageKind.TEXT
        messages.append(Message(sender, words, stamp, kind))
        i = j
    if not messages:
        raise SourceError("the input is empty: no iMessage messages", line=1)
    return Conversation(format=NAME, messages=messages)
