"""Google Chat, from Google Takeout: `Google Chat/Groups/<DM or Space id>/messages.json`.

No specification is published; each rule cites the public readers it comes from:

- The file is `{"messages": [...]}`, oldest first (develhack/google-chat-takeout-explorer
  `server/data/data.go`; abrignoni/RLEAPP `scripts/artifacts/googleChat.py`;
  mrwoof/google-chat-takeout-reader).
- A message has `creator` `{name, email, user_type}`, `created_date`, and `text` when it
  has any (RLEAPP `googleChat.py`; develhack `data.go`, which falls back to the name when
  there is no e-mail).
- `created_date` is English prose in UTC: `Thursday, November 3, 2016 at 11:59:50 AM UTC`,
  newer exports with a narrow no-break space (U+202F) before AM/PM (develhack
  `server/controller/settings.json`'s date pattern, `\\x{202f}`), and a day-first 24-hour
  form in some locales, `Tuesday, 14 March 2021 at 22:41:03 UTC` (RLEAPP PR #297).
- `attached_files` `[{original_name, export_name}]` on a message without text makes it
  media; `annotations`, `reactions`, `quoted_message_metadata` are not text (the
  Takeout schema notes; gopichandbusam/google-chat-viewer `app.py`).
- A deleted message has no `creator`, `created_date` nor `text`, but `message_state:
  "DELETED"` and a `deleted_date` (mrwoof/google-chat-takeout-reader issue #3; RLEAPP PR
  #297, which crashed on them before): it is kept as a system line at its deletion time.

Times are UTC instants (aware); the `timezone` option reads them in a zone of one's own.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._common import list_title, obj, seq, text_of
from ._source import Archive, Source, SourceError, load_member_json

__all__ = ["NAME", "detect", "detect_archive", "parse", "parse_archive"]

NAME = "googlechat"

_FORMATS = ("%A, %B %d, %Y %I:%M:%S %p", "%A, %d %B %Y %H:%M:%S", "%A, %B %d, %Y %H:%M:%S")
_SPACES = re.compile(r"[\u202f\u00a0]")


def _when(value: Any, index: int) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    plain = _SPACES.sub(" ", value).replace(" at ", " ").removesuffix(" UTC").strip()
    for pattern in _FORMATS:
        try:
            return datetime.strptime(plain, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ParseError(f"the date {value!r} is not one Google Chat writes", format=NAME, record=index)


def _is_message(item: Any) -> bool:
    return isinstance(item, dict) and (
        (isinstance(item.get("creator"), dict) and "created_date" in item)
        or item.get("message_state") == "DELETED"
    )


def detect(source: Source) -> bool:
    doc = source.json_or_none()
    messages = seq(obj(doc).get("messages"))
    return bool(messages) and all(_is_message(m) for m in messages[:5])


def _groups(archive: Archive) -> dict[str, str]:
    """Each group's folder -> its messages.json, in a Takeout zip or folder."""
    found = {}
    for name in archive.names():
        head, _, leaf = name.rpartition("/")
        if leaf == "messages.json" and "Google Chat/Groups/" in f"{head}/":
            found[head] = name
    return found


def detect_archive(archive: Archive) -> bool:
    return bool(_groups(archive))


def parse_archive(archive: Archive) -> Conversation:
    """One group of a Takeout (its `group_info.json` names it): a Takeout of several
    is refused with their names, since they are different conversations."""
    groups = _groups(archive)
    if len(groups) != 1:
        raise ParseError(
            f"this Takeout holds {len(groups)} Google Chat conversations "
            f"({', '.join(sorted(g.rsplit('/', 1)[-1] for g in groups)[:5])}…): send one "
            "group's messages.json, or several of them to be merged on purpose",
            format=NAME,
        )
    [(folder, member)] = groups.items()
    conversation = _build(load_member_json(archive, member))
    info_name = f"{folder}/group_info.json"
    if info_name in archive.names():
        info = obj(load_member_json(archive, info_name))
        members = [str(obj(m).get("name")) for m in seq(info.get("members")) if obj(m).get("name")]
        title = (
            info.get("name") if isinstance(info.get("name"), str) else list_title(members, "person")
        )
        return Conversation(format=NAME, messages=conversation.messages, title=title)
    return conversation


def parse(source: Source) -> Conversation:
    return _build(source.json)


def _build(doc: Any) -> Conversation:
    messages: list[Message] = []
    for index, item in enumerate(seq(obj(doc).get("messages"))):
        if not _is_message(item):
            raise ParseError(
                "not a Google Chat message (needs `creator` and `created_date`)",
                format=NAME,
                record=index,
            )
        if item.get("message_state") == "DELETED":
            messages.append(
                Message(None, "a message was deleted", _when(item.get("deleted_date"), index),
                        MessageKind.SYSTEM, id=item.get("message_id"))
            )  # fmt: skip
            continue
        creator = obj(item.get("creator"))
        speaker = str(creator.get("name") or creator.get("email") or "Unknown")
        text = text_of(item.get("text"), NAME, index)
        files = [
            str(obj(f).get("original_name") or "file") for f in seq(item.get("attached_files"))
        ]
        kind = MessageKind.TEXT
        if not text.strip() and files:
            text, kind = ", ".join(files), MessageKind.MEDIA
        messages.append(
            Message(speaker, text, _when(item.get("created_date"), index), kind,
                    id=item.get("message_id"), edited=bool(item.get("updated_date")))
        )  # fmt: skip
    if not messages:
        raise SourceError("the export holds no Google Chat messages")
    return Conversation(format=NAME, messages=messages)
