"""One pass over the messages into columns that every metric module reads.

The metric modules never walk `Message` objects again: they index these lists. Keeping
the per-message work here in one tight loop is what makes 250k messages cheap.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from parley.analysis._progress import Progress, step_for
from parley.analysis._words import tokenize
from parley.analysis.model import Conversation, MessageKind

__all__ = ["NO_SPEAKER", "Prepared", "prepare"]


NO_SPEAKER = -1  # system messages and messages without an author
_EPOCH_NAIVE = datetime(1970, 1, 1)


@dataclass(slots=True)
class Prepared:
    """Column-wise view of a conversation.

    `speaker[i]` indexes `speakers` (or is NO_SPEAKER). `time[i]` is seconds on one axis:
    epoch seconds of the timestamp (naive wall time read as UTC), else the cue's `start`,
    else None. `end[i]` is the cue's end on the same axis, or `time[i]`. `hour_key[i]` is
    `date.toordinal() * 24 + hour` of the wall-clock timestamp of an authored message, or
    None: system lines (joins, leaves, renames) are not activity.

    `words[i]` counts the words (see `_words`) of an authored text message, else 0: a
    placeholder's words are not its author's. `word_counts[s]` counts each lower-cased
    word of speaker `s`'s text messages, so `sum(word_counts[s].values())` is their words.
    """

    speakers: list[str]
    speaker: list[int]
    text: list[str]
    kind: list[MessageKind]
    words: list[int]
    word_counts: list[Counter[str]]
    chars: list[int]
    time: list[float | None]
    end: list[float | None]
    hour_key: list[int | None]
    timestamped: int  # messages with a real date-time
    timed: int  # messages with start and end seconds
    # turns: maximal runs of consecutive authored messages by one speaker (system skipped)
    turn_speaker: list[int]
    turn_first: list[int]  # index of the turn's first message
    turn_last: list[int]  # index of the turn's last message
    turn_size: list[int]  # the turn's messages (system lines inside it not counted)

    @property
    def n(self) -> int:
        return len(self.speaker)

    @property
    def has_clock(self) -> bool:
        """True when `time` holds date-times (epoch seconds), not seconds into a recording."""
        return self.timestamped > 0

    def moment(self, seconds: float | None) -> str | float | None:
        """A point on the time axis as JSON: ISO date-time, or seconds into a recording."""
        if seconds is None:
            return None
        if not self.has_clock:
            return round(seconds, 3)
        return datetime.fromtimestamp(round(seconds), UTC).replace(tzinfo=None).isoformat()


def prepare(conversation: Conversation, progress: Progress) -> Prepared:  # noqa: PLR0912, PLR0915 - one hot loop, kept whole for speed
    messages = conversation.messages
    n = len(messages)
    index: dict[str, int] = {}
    speakers: list[str] = []
    speaker: list[int] = [NO_SPEAKER] * n
    text: list[str] = [""] * n
    kind: list[MessageKind] = [MessageKind.TEXT] * n
    words: list[int] = [0] * n
    word_counts: list[Counter[str]] = []
    pending: list[list[str]] = []  # each speaker's words of this chunk, counted per chunk
    chars: list[int] = [0] * n
    time: list[float | None] = [None] * n
    end: list[float | None] = [None] * n
    hour_key: list[int | None] = [None] * n
    timestamped = 0
    timed = 0
    system, text_kind = MessageKind.SYSTEM, MessageKind.TEXT
    step = step_for(n)
    for lo in range(0, n, step):
        for i in range(lo, min(lo + step, n)):
            m = messages[i]
            name = m.speaker
            k = m.kind
            t = m.text
            if name is not None and k is not system:
                s = index.get(name)
                if s is None:
                    s = index[name] = len(speakers)
                    speakers.append(name)
                    word_counts.append(Counter())
                    pending.append([])
                speaker[i] = s
                if k is text_kind:
                    found = tokenize(t)
                    words[i] = len(found)
                    pending[s].extend(found)
            text[i] = t
            kind[i] = k
            chars[i] = len(t)
            ts = m.timestamp
            if ts is not None:
                timestamped += 1
                if ts.tzinfo is None:
                    time[i] = (ts - _EPOCH_NAIVE).total_seconds()
                else:
                    time[i] = ts.timestamp()
                if speaker[i] != NO_SPEAKER:
                    hour_key[i] = ts.toordinal() * 24 + ts.hour
                end[i] = time[i]
            elif m.start is not None:
                time[i] = m.start
                end[i] = m.end if m.end is not None else m.start
            if m.start is not None and m.end is not None:
                timed += 1
        for counts, found in zip(word_counts, pending, strict=True):
            if found:
                counts.update(found)
                found.clear()
        progress.update("prepare", min(lo + step, n) / n if n else 1.0, "reading messages")

    turn_speaker: list[int] = []
    turn_first: list[int] = []
    turn_last: list[int] = []
    turn_size: list[int] = []
    prev = NO_SPEAKER
    for i, s in enumerate(speaker):
        if s == NO_SPEAKER:
            continue
        if s != prev:
            turn_speaker.append(s)
            turn_first.append(i)
            turn_last.append(i)
            turn_size.append(1)
            prev = s
        else:
            turn_last[-1] = i
            turn_size[-1] += 1
    return Prepared(
        speakers=speakers,
        speaker=speaker,
        text=text,
        kind=kind,
        words=words,
        word_counts=word_counts,
        chars=chars,
        time=time,
        end=end,
        hour_key=hour_key,
        timestamped=timestamped,
        timed=timed,
        turn_speaker=turn_speaker,
        turn_first=turn_first,
        turn_last=turn_last,
        turn_size=turn_size,
    )
