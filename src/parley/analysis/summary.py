"""The ten-second read: a few headline sentences and the key numbers behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from parley.analysis.activity import WEEKDAYS, Activity
from parley.analysis.content import Content
from parley.analysis.participation import Participation
from parley.analysis.sentiment import Sentiment
from parley.analysis.timed import Timed
from parley.analysis.turns import TurnTaking

__all__ = ["Summary", "duration_text", "summary"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class Summary:
    headlines: list[str]
    numbers: dict[str, Any] = field(default_factory=dict)


def duration_text(seconds: float, resolution: float | None = 1.0) -> str:
    """`95` -> "1 min 35 s", `7200` -> "2 h", `200000` -> "2.3 days". With times known to
    the minute only (`resolution` 60), never more precise than that: "under a minute",
    "2 min"."""
    if resolution is not None and resolution >= 60 and seconds < 3600:
        return "under a minute" if seconds < 60 else f"{round(seconds / 60)} min"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        minutes, secs = divmod(round(seconds), 60)
        return f"{minutes} min" + (f" {secs} s" if secs else "")
    if seconds < 86400:
        hours = seconds / 3600
        return f"{hours:.1f} h".replace(".0 h", " h")
    return f"{seconds / 86400:.1f} days"


def _tone(mean: float) -> str:
    if mean >= 0.3:
        return "clearly positive"
    if mean >= 0.05:
        return "mildly positive"
    if mean > -0.05:
        return "neutral"
    if mean > -0.3:
        return "mildly negative"
    return "clearly negative"


def summary(  # noqa: PLR0912, PLR0915 - one sentence per section, read top to bottom
    *,
    participation: Participation,
    turns: TurnTaking,
    timed: Timed,
    activity: Activity,
    content: Content,
    sentiment: Sentiment,
) -> Summary:
    lines: list[str] = []
    p = participation
    numbers: dict[str, Any] = {
        "messages": p.authored_messages,
        "speakers": p.speaker_count,
        "turns": turns.turns,
        "words": p.words,
    }
    people = "person" if p.speaker_count == 1 else "people"
    span = ""
    if activity.available:
        if activity.span_days == 1:
            span = f" on {activity.first_day}"
        else:
            span = (
                f" over {activity.span_days:,} days ({activity.first_day} to {activity.last_day})"
            )
        numbers["days"] = activity.span_days
    elif timed.available:
        span = f" in {duration_text(timed.duration_seconds)}"
        numbers["durationSeconds"] = round(timed.duration_seconds, 1)
    messages = "message" if p.authored_messages == 1 else "messages"
    lines.append(
        f"{p.speaker_count:,} {people} exchanged {p.authored_messages:,} {messages}{span}."
    )
    if p.speakers:
        top = p.speakers[0]
        tied = [s.speaker for s in p.speakers if s.messages == top.messages]
        if len(tied) == 1:
            lines.append(
                f"{top.speaker} wrote the most: {top.message_share:.0%} of messages"
                f" and {top.word_share:.0%} of words."
            )
        elif len(tied) < p.speaker_count:
            lines.append(
                f"{_names(tied)} wrote the most, {top.message_share:.0%} of messages each."
            )
        else:
            lines.append("Everyone wrote the same number of messages.")
        numbers["topSpeaker"] = top.speaker
        numbers["giniMessages"] = round(p.gini_messages, 3)
    if timed.available and timed.speakers:
        talker = max(timed.speakers, key=lambda s: s.talk_seconds)
        lines.append(
            f"{talker.speaker} held the floor {talker.talk_share:.0%} of the talk time;"
            f" {timed.interruptions:,} interruptions, {timed.switches_per_minute:.1f}"
            " speaker switches a minute."
        )
        numbers["interruptions"] = timed.interruptions
    responders = [s for s in turns.speakers if s.response_seconds.count >= 5]
    if responders:
        fastest = min(responders, key=lambda s: s.response_seconds.median)
        # Ties go by what can be told apart: at minute resolution, 0 and 30 s are alike.
        res = turns.time_resolution_seconds
        best = duration_text(fastest.response_seconds.median, res)
        tied = [
            s.speaker for s in responders if duration_text(s.response_seconds.median, res) == best
        ]
        if len(tied) == 1:
            lines.append(f"{fastest.speaker} answers fastest (median {best}).")
        elif len(tied) < len(responders):
            lines.append(f"{_names(tied)} answer fastest (median {best}).")
        else:
            lines.append(f"Everyone answers alike (median {best}).")
        numbers["fastestResponder"] = fastest.speaker
    if activity.available:
        hour = max(range(24), key=lambda h: activity.by_hour[h])
        day = max(range(7), key=lambda d: activity.by_weekday[d])
        lines.append(
            f"Busiest on {WEEKDAY_NAMES[day]}s around {hour:02d}:00; the busiest day was"
            f" {activity.busiest_day} with {activity.busiest_day_messages:,} messages."
        )
        numbers["busiestHour"] = hour
        numbers["busiestWeekday"] = WEEKDAYS[day]
    if turns.sessions.available:
        starter = max(turns.speakers, key=lambda s: s.sessions_started, default=None)
        if starter is not None and turns.sessions.count > 1:
            lines.append(
                f"{turns.sessions.count:,} conversations (split on"
                f" {duration_text(turns.sessions.gap_seconds)} of quiet);"
                f" {starter.speaker} started {starter.session_start_share:.0%} of them."
            )
        numbers["sessions"] = turns.sessions.count
    if sentiment.scored_messages:
        lines.append(
            f"The tone is {_tone(sentiment.mean)} ({sentiment.positive_share:.0%} positive,"
            f" {sentiment.negative_share:.0%} negative messages)."
        )
        numbers["sentimentMean"] = round(sentiment.mean, 3)
    extras = []
    if content.questions:
        extras.append(_count(content.questions, "question"))
    if content.links:
        extras.append(_count(content.links, "link"))
    if content.emoji:
        top_emoji = f" (favourite {content.top_emoji[0].item})" if content.top_emoji else ""
        extras.append(f"{content.emoji:,} emoji{top_emoji}")
    if content.media:
        extras.append(_count(content.media, "media message"))
    if extras:
        # "There was 1 question", "There were 2 questions, 1 link": the verb agrees with
        # the first count, as it is read.
        first = content.questions or content.links or content.emoji or content.media
        verb = "There was" if first == 1 else "There were"
        lines.append(f"{verb} " + ", ".join(extras) + ".")
    numbers.update(
        questions=content.questions, links=content.links, emoji=content.emoji, media=content.media
    )
    return Summary(headlines=lines, numbers=numbers)


def _names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C' (at most four names, then 'and N others')."""
    if len(names) > 4:
        return f"{', '.join(names[:3])} and {len(names) - 3} others"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
