"""When people write: by date (binned to stay bounded), hour, weekday, hour x weekday,
each person's hours and weekdays, and a table of messages and words per person and day
that lets a reader filter by date range and person without a second analysis.

Hours and weekdays are the wall-clock time the export shows (the writer's local time
for naive timestamps, the given offset for aware ones).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from parley.analysis._prepared import NO_SPEAKER, Prepared
from parley.analysis.model import MessageKind

__all__ = ["Activity", "DateSeries", "FilterTable", "SpeakerActivity", "TimeBins", "activity"]

MAX_POINTS = 400  # a date series longer than this is rebinned to the next unit
# The bin follows the span, so every chart over time has a shape to show: hours for a
# chat of a day or two, days up to four months, weeks up to three years, then months
# (years only past MAX_POINTS months).
HOURS_UP_TO_DAYS = 2
DAYS_UP_TO_DAYS = 120
WEEKS_UP_TO_DAYS = 3 * 365
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# The filter table holds at most this many cells (bins with messages x listed people):
# daily while that fits, else weekly, else monthly. Two people stay daily for five years;
# 12 people for ten months, then by the week (four years: 2,500 cells, ~7 KB gzipped).
MAX_FILTER_CELLS = 4_000
_FILTER_UNITS = ("day", "week", "month")


class TimeBins:
    """Bins hour keys (day ordinal * 24 + hour) into hours, days, weeks (from Monday),
    months or years, by the span they cover."""

    def __init__(self, first_key: int, last_key: int) -> None:
        first_day, last_day = first_key // 24, last_key // 24
        self.first = date.fromordinal(first_day)
        last = date.fromordinal(last_day)
        days = last_day - first_day + 1
        months = (last.year - self.first.year) * 12 + last.month - self.first.month + 1
        if days <= HOURS_UP_TO_DAYS:
            self.unit = "hour"
        elif days <= DAYS_UP_TO_DAYS:
            self.unit = "day"
        elif days <= WEEKS_UP_TO_DAYS:
            self.unit = "week"
        elif months <= MAX_POINTS:
            self.unit = "month"
        else:
            self.unit = "year"
        self._first_hour = first_key
        self._monday = first_day - self.first.weekday()
        self.size = self.index(last_key) + 1

    def index(self, key: int) -> int:
        """The bin of an hour key."""
        if self.unit == "hour":
            return key - self._first_hour
        day = key // 24
        if self.unit == "day":
            return day - self.first.toordinal()
        if self.unit == "week":
            return (day - self._monday) // 7
        d = date.fromordinal(day)
        if self.unit == "month":
            return (d.year - self.first.year) * 12 + d.month - self.first.month
        return d.year - self.first.year

    def labels(self) -> list[str]:
        """Each bin's start: `2024-03-01T09:00` (hour), `2024-03-01` (day, week),
        `2024-03` (month), `2024` (year)."""
        if self.unit == "hour":
            start = datetime.combine(self.first, time()) + timedelta(hours=self._first_hour % 24)
            return [
                (start + timedelta(hours=i)).isoformat(timespec="minutes") for i in range(self.size)
            ]
        if self.unit == "day":
            return [(self.first + timedelta(days=i)).isoformat() for i in range(self.size)]
        if self.unit == "week":
            monday = date.fromordinal(self._monday)
            return [(monday + timedelta(weeks=i)).isoformat() for i in range(self.size)]
        if self.unit == "month":
            out = []
            for i in range(self.size):
                y, m = divmod(self.first.month - 1 + i, 12)
                out.append(f"{self.first.year + y:04d}-{m + 1:02d}")
            return out
        return [f"{self.first.year + i:04d}" for i in range(self.size)]


@dataclass(frozen=True, slots=True)
class DateSeries:
    """Columnar series: `labels[i]` is the bin's start (`unit` hour, day, week, month or
    year; see TimeBins.labels)."""

    unit: str
    labels: list[str]
    messages: list[int]


@dataclass(frozen=True, slots=True)
class SpeakerActivity:
    """When one person writes: their hours and weekdays."""

    speaker: str
    messages: int  # with a timestamp
    active_days: int
    busiest_hour: int
    busiest_weekday: str
    by_hour: list[int]  # 24 counts, hour 0 first
    by_weekday: list[int]  # 7 counts, Monday first


@dataclass(frozen=True, slots=True)
class FilterTable:
    """Messages and words per listed person per bin, only bins with messages.

    `days[i]` is bin i's first day, in days after `start`; `messages[p][i]` and
    `words[p][i]` are speaker `speakers[p]`'s counts in it."""

    unit: str  # day, week (from Monday) or month
    start: str
    days: list[int]
    speakers: list[str]
    messages: list[list[int]]
    words: list[list[int]]


@dataclass(frozen=True, slots=True)
class Activity:
    available: bool
    reason: str | None = None
    first_day: str | None = None
    last_day: str | None = None
    span_days: int = 0
    active_days: int = 0
    messages_per_active_day: float = 0.0
    busiest_day: str | None = None
    busiest_day_messages: int = 0
    longest_daily_streak: int = 0  # days in a row with at least one message
    by_date: DateSeries | None = None
    by_hour: list[int] = field(default_factory=list)  # 24 counts, hour 0 first
    by_weekday: list[int] = field(default_factory=list)  # 7 counts, Monday first
    heatmap: list[list[int]] = field(default_factory=list)  # [weekday][hour]
    weekdays: tuple[str, ...] = WEEKDAYS
    speakers: list[SpeakerActivity] = field(default_factory=list)  # listed, most active first
    table: FilterTable | None = None


