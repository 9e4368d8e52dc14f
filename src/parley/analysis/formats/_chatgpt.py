"""ChatGPT's `conversations.json`, and plain chat-completion message lists.

chatgpt: a list of conversations (or one), each a `mapping` of nodes linked by `parent`.
Only the branch the user last saw is read: from `current_node` up the parent links, then
reversed. System messages, nodes hidden from the conversation and nodes with no text are
skipped. The role is the speaker (`user`, `assistant`, `tool`). Several conversations make
one conversation, one after another.

messages: `[{"role", "content"}]` (chat-completion style) or `[{"speaker", "text"}]`, bare
or as `{"messages": [...]}`; the text a string or a list of parts (strings,
`{"type": "text", "text"}`, or other parts such as images, kept as media). `name`, when
present, names the speaker; a `system` role is a system line; `timestamp`, `created_at`
or `time` (ISO 8601 or epoch seconds) dates the message.
"""

from __future__ import annotations

from typing import Any

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._common import content_parts, from_epoch, obj, parse_datetime, seq
from ._source import Archive, Source, load_member_json

__all__ = [
    "CHATGPT",
    "MESSAGES",
    "detect_archive",
    "detect_chatgpt",
    "detect_chatgpt_json",
    "detect_messages",
    "detect_messages_json",
    "parse_archive",
    "parse_chatgpt",
    "parse_messages",
]

CHATGPT = "chatgpt"
MESSAGES = "messages"
_ROLES = frozenset({"user", "assistant", "system", "tool", "function", "developer", "model"})


def detect_chatgpt_json(doc: Any) -> bool:
    if isinstance(doc, dict):
        return isinstance(doc.get("mapping"), dict)
    return (
        isinstance(doc, list)
        and bool(doc)
        and isinstance(doc[0], dict)
        and isinstance(doc[0].get("mapping"), dict)
    )


def detect_chatgpt(source: Source) -> bool:
    return detect_chatgpt_json(source.json_or_none())


def _member(archive: Archive) -> str | None:
    found = [n for n in archive.names() if n.rsplit("/", 1)[-1] == "conversations.json"]
    return min(found, key=len) if found else None


def detect_archive(archive: Archive) -> bool:
    return _member(archive) is not None


def parse_archive(archive: Archive) -> Conversation:
    name = _member(archive)
    if name is None:
        raise ParseError("the archive holds no conversations.json", format=CHATGPT)
    return _parse_chatgpt_doc(load_member_json(archive, name))


def parse_chatgpt(source: Source) -> Conversation:
    return _parse_chatgpt_doc(source.json)


def _parse_chatgpt_doc(doc: Any) -> Conversation:
    conversations = [doc] if isinstance(doc, dict) else doc
    if not isinstance(conversations, list):
        raise ParseError("expected a list of conversations", format=CHATGPT)
    messages: list[Message] = []
    for record, conv in enumerate(conversations):
        if not isinstance(conv, dict) or not isinstance(conv.get("mapping"), dict):
            raise ParseError("a conversation has no `mapping`", format=CHATGPT, record=record)
        messages.extend(_branch(conv, record))
    title = None
    if len(conversations) == 1 and isinstance(conversations[0].get("title"), str):
        title = conversations[0]["title"]
    return Conversation(format=CHATGPT, messages=messages, title=title)


def _branch(conv: dict[str, Any], record: int) -> list[Message]:
    mapping: dict[str, Any] = conv["mapping"]
    node_id = conv.get("current_node")
    if node_id is None:
        # No current node: follow the last child from the root, the newest branch.
        roots = [k for k, v in mapping.items() if isinstance(v, dict) and not v.get("parent")]
        node_id = roots[0] if roots else None
        seen_down: set[str] = set()
        while isinstance(node_id, str) and node_id not in seen_down:
            seen_down.add(node_id)
            children = seq(obj(mapping.get(node_id)).get("children"))
            if not children:
                break
            node_id = children[-1]
    path: list[dict[str, Any]] = []
    seen: set[str] = set()
    while node_id is not None:
        if not isinstance(node_id, str):
            raise ParseError("a node id is not a string", format=CHATGPT, record=record)
        if node_id in seen:
            raise ParseError(
                f"the parent links loop at node {node_id}", format=CHATGPT, record=record
            )
        seen.add(node_id)
        node = mapping.get(node_id)
        if not isinstance(node, dict):
            raise ParseError(
                f"node {node_id} is missing from the mapping", format=CHATGPT, record=record
            )
        path.append(node)
        node_id = node.get("parent")
    out: list[Message] = []
    for node in reversed(path):
        message = _node_message(node, record)
        if message is not None:
            out.append(message)
    return out


