"""A deterministic synthetic group chat: realistic enough to exercise every metric.

`messages(n, speakers)` builds parley Messages; `whatsapp_text(messages)` renders them as
an Android WhatsApp export ("31/12/2023, 21:05 - Name: text"), so the parser is measured too.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from parley.analysis.model import Message, MessageKind

__all__ = ["messages", "whatsapp_text"]


def _split(text: str) -> list[str]:
    return text.split()


_WORDS = _split(
    """
the a to and i you it is that of in for on this we have be at with was are not so but
just what all can do if my me your they get like about out up no yes one there now know
good time will think going see how when really want would go well then some need more
tonight tomorrow dinner work meeting project deadline coffee weekend movie train late
home call later today maybe plan idea great thanks sorry problem sure cool nice love
happy sad angry tired busy free early lunch beach trip flight hotel price cheap budget
game match score team win lose play music song concert ticket party birthday gift cake
weather rain sun cold hot snow bike car bus walk park dog cat baby kids school exam
"""
)
_PERSONAL = [
    "honestly",
    "basically",
    "literally",
    "awesome",
    "dude",
    "mate",
    "indeed",
    "totally",
    "absolutely",
    "whatever",
    "seriously",
    "lovely",
]
_EMOJI = ["😂", "👍", "❤️", "🙏", "😭", "🔥", "🎉", "😅", "👍🏽", "🇫🇷", "👨‍👩‍👧", "🤔"]
_NAMES = [
    "Alice",
    "Bob",
    "Carmen",
    "Dmitri",
    "Eve",
    "Farah",
    "Gus",
    "Hiro",
    "Ines",
    "Jamal",
    "Kai",
    "Lena",
]
_FOREIGN = ["¿Qué tal?", "très bien merci", "Schönes Wochenende", "今日は暑いですね", "Привет всем"]


def messages(n: int, speakers: int = 12, seed: int = 7) -> list[Message]:
    rng = random.Random(seed)
    names = [
        _NAMES[i % len(_NAMES)] + (str(i) if i >= len(_NAMES) else "") for i in range(speakers)
    ]
    weights = [1.0 / (i + 1) ** 0.7 for i in range(speakers)]  # some talk much more
    t = datetime(2023, 1, 2, 8, 0)
    out: list[Message] = []
    prev = 0
    for _ in range(n):
        gap = rng.expovariate(1 / 90)  # about a message every minute and a half...
        if rng.random() < 0.01:
            gap += rng.uniform(3, 14) * 3600  # ...with quiet nights and afternoons
        t += timedelta(seconds=gap)
        if t.hour < 7:
            t = t.replace(hour=7 + rng.randrange(3))
        s = prev if rng.random() < 0.35 else rng.choices(range(speakers), weights)[0]
        prev = s
        r = rng.random()
        if r < 0.03:
            out.append(Message(names[s], "<Media omitted>", t, MessageKind.MEDIA))
            continue
        length = min(60, int(rng.expovariate(1 / 8)) + 1)
        words = rng.choices(_WORDS, k=length)
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words) + 1), _PERSONAL[s % len(_PERSONAL)])
        text = " ".join(words)
        if r < 0.06:
            text += f" https://example{rng.randrange(20)}.com/p/{rng.randrange(1000)}"
        elif r < 0.07:
            text = rng.choice(_FOREIGN)
        if rng.random() < 0.18:
            text += " " + "".join(rng.choices(_EMOJI, k=rng.randint(1, 3)))
        if rng.random() < 0.15:
            text = text[:1].upper() + text[1:] + "?"
        elif rng.random() < 0.1:
            text += "!"
        out.append(Message(names[s], text, t))
    return out


def whatsapp_text(msgs: list[Message]) -> str:
    lines = []
    for m in msgs:
        assert m.timestamp is not None
        stamp = m.timestamp.strftime("%d/%m/%Y, %H:%M")
        lines.append(f"{stamp} - {m.speaker}: {m.text}")
    return "\n".join(lines) + "\n"
