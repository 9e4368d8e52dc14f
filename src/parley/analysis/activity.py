"""When people write: by date (binned to stay bounded), hour, weekday, hour x weekday.

Hours and weekdays are the wall-clock time the export shows (the writer's local time
for naive timestamps, the given offset for aware ones).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from parley.analysis._prepared import Prepared

__all__ = ["Activity", "DateSeries", "TimeBins", "activity"]

MAX_POINTS = 400  # a date series longer than this is rebinned: day -> week -> month -> year
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class TimeBins:
    """Bins day ordinals into days, weeks (from Monday), months or years, at most MAX_POINTS."""

    def __init__(self, first_day: int, last_day: int) -> None:
        self.first = date.fromordinal(first_day)
        last = date.fromordinal(last_day)
        days = last_day - first_day + 1
        months = (last.year - self.first.year) * 12 + last.month - self.first.month + 1
        if days <= MAX_POINTS:
            self.unit = "day"
        elif days // 7 + 2 <= MAX_POINTS:
            self.unit = "week"
        elif months <= MAX_POINTS:
            self.unit = "month"
        else:
            self.unit = "year"
        self._monday = first_day - self.first.weekday()
        self.size = self.index(last_day) + 1

    def index(self, day: int) -> int:
        if self.unit == "day":
            return day - self.first.toordinal()
        if self.unit == "week":
            return (day - self._monday) // 7
        d = date.fromordinal(day)
        if self.unit == "month":
            return (d.year - self.first.year) * 12 + d.month - self.first.month
        return d.year - self.first.year

    def labels(self) -> list[str]:
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
    """Columnar series: `labels[i]` is the bin's first day (`unit` day/week) or month/year."""

    unit: str
    labels: list[str]
    messages: list[int]


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


def activity(prepared: Prepared) -> tuple[Activity, TimeBins | None]:
    keys = Counter(k for k in prepared.hour_key if k is not None)
    if not keys:
        return Activity(available=False, reason="the messages have no timestamps"), None
    per_day: Counter[int] = Counter()
    heat = [[0] * 24 for _ in range(7)]
    for key, count in keys.items():
        day, hour = divmod(key, 24)
        per_day[day] += count
        heat[(day - 1) % 7][hour] += count  # ordinal 1 (0001-01-01) was a Monday
    first, last = min(per_day), max(per_day)
    bins = TimeBins(first, last)
    series = [0] * bins.size
    for day, count in per_day.items():
        series[bins.index(day)] += count
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
        ),
        bins,
    )