def _node_message(node: dict[str, Any], record: int) -> Message | None:
    msg = node.get("message")
    if not isinstance(msg, dict):
        return None
    role = obj(msg.get("author")).get("role")
    metadata = obj(msg.get("metadata"))
    if role == "system" or metadata.get("is_visually_hidden_from_conversation"):
        return None
    content = msg.get("content") or {}
    if not isinstance(content, dict):
        raise ParseError("a message's `content` is not an object", format=CHATGPT, record=record)
    kind = MessageKind.TEXT
    texts: list[str] = []
    parts = content.get("parts")
    if isinstance(parts, list):
        for item in content_parts(parts, "content_type"):
            if item is not None:
                texts.append(item[0])
                if item[1]:
                    kind = MessageKind.MEDIA
    elif isinstance(content.get("text"), str):
        texts.append(content["text"])  # code, execution output
    text = "\n".join(t for t in texts if t)
    if not text.strip():
        return None
    if kind is MessageKind.MEDIA and any(isinstance(p, str) and p.strip() for p in parts or []):
        kind = MessageKind.TEXT  # words with an image attached are still words
    return Message(
        speaker=str(role) if role else None,
        text=text,
        timestamp=from_epoch(msg.get("create_time")),
        kind=kind,
        id=str(msg.get("id") or node.get("id")) if (msg.get("id") or node.get("id")) else None,
    )


# --- plain message lists ---------------------------------------------------------------


def _message_list(doc: Any) -> Any:
    if isinstance(doc, dict) and "messages" in doc:
        return doc["messages"]
    return doc


# Where a message's author and text are, in the shapes the format accepts: the first
# key present wins.
_WHO = ("speaker", "role")
_WHAT = ("text", "content")


def _first_key(item: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((key for key in keys if key in item), None)


def detect_messages_json(doc: Any) -> bool:
    items = _message_list(doc)
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return False
    first = items[0]
    if _first_key(first, _WHAT) is None:
        return False
    role, speaker = first.get("role"), first.get("speaker")
    return (isinstance(role, str) and role in _ROLES) or isinstance(speaker, str)


def detect_messages(source: Source) -> bool:
    return detect_messages_json(source.json_or_none())


def parse_messages(source: Source) -> Conversation:
    items = _message_list(source.json)
    if not isinstance(items, list):
        raise ParseError(
            'expected a list of {"speaker", "text"} or {"role", "content"} objects',
            format=MESSAGES,
        )
    messages: list[Message] = []
    for record, item in enumerate(items):
        who = _first_key(item, _WHO) if isinstance(item, dict) else None
        if who is None or not isinstance(item[who], str):
            raise ParseError(
                'a message has no string "speaker" (or "role")', format=MESSAGES, record=record
            )
        what = _first_key(item, _WHAT)
        text, kind = _content(item[what] if what else None, record)
        if not text.strip():
            continue  # tool-call stubs and empty turns carry nothing to analyse
        role = item[who]
        stamp = None
        for key in ("timestamp", "created_at", "time"):
            value = item.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                stamp = from_epoch(value)
            elif isinstance(value, str):
                stamp = parse_datetime(value)
            if stamp is not None:
                break
        if who == "role" and role == "system":
            messages.append(
                Message(speaker=None, text=text, timestamp=stamp, kind=MessageKind.SYSTEM)
            )
            continue
        name = item.get("name")
        speaker = name if isinstance(name, str) and name else role
        msg_id = item.get("id")
        messages.append(
            Message(
                speaker=speaker,
                text=text,
                timestamp=stamp,
                kind=kind,
                id=str(msg_id) if msg_id is not None else None,
            )
        )
    return Conversation(format=MESSAGES, messages=messages)


def _content(content: Any, record: int) -> tuple[str, MessageKind]:
    if content is None:
        return "", MessageKind.TEXT
    if isinstance(content, str):
        return content, MessageKind.TEXT
    if not isinstance(content, list):
        raise ParseError(
            "a message's text is neither a string nor a list of parts",
            format=MESSAGES,
            record=record,
        )
    texts: list[str] = []
    media: list[str] = []
    for item in content_parts(content, "type"):
        if item is None:
            raise ParseError(
                "a content part is neither text nor an object", format=MESSAGES, record=record
            )
        (media if item[1] else texts).append(item[0])
    if texts:
        return "\n".join(texts), MessageKind.TEXT
    return " ".join(media), MessageKind.MEDIA
