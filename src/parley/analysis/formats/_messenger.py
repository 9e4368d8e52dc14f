"""Facebook Messenger's HTML export ("Download your information" in HTML):
`messages/inbox/<thread>/message_1.html` (the JSON export is the `instagram` format).

Facebook documents no layout; each rule cites the public exports and parsers it comes
from (class names are matched as single tokens, since the sets around them change):

- The thread's name is the page's `<title>` (AlanZJW/fb and H0meGr0wn/Messages
  `message_1.html`; artyomos/facebook-messenger-parser `main.py`).
- 2022 onward, a message is a block with the class `_a6-g`: its sender in `_a6-h`, its
  body in `_a6-p`, its time in `_a72d` inside `_a6-o` (or in `_a6-o` itself)
  (phongpro321/MessageFB and H0meGr0wn/Messages `message_1.html`, real exports;
  crispianm/FBMessage `fb_message_processor.py`, which reads the `<section>`/`<h2>`/
  `<footer>` form of the same classes).
- About 2018 to 2022, a block has the classes `_2lej` and `uiBoxWhite`: sender `_2lek`,
  body `_2let`, time `_2lem` (AlanZJW/fb `message_1.html`, a real export; artyomos
  `main.py`).
- A body's text is its text, `<br>` a line break; an image (`<img>`) or a link without
  text makes a media message; the reactions under it (`ul._a6-q`, `ul._tqp`) are not
  text (the same exports; crispianm `ul._a6-q`).
- A `Participants: …` block is the thread's header, not a message (81q1/NSK_stats).
- Messages are listed newest first (conradolega/facebook-data-scripts
  `extract_messages.py`: "archived in descending chronological order"): they are put
  back in time order.
- Times follow the export's language, without a zone: English `Mar 12, 2024 11:03:54pm`
  (H0meGr0wn), `Oct 25, 2022 10:03:52 am` (crispianm), `Mar 7, 2024, 8:27 AM`;
  Chinese `2021年12月11日 下午7:48` (AlanZJW); Vietnamese `Tháng 10 13, 2023 2:48:55chiều`
  (phongpro321). Read as the wall time they show (naive); another language's date is
  refused with the date it could not read.

One thread may span `message_1.html`, `message_2.html`…: each file is one part (several
can be sent together, and are merged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser

from parley.analysis.model import Conversation, Message, MessageKind
from parley.errors import ParseError

from ._source import Archive, Source, SourceError

__all__ = ["NAME", "detect", "detect_archive", "parse", "parse_archive"]

NAME = "messenger"

_BLOCK = "block"
_ROLES = {"_a6-h": "sender", "_2lek": "sender", "_a6-p": "body", "_2let": "body",
          "_a72d": "date", "_a6-o": "date", "_2lem": "date", "_a6-q": "reactions",
          "_tqp": "reactions"}  # fmt: skip
_VOID = frozenset({"br", "img", "meta", "link", "base", "input", "hr", "wbr", "source"})
_ENGLISH = (
    "%b %d, %Y %I:%M:%S%p", "%b %d, %Y %I:%M:%S %p", "%b %d, %Y, %I:%M:%S %p",
    "%b %d, %Y, %I:%M %p", "%b %d, %Y %I:%M %p", "%b %d, %Y %I:%M%p", "%d %b %Y, %H:%M",
    "%d.%m.%Y, %H:%M", "%d/%m/%Y, %H:%M",
)  # fmt: skip
_CHINESE = re.compile(
    r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(上午|下午)(\d{1,2}):(\d{2})(?::(\d{2}))?"
)
_VIETNAMESE = re.compile(
    r"Tháng (\d{1,2}) (\d{1,2}), (\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?\s*(sáng|chiều)", re.I
)


@dataclass(slots=True)
class _Block:
    sender: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    date: list[str] = field(default_factory=list)
    media: bool = False
    line: int = 0


class _Reader(HTMLParser):
    """Blocks of sender, body and date, by the class tokens of the elements they are in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self.title: list[str] = []
        self._stack: list[str | None] = []  # each open element's role, or None
        self._block_depth: int | None = None
        self._in_title = False

    def _role(self, tag: str, attrs: list[tuple[str, str | None]]) -> str | None:
        classes = set((dict(attrs).get("class") or "").split())
        if "_a6-g" in classes or {"_2lej", "uiBoxWhite"} <= classes:
            return _BLOCK
        return next((role for token, role in _ROLES.items() if token in classes), None)

    def _current(self) -> str | None:
        return next((role for role in reversed(self._stack) if role and role != _BLOCK), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        block = self.blocks[-1] if self._block_depth is not None else None
        if tag == "br" and block is not None and self._current() == "body":
            block.body.append("\n")
        if tag == "img" and block is not None and self._current() == "body":
            block.media = True
        if tag in _VOID:
            return
        role = self._role(tag, attrs)
        if role == _BLOCK and self._block_depth is None:
            self._block_depth = len(self._stack)
            self.blocks.append(_Block(line=self.getpos()[0]))
        self._stack.append(role)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _VOID or not self._stack:
            return
        self._stack.pop()
        if self._block_depth is not None and len(self._stack) <= self._block_depth:
            self._block_depth = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
            return
        if self._block_depth is None:
            return
        role = self._current()
        block = self.blocks[-1]
        if role == "sender":
            block.sender.append(data)
        elif role == "body":
            block.body.append(data)
        elif role == "date":
            block.date.append(data)


def _when(text: str, line: int) -> datetime:
    plain = re.sub(r"[\u202f\u00a0\s]+", " ", text).strip()
    for pattern in _ENGLISH:
        try:
            return datetime.strptime(plain, pattern)
        except ValueError:
            continue
    if found := _CHINESE.search(plain):
        y, mo, d, half, h, mi, s = found.groups()
        hour = int(h) % 12 + (12 if half == "下午" else 0)
        return datetime(int(y), int(mo), int(d), hour, int(mi), int(s or 0))
    if found := _VIETNAMESE.search(plain):
        mo, d, y, h, mi, s, half = found.groups()
        hour = int(h) % 12 + (12 if half.lower() == "chiều" else 0)
        return datetime(int(y), int(mo), int(d), hour, int(mi), int(s or 0))
    raise ParseError(
        f"the time {plain!r} is in a language parley does not read yet; "
        "export the messages in English (or as JSON)",
        format=NAME,
        line=line,
    )


def detect(source: Source) -> bool:
    head = source.head
    if "<html" not in head[:2000].lower() and "<!doctype html" not in head[:2000].lower():
        return False
    return "_a6-g" in head or ("_2lek" in head and "_2lem" in head)


_PAGE = re.compile(r"(?:^|/)message_(\d+)\.html?$")


def _threads(archive: Archive) -> dict[str, list[str]]:
    """Each thread's folder -> its pages, message_1.html first."""
    found: dict[str, list[str]] = {}
    for name in archive.names():
        if _PAGE.search(name):
            found.setdefault(name.rpartition("/")[0], []).append(name)
    for pages in found.values():
        pages.sort(key=lambda n: int(_PAGE.search(n)[1]))  # type: ignore[index]
    return found


def detect_archive(archive: Archive) -> bool:
    threads = _threads(archive)
    return bool(threads) and all(
        detect(Source(archive.read(pages[0]), pages[0])) for pages in list(threads.values())[:1]
    )


def parse_archive(archive: Archive) -> Conversation:
    """One thread's pages (message_1.html, message_2.html, …) as one conversation; an
    archive of several threads is refused with how many, as they are different chats."""
    threads = _threads(archive)
    if len(threads) != 1:
        raise ParseError(
            f"this archive holds {len(threads)} Messenger threads: send one thread's folder "
            "(its message_N.html pages)",
            format=NAME,
        )
    [pages] = threads.values()
    parts = [parse(Source(archive.read(page), page)) for page in pages]
    messages = sorted(
        (m for part in parts for m in part.messages),
        key=lambda m: m.timestamp or datetime.min,
    )  # pages run newest first: message_1.html holds the latest
    return Conversation(format=NAME, messages=messages, title=parts[0].title)


def parse(source: Source) -> Conversation:
    reader = _Reader()
    reader.feed(source.text)
    reader.close()
    messages: list[Message] = []
    for block in reader.blocks:
        sender = "".join(block.sender).strip()
        date = "".join(block.date).strip()
        if not date or sender.startswith("Participants:"):
            continue  # the thread's header, a group photo: no message
        text = "".join(block.body).strip()
        if not sender:
            kind = MessageKind.SYSTEM
        elif block.media and not text:
            kind, text = MessageKind.MEDIA, "<photo>"
        else:
            kind = MessageKind.TEXT
        messages.append(Message(sender or None, text, _when(date, block.line), kind))
    if not messages:
        raise SourceError("the page holds no Messenger messages")
    messages.reverse()  # the export lists the newest first
    title = "".join(reader.title).strip() or None
    return Conversation(format=NAME, messages=messages, title=title)