def _bin_start(day: int, unit: str) -> int:
    """The first day (an ordinal) of the day, week or month bin holding `day`."""
    if unit == "day":
        return day
    if unit == "week":
        return day - (day - 1) % 7  # ordinal 1 was a Monday
    return date.fromordinal(day).replace(day=1).toordinal()


def _filter_table(
    prepared: Prepared, listed: list[int], per_day: dict[tuple[int, int], list[int]]
) -> FilterTable:
    """`per_day[(speaker, day)]` = [messages, words]; binned to fit MAX_FILTER_CELLS."""
    days = {day for _, day in per_day}
    for unit in _FILTER_UNITS:
        if len({_bin_start(day, unit) for day in days}) * len(listed) <= MAX_FILTER_CELLS:
            break
    binned: dict[int, dict[int, list[int]]] = {}
    for (s, day), (count, words) in per_day.items():
        cell = binned.setdefault(_bin_start(day, unit), {}).setdefault(s, [0, 0])
        cell[0] += count
        cell[1] += words
    starts = sorted(binned)
    first = starts[0]
    return FilterTable(
        unit=unit,
        start=date.fromordinal(first).isoformat(),
        days=[d - first for d in starts],
        speakers=[prepared.speakers[s] for s in listed],
        messages=[[binned[d].get(s, (0, 0))[0] for d in starts] for s in listed],
        words=[[binned[d].get(s, (0, 0))[1] for d in starts] for s in listed],
    )


def _speaker_activity(
    prepared: Prepared, listed: list[int], per_hour: dict[tuple[int, int], int]
) -> list[SpeakerActivity]:
    """`per_hour[(speaker, hour key)]` = messages, for each listed speaker."""
    hours = {s: [0] * 24 for s in listed}
    weekdays = {s: [0] * 7 for s in listed}
    days: dict[int, set[int]] = {s: set() for s in listed}
    for (s, key), count in per_hour.items():
        day, hour = divmod(key, 24)
        hours[s][hour] += count
        weekdays[s][(day - 1) % 7] += count
        days[s].add(day)
    return [
        SpeakerActivity(
            speaker=prepared.speakers[s],
            messages=sum(hours[s]),
            active_days=len(days[s]),
            busiest_hour=max(range(24), key=lambda h: (hours[s][h], -h)),
            busiest_weekday=WEEKDAYS[max(range(7), key=lambda w: (weekdays[s][w], -w))],
            by_hour=hours[s],
            by_weekday=weekdays[s],
        )
        for s in listed
        if days[s]
    ]


def activity(prepared: Prepared, listed: list[int]) -> tuple[Activity, TimeBins | None]:
    """`listed` ranks the speaker indexes the per-person lists show (most active first)."""
    keys = Counter(k for k in prepared.hour_key if k is not None)
    if not keys:
        return Activity(available=False, reason="the messages have no timestamps"), None
    shown = set(listed)
    # Counted in C over (speaker, hour key) pairs; only the words need a Python loop, and
    # only over text messages (a placeholder's words are not the speaker's).
    pairs = list(zip(prepared.speaker, prepared.hour_key, strict=True))
    per_hour = {
        (s, key): count
        for (s, key), count in Counter(pairs).items()
        if key is not None and s != NO_SPEAKER and s in shown
    }
    text = MessageKind.TEXT
    words_at: dict[tuple[int, int | None], int] = {}
    for pair, words, kind in zip(pairs, prepared.words, prepared.kind, strict=True):
        if kind is text and words:
            words_at[pair] = words_at.get(pair, 0) + words
    per_person_day: dict[tuple[int, int], list[int]] = {}
    for (s, key), count in per_hour.items():
        cell = per_person_day.setdefault((s, key // 24), [0, 0])
        cell[0] += count
        cell[1] += words_at.get((s, key), 0)
    per_day: Counter[int] = Counter()
    heat = [[0] * 24 for _ in range(7)]
    for key, count in keys.items():
        day, hour = divmod(key, 24)
        per_day[day] += count
        heat[(day - 1) % 7][hour] += count  # ordinal 1 (0001-01-01) was a Monday
    first, last = min(per_day), max(per_day)
    bins = TimeBins(min(keys), max(keys))
    series = [0] * bins.size
    for key, count in keys.items():
        series[bins.index(key)] += count
    streak = best = 0
    prev = None
    for day in sorted(per_day):
        streak = streak + 1 if prev is not None and day == prev + 1 else 1
        best = max(best, streak)
        prev = day
    busiest = max(per_day, key=lambda d: (per_day[d], -d))
    total = sum(per_day.values())
    return (
        Activity(
            available=True,
            first_day=date.fromordinal(first).isoformat(),
            last_day=date.fromordinal(last).isoformat(),
            span_days=last - first + 1,
            active_days=len(per_day),
            messages_per_active_day=total / len(per_day),
            busiest_day=date.fromordinal(busiest).isoformat(),
            busiest_day_messages=per_day[busiest],
            longest_daily_streak=best,
            by_date=DateSeries(unit=bins.unit, labels=bins.labels(), messages=series),
            by_hour=[sum(heat[w][h] for w in range(7)) for h in range(24)],
            by_weekday=[sum(row) for row in heat],
            heatmap=heat,
            speakers=_speaker_activity(prepared, listed, per_hour),
            table=_filter_table(prepared, listed, per_person_day) if per_person_day else None,
        ),
        bins,
    )
