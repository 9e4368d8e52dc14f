"""Slack exports: the workspace zip (or its unpacked folder), or one channel-day file.

The export holds `users.json`, `channels.json` (and `groups.json`, `mpims.json`,
`dms.json`), and a folder per conversation with one `YYYY-MM-DD.json` list of messages per
day. User ids become names (`real_name`, then the display name, then the handle), in the
speaker and in `<@U123>` mentions. A thread reply's `reply_to` is the `ts` of the thread's
first message (`thread_ts`). Several channels make one conversation in time order, with
ids prefixed by the channel name.
"""

from __future__ import annotations

import html
import re
from typing import Any

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._common import from_epoch, list_title
from ._source import Archive, Source, SourceError, load_member_json

__all__ = ["NAME", "detect", "detect_archive", "detect_json", "parse", "parse_archive"]

NAME = "slack"

_DAY_FILE = re.compile(r"(?:^|/)([^/]+)/(\d{4}-\d{2}-\d{2})\.json\Z")
_META_FILES = ("users.json", "channels.json", "groups.json", "mpims.json", "dms.json")
_SYSTEM_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "group_join",
        "group_leave",
        "group_topic",
        "group_purpose",
        "group_name",
        "group_archive",
        "group_unarchive",
        "pinned_item",
        "unpinned_item",
        "bot_add",
        "bot_remove",
        "reminder_add",
        "channel_convert_to_private",
        "huddle_thread",
    }
)
_DELETED_SUBTYPES = frozenset({"tombstone", "message_deleted"})
_ESCAPE = re.compile(r"<([^<>\n]{1,2000})>")


def _is_day(doc: Any) -> bool:
    return (
        isinstance(doc, list)
        and bool(doc)
        and isinstance(doc[0], dict)
        and "ts" in doc[0]
        and ("type" in doc[0] or "text" in doc[0])
    )


def detect_json(doc: Any) -> bool:
    return _is_day(doc)


def detect(source: Source) -> bool:
    return _is_day(source.json_or_none())


