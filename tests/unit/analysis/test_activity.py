from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from parley.analysis import Conversation, Message, analyze
from parley.analysis.activity import MAX_POINTS, TimeBins

from .conftest import chat


def test_counts_by_hour_weekday_and_heatmap_use_wall_clock_time() -> None:
    # T0 is Monday 2024-03-04 09:00
    result = analyze(chat(("Ann", "a", 0), ("Bob", "b", 5), ("Ann", "c", 24 * 60 + 60)))
    act = result["activity"]
    assert act["available"] is True
    assert act["byHour"][9] == 2
    assert act["byHour"][10] == 1
    assert act["byWeekday"][:2] == [2, 1]
    assert act["heatmap"][0][9] == 2
    assert act["heatmap"][1][10] == 1
    assert act["firstDay"] == "2024-03-04"
    assert act["lastDay"] == "2024-03-05"
    assert act["activeDays"] == 2
    assert act["longestDailyStreak"] == 2
    assert act["busiestDay"] == "2024-03-04"
    # Two days: binned by the hour, so the chart has a shape (not two bars).
    by_date = act["byDate"]
    assert by_date["unit"] == "hour"
    assert by_date["labels"][:2] == ["2024-03-04T09:00", "2024-03-04T10:00"]
    assert by_date["labels"][-1] == "2024-03-05T10:00"
    assert by_date["messages"][0] == 2
    assert by_date["messages"][-1] == 1
    assert sum(by_date["messages"]) == 3


def test_daily_series_is_rebinned_past_the_point_bound() -> None:
    start = datetime(2020, 1, 1, 12)
    messages = [Message("Ann", "x", start + timedelta(days=d)) for d in range(0, 3 * 365, 3)]
    act = analyze(Conversation("t", messages))["activity"]
    series = act["byDate"]
    assert series["unit"] == "week"
    assert len(series["labels"]) <= MAX_POINTS
    assert sum(series["messages"]) == len(messages)
    assert date.fromisoformat(series["labels"][0]).weekday() == 0  # weeks start on Monday


def key(day: date, hour: int = 0) -> int:
    return day.toordinal() * 24 + hour


def test_time_bins_go_to_months_then_years() -> None:
    first = key(date(1990, 1, 1))
    assert TimeBins(first, key(date(2000, 1, 1))).unit == "month"
    years = TimeBins(first, key(date(2040, 6, 1)))
    assert years.unit == "year"
    assert years.labels()[:2] == ["1990", "1991"]
    assert years.index(key(date(2040, 6, 1))) == 50


@pytest.mark.parametrize(
    ("days", "unit"),
    [(1, "hour"), (2, "hour"), (3, "day"), (120, "day"), (121, "week"), (3 * 365, "week"),
     (3 * 365 + 1, "month")],
)  # fmt: skip
def test_the_bin_follows_the_span(days: int, unit: str) -> None:
    first = date(2024, 1, 1)
    assert TimeBins(key(first, 8), key(first + timedelta(days=days - 1), 20)).unit == unit


def test_a_one_day_chat_is_drawn_by_the_hour() -> None:
    bins = TimeBins(key(date(2024, 3, 4), 9), key(date(2024, 3, 4), 23))
    assert bins.size == 15
    assert bins.labels()[0] == "2024-03-04T09:00"
    assert bins.labels()[-1] == "2024-03-04T23:00"
    assert bins.index(key(date(2024, 3, 4), 12)) == 3


def test_aware_timestamps_count_in_their_own_offset() -> None:
    from datetime import timezone

    tz = timezone(timedelta(hours=-5))
    result = analyze(Conversation("t", [Message("Ann", "x", datetime(2024, 1, 1, 23, tzinfo=tz))]))
    assert result["activity"]["byHour"][23] == 1
