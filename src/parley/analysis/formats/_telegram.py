"""Telegram Desktop exports: `result.json` of one chat, or of a full export (`chats.list`).

`text` is a string or a list of parts (strings and `{type, text}` objects). Service
messages (joins, pins, title changes) become system messages. `date_unixtime` gives an
aware UTC time; without it `date` is the exporting machine's local wall time (naive).
A full export with several chats is read as one conversation, chat after chat, with
message ids prefixed by the chat id so replies stay unambiguous.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._common import from_epoch, list_title, seq
from ._source import Archive, Source, SourceError, load_member_json

__all__ = ["NAME", "detect", "detect_archive", "detect_json", "parse", "parse_archive"]

NAME = "telegram"

_MEDIA_TYPES = {
    "sticker": "<sticker>",
    "voice_message": "<voice message>",
    "video_message": "<video message>",
    "video_file": "<video>",
    "audio_file": "<audio>",
    "animation": "<GIF>",
}
# Entity types that Telegram recognises in running text; one glued to the word before it
# (`Link:` + `https://…`) gets a space so the two do not read as one word.
_LINKISH = frozenset({"link", "text_link", "email", "phone", "mention", "mention_name"})


def _is_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") in ("message", "service")
        and ("date" in value or "date_unixtime" in value)
    )


def detect_json(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    chats = doc.get("chats")
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        return True
    messages = doc.get("messages")
    if not isinstance(messages, list):
        return False
    if messages:
        return _is_message(messages[0])
    return "type" in doc and "name" in doc and "id" in doc


def detect(source: Source) -> bool:
    return detect_json(source.json_or_none())


def detect_archive(archive: Archive) -> bool:
    return _member(archive) is not None


def _member(archive: Archive) -> str | None:
    found = [n for n in archive.names() if n.rsplit("/", 1)[-1] == "result.json"]
    return min(found, key=len) if found else None


def parse_archive(archive: Archive) -> Conversation:
    name = _member(archive)
    if name is None:
        raise ParseError("the archive holds no result.json", format=NAME)
    return _parse_doc(load_member_json(archive, name))


def parse(source: Source) -> Conversation:
    return _parse_doc(source.json)


def _parse_doc(doc: Any) -> Conversation:
    if not isinstance(doc, dict):
        raise ParseError("expected a JSON object with `messages` or `chats`", format=NAME)
    chats = doc.get("chats")
    if isinstance(chats, dict) and "messages" not in doc:
        chat_list = chats.get("list")
        if not isinstance(chat_list, list):
            raise ParseError("`chats.list` is not a list", format=NAME)
        chat_list = [c for c in chat_list if isinstance(c, dict)]
    else:
        chat_list = [doc]
    messages: list[Message] = []
    record = 0
    several = len(chat_list) > 1
    for chat_no, chat in enumerate(chat_list):
        items = chat.get("messages")
        if not isinstance(items, list):
            raise ParseError("a chat has no `messages` list", format=NAME, record=record)
        prefix = f"{chat.get('id', chat_no)}:" if several else ""
        for item in items:
            messages.append(_message(item, prefix, record))
            record += 1
    if not messages and not chat_list:
        raise SourceError("the export holds no chats")
    names = [str(chat["name"]) for chat in chat_list if isinstance(chat.get("name"), str)]
    return Conversation(format=NAME, messages=messages, title=list_title(names, "chat"))


def _instant(utc: datetime | None, local: datetime | None) -> datetime | None:
    """The moment (`date_unixtime`) at the exporting device's offset, read from `date` (its
    wall time): hours and days are the exporter's local ones, intervals stay exact."""
    if utc is None:
        return local
    if local is None or local.tzinfo is not None:
        return utc
    offset = local - utc.replace(tzinfo=None)
    quarters = round(offset.total_seconds() / 900)  # offsets are whole quarter hours
    if abs(quarters) > 14 * 4:  # no zone is that far from UTC: not the same moment
        return utc
    return utc.astimezone(timezone(timedelta(minutes=15 * quarters)))


def _message(item: Any, prefix: str, record: int) -> Message:
    if not _is_message(item):
        raise ParseError(
            "not a Telegram message (needs `type` message/service and `date`)",
            format=NAME,
            record=record,
        )
    local = None
    if isinstance(item.get("date"), str):
        try:
            local = datetime.fromisoformat(item["date"])
        except ValueError:
            raise ParseError(f"bad date {item['date']!r}", format=NAME, record=record) from None
    stamp = _instant(from_epoch(item.get("date_unixtime")), local)
    text = _text(item.get("text"), record)
    msg_id = f"{prefix}{item['id']}" if item.get("id") is not None else None
    reply = item.get("reply_to_message_id")
    reply_to = f"{prefix}{reply}" if reply is not None else None
    if item["type"] == "service":
        return Message(
            speaker=None,
            text=_service_text(item, text),
            timestamp=stamp,
            kind=MessageKind.SYSTEM,
            id=msg_id,
            reply_to=reply_to,
        )
    speaker = item.get("from") or item.get("from_id")
    kind = MessageKind.TEXT
    placeholder = _media_placeholder(item)
    if placeholder is not None:
        kind = MessageKind.MEDIA
        text = text or placeholder
    return Message(
        speaker=str(speaker) if speaker is not None else None,
        text=text,
        timestamp=stamp,
        kind=kind,
        id=msg_id,
        reply_to=reply_to,
        edited="edited" in item or "edited_unixtime" in item,
    )


def _text(value: Any, record: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise ParseError("`text` is neither a string nor a list", format=NAME, record=record)
    out: list[str] = []
    for part in value:
        if isinstance(part, str):
            piece, kind = part, "plain"
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            piece, kind = part["text"], str(part.get("type", "plain"))
        else:
            raise ParseError("a `text` part has no string `text`", format=NAME, record=record)
        if (
            out
            and kind in _LINKISH
            and piece[:1].strip()
            and out[-1][-1:].strip()
            and out[-1][-1:] not in "([{\"'@#"
        ):
            out.append(" ")
        out.append(piece)
    return "".join(out)


def _media_placeholder(item: dict[str, Any]) -> str | None:
    if "photo" in item:
        return "<photo>"
    media_type = item.get("media_type")
    if isinstance(media_type, str):
        if media_type == "sticker" and item.get("sticker_emoji"):
            return str(item["sticker_emoji"])
        return _MEDIA_TYPES.get(media_type, f"<{media_type}>")
    if "file" in item:
        return f"<file: {item.get('file_name') or item['file']}>"
    for key in ("poll", "location_information", "contact_information"):
        if key in item:
            return f"<{key.split('_')[0]}>"
    return None


def _service_text(item: dict[str, Any], text: str) -> str:
    actor = item.get("actor") or ""
    action = str(item.get("action") or "").replace("_", " ")
    detail = item.get("title") or ", ".join(str(m) for m in seq(item.get("members")) if m)
    words = " ".join(str(w) for w in (actor, action, detail) if w)
    return text or words