def _by_base(names: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for n in sorted(names, key=len):
        out.setdefault(n.rsplit("/", 1)[-1], n)
    return out


def detect_archive(archive: Archive) -> bool:
    names = archive.names()
    base = _by_base(names)
    return ("channels.json" in base or "users.json" in base) and any(
        _DAY_FILE.search(n) for n in names
    )


def parse(source: Source) -> Conversation:
    doc = source.json
    if not isinstance(doc, list):
        raise ParseError("expected a JSON list of messages (a channel-day file)", format=NAME)
    messages = [_message(item, i, {}, {}, "") for i, item in enumerate(doc)]
    return Conversation(format=NAME, messages=[m for _, m in messages])


def parse_archive(archive: Archive) -> Conversation:
    names = archive.names()
    base = _by_base(names)
    users = _users(load_member_json(archive, base["users.json"])) if "users.json" in base else {}
    channels: dict[str, str] = {}
    for meta in _META_FILES[1:]:
        if meta in base:
            doc = load_member_json(archive, base[meta])
            for ch in doc if isinstance(doc, list) else []:
                if isinstance(ch, dict) and isinstance(ch.get("id"), str):
                    channels[ch["id"]] = str(ch.get("name") or ch["id"])
    days: dict[str, list[str]] = {}
    for n in sorted(names):
        m = _DAY_FILE.search(n)
        if m is not None:
            days.setdefault(m.group(1), []).append(n)
    if not days:
        raise ParseError(
            "the export holds no channel folders of YYYY-MM-DD.json files", format=NAME
        )
    several = len(days) > 1
    rows: list[tuple[float, Message]] = []
    for folder, files in days.items():
        prefix = f"{folder}/" if several else ""
        for file in files:
            doc = load_member_json(archive, file)
            if not isinstance(doc, list):
                raise SourceError(f"{file}: expected a JSON list of messages")
            try:
                rows.extend(
                    _message(item, i, users, channels, prefix) for i, item in enumerate(doc)
                )
            except ParseError as exc:
                raise ParseError(f"{file}: {exc.detail}", format=NAME, record=exc.record) from None
    if several:
        rows.sort(key=lambda row: row[0])
    title = list_title([f"#{folder}" for folder in days], "channel")
    return Conversation(format=NAME, messages=[m for _, m in rows], title=title)


def _users(doc: Any) -> dict[str, str]:
    users: dict[str, str] = {}
    for user in doc if isinstance(doc, list) else []:
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            continue
        profile: dict[str, Any] = user["profile"] if isinstance(user.get("profile"), dict) else {}
        for name in (
            user.get("real_name"),
            profile.get("real_name"),
            profile.get("display_name"),
            user.get("name"),
        ):
            if isinstance(name, str) and name.strip():
                users[user["id"]] = name.strip()
                break
    return users


def _message(
    item: Any, record: int, users: dict[str, str], channels: dict[str, str], prefix: str
) -> tuple[float, Message]:
    if not isinstance(item, dict) or not isinstance(item.get("ts"), str | int | float):
        raise ParseError("a message has no `ts`", format=NAME, record=record)
    try:
        seconds = float(item["ts"])
    except ValueError:
        raise ParseError(
            f"`ts` {item['ts']!r} is not a Slack timestamp", format=NAME, record=record
        ) from None
    ts = str(item["ts"])
    subtype = item.get("subtype") if isinstance(item.get("subtype"), str) else None
    raw_text = item.get("text")
    text = _resolve(raw_text if isinstance(raw_text, str) else "", users, channels)
    speaker = _speaker(item, users)
    thread = item.get("thread_ts")
    reply_to = f"{prefix}{thread}" if thread is not None and str(thread) != ts else None
    kind = MessageKind.TEXT
    if subtype in _SYSTEM_SUBTYPES:
        kind, speaker = MessageKind.SYSTEM, None
    elif subtype in _DELETED_SUBTYPES:
        kind = MessageKind.DELETED
        text = text or "This message was deleted."
    elif item.get("files") and not text.strip():
        kind = MessageKind.MEDIA
        files = [f for f in item["files"] if isinstance(f, dict)]
        text = ", ".join(str(f.get("name") or f.get("title") or "file") for f in files) or "<file>"
    message = Message(
        speaker=speaker,
        text=text,
        timestamp=from_epoch(seconds),
        kind=kind,
        id=f"{prefix}{ts}",
        reply_to=reply_to,
        edited=isinstance(item.get("edited"), dict),
    )
    return seconds, message


def _speaker(item: dict[str, Any], users: dict[str, str]) -> str | None:
    user = item.get("user")
    if isinstance(user, str) and user in users:
        return users[user]
    profile = item.get("user_profile")
    if isinstance(profile, dict):
        for key in ("real_name", "display_name", "name"):
            if isinstance(profile.get(key), str) and profile[key].strip():
                return str(profile[key]).strip()
    bot = item.get("bot_profile")
    for name in (item.get("username"), bot.get("name") if isinstance(bot, dict) else None, user):
        if isinstance(name, str) and name:
            return name
    return item.get("bot_id") if isinstance(item.get("bot_id"), str) else None


def _resolve(text: str, users: dict[str, str], channels: dict[str, str]) -> str:
    """Slack's `<…>` escapes to readable text, then its three HTML entities."""
    if "<" in text:

        def replace(m: re.Match[str]) -> str:
            target, _, label = m.group(1).partition("|")
            if target.startswith("@"):
                return "@" + (label or users.get(target[1:], target[1:]))
            if target.startswith("#"):
                return "#" + (label or channels.get(target[1:], target[1:]))
            if target.startswith("!"):
                if label:
                    return label
                return "@" + target[1:].split("^", 1)[0]
            return label or target

        text = _ESCAPE.sub(replace, text)
    return html.unescape(text) if "&" in text else text
