"""Microsoft Teams chats, in the two shapes people export them in.

Each rule cites the public sources it comes from:

- **A personal account's "Export your data"** (Teams free): a `messages.json` in the
  Skype export format, `{"userId", "exportDate", "conversations": [{"id", "displayName",
  "threadProperties", "MessageList": [...]}]}` (AlwaysLearningTech/forensic_message_analyzer
  `src/extractors/teams_extractor.py` and its tests; siwen-r/skype-export-parser
  `src/types/SkypeExport.d.ts`; MasterScrat/Chatistics `parsers/skype.py`). A message is
  `{"id", "displayName", "originalarrivaltime", "messagetype", "content", "from"}`:
  `originalarrivaltime` is ISO 8601 UTC (`2024-01-15T10:00:00.000Z`); `displayName` is
  often null, on one's own messages above all, so a sender is named from the other
  messages of the same `from` (an MRI like `8:live:ana`), else from the MRI's last part
  (Chatistics `id_to_name`). `content` is HTML: tags are dropped, entities read, quoted
  replies (`<quote>`, `<legacyquote>`) left out (Chatistics). `messagetype` `Text` and
  `RichText*` are messages, `RichText/UriObject` and `RichText/Media_*` media,
  `ThreadActivity/*` and `Event/*` system lines, `Control/*` not messages at all
  (siwen-r/skype-export-parser `docs/skype.md`; forensic_message_analyzer).
- **A work account's messages saved from Microsoft Graph** (the only way to export them):
  `{"value": [chatMessage, ...]}` or a list of them, newest first
  (microsoft-graph-docs-contrib `api-reference/v1.0/api/chat-list-messages.md`). A
  chatMessage has `createdDateTime` (ISO 8601 UTC), `from.user.displayName` (or
  `from.displayName`, as mavi0/export-ms-teams-chats writes it), `body` `{contentType,
  content}` (HTML or text), `messageType` (`message`, or `systemEventMessage` with
  `<systemEventMessage/>` as its body), and `deletedDateTime` when deleted
  (`resources/chatmessage.md`).

Times are UTC instants (aware); the `timezone` option reads them in a zone of one's own.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._common import list_title, obj, seq
from ._source import Source, SourceError

__all__ = ["NAME", "detect", "parse"]

NAME = "teams"

_QUOTE = re.compile(r"<(quote|legacyquote)\b.*?</\1>", re.S | re.I)
_BREAK = re.compile(r"<br\s*/?>|</p>|</div>", re.I)
_TAG = re.compile(r"<[^>]+>")


def _text(content: Any) -> str:
    if not isinstance(content, str):
        return ""
    plain = _TAG.sub("", _BREAK.sub("\n", _QUOTE.sub("", content)))
    return html.unescape(plain).strip()


_XML_FIELD = re.compile(r"<(initiator|target|value)>(.*?)</\1>", re.S)
_EVENTS = {
    "ThreadActivity/AddMember": "{initiator} added {target}",
    "ThreadActivity/DeleteMember": "{initiator} removed {target}",
    "ThreadActivity/TopicUpdate": "{initiator} named the chat {value}",
    "Event/Call": "a call",
}


def _event(kind: str, content: Any, names: dict[str, str]) -> str:
    """A system line in words: `Ben added Cy` from `<addmember>…<initiator>8:live:ben…`."""
    fields: dict[str, str] = {}
    for key, value in _XML_FIELD.findall(content if isinstance(content, str) else ""):
        mri = html.unescape(value.strip())
        fields.setdefault(key, names.get(mri) or mri.rsplit(":", 1)[-1])
    template = _EVENTS.get(kind)
    if template is None:
        return kind.split("/", 1)[-1]
    try:
        return template.format(**fields)
    except KeyError:  # an event without the parts its template names
        return kind.split("/", 1)[-1]


def _when(value: Any, index: int) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    stamp = value.replace("Z", "+00:00")
    # Teams writes up to 7 fraction digits; Python reads at most 6.
    stamp = re.sub(r"(\.\d{6})\d+", r"\1", stamp)
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        raise ParseError(f"bad time {value!r}", format=NAME, record=index) from None


def _graph_items(doc: Any) -> list[Any]:
    """What may be Graph chat messages: `{"value": [...]}` or a bare list."""
    return seq(obj(doc).get("value")) if isinstance(doc, dict) else seq(doc)


def _is_graph_message(item: Any) -> bool:
    return isinstance(item, dict) and "createdDateTime" in item and "body" in item


def _graph_messages(doc: Any) -> list[Any]:
    return [m for m in _graph_items(doc) if _is_graph_message(m)]


def detect(source: Source) -> bool:
    doc = source.json_or_none()
    conversations = seq(obj(doc).get("conversations"))
    if conversations and all(
        isinstance(obj(c).get("MessageList"), list) for c in conversations[:3]
    ):
        return True
    items = _graph_items(doc)[:5]
    return bool(items) and all(_is_graph_message(m) for m in items)


def _personal(doc: dict[str, Any]) -> Conversation:
    conversations = [obj(c) for c in seq(doc.get("conversations"))]
    names: dict[str, str] = {}
    for conversation in conversations:
        for m in seq(conversation.get("MessageList")):
            if isinstance(m, dict) and m.get("displayName") and isinstance(m.get("from"), str):
                names.setdefault(m["from"], str(m["displayName"]))
    messages: list[Message] = []
    index = 0
    several = len(conversations) > 1
    for conversation in conversations:
        prefix = f"{conversation.get('id')}/" if several else ""
        for raw in seq(conversation.get("MessageList")):
            index += 1
            m = obj(raw)
            kind_name = str(m.get("messagetype") or "")
            if kind_name.startswith("Control/"):
                continue
            sender = m.get("from") if isinstance(m.get("from"), str) else None
            speaker = (
                m.get("displayName")
                or names.get(sender or "")
                or (sender.rsplit(":", 1)[-1] if sender else None)
            )
            if kind_name.startswith(("ThreadActivity/", "Event/")):
                kind, speaker = MessageKind.SYSTEM, None
                text = _event(kind_name, m.get("content"), names)
            elif kind_name.startswith(("RichText/UriObject", "RichText/Media_")):
                kind, text = MessageKind.MEDIA, _text(m.get("content")) or kind_name
            else:
                kind, text = MessageKind.TEXT, _text(m.get("content"))
            messages.append(
                Message(None if speaker is None else str(speaker), text,
                        _when(m.get("originalarrivaltime"), index), kind,
                        id=f"{prefix}{m.get('id')}" if m.get("id") is not None else None)
            )  # fmt: skip
    _in_time_order(messages)
    titles = [str(c["displayName"]) for c in conversations if c.get("displayName")]
    return Conversation(format=NAME, messages=messages, title=list_title(titles, "chat"))


def _graph(items: list[Any]) -> Conversation:
    messages: list[Message] = []
    for index, m in enumerate(items):
        sender = obj(m.get("from"))
        speaker = obj(sender.get("user")).get("displayName") or sender.get("displayName")
        body = obj(m.get("body"))
        text = (
            _text(body.get("content"))
            if body.get("contentType") == "html"
            else str(body.get("content") or "")
        )
        kind = MessageKind.TEXT
        if m.get("messageType") not in (None, "message") or speaker is None:
            kind, speaker = MessageKind.SYSTEM, None
            detail = obj(m.get("eventDetail"))
            renamed = detail.get("chatDisplayName") or detail.get("topic")
            event = str(detail.get("@odata.type", "event")).rsplit(".", 1)[-1]
            text = f"the chat was named {renamed}" if renamed else event
        elif m.get("deletedDateTime"):
            kind, text = MessageKind.DELETED, "This message was deleted"
        elif not text and seq(m.get("attachments")):
            kind = MessageKind.MEDIA
            text = ", ".join(
                str(obj(a).get("name") or "attachment") for a in seq(m.get("attachments"))
            )
        messages.append(
            Message(speaker, text, _when(m.get("createdDateTime"), index), kind,
                    id=m.get("id"), reply_to=m.get("replyToId"),
                    edited=bool(m.get("lastEditedDateTime")))
        )  # fmt: skip
    _in_time_order(messages)
    return Conversation(format=NAME, messages=messages)


def _in_time_order(messages: list[Message]) -> None:
    """Sort in place by time. Graph lists the newest first: the list is turned round
    before the (stable) sort, so messages of the same instant keep the order they were
    sent in rather than its reverse."""
    stamps = [m.timestamp for m in messages if m.timestamp is not None]
    if len(stamps) > 1 and stamps[0] > stamps[-1]:
        messages.reverse()
    messages.sort(key=lambda msg: msg.timestamp.timestamp() if msg.timestamp else 0.0)


def parse(source: Source) -> Conversation:
    doc = source.json
    if isinstance(doc, dict) and isinstance(doc.get("conversations"), list):
        conversation = _personal(doc)
    elif graph := _graph_messages(doc):
        conversation = _graph(graph)
    else:
        raise ParseError(
            "expected a Teams export: `conversations` with `MessageList`, or Graph messages "
            "with `createdDateTime` and `body`",
            format=NAME,
        )
    if not conversation.messages:
        raise SourceError("the export holds no Teams messages")
    return conversation
