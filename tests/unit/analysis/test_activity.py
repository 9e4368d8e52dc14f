from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from parley.analysis import Conversation, Message, analyze
from parley.analysis import activity as activity_module
from parley.analysis.activity import MAX_POINTS, TimeBins
from parley.analysis.model import MessageKind

from .conftest import at, chat


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


def test_each_person_has_their_own_hours_weekdays_and_days() -> None:
    # Monday 09:00 and 09:05, Tuesday 10:00 and 10:30; a system line counts for nobody.
    result = analyze(
        chat(("Ann", "a", 0), ("Bob", "b", 5), ("Ann", "c", 25 * 60), ("Ann", "d", 25 * 60 + 30))
    )
    ann, bob = result["activity"]["speakers"]
    assert (ann["speaker"], bob["speaker"]) == ("Ann", "Bob")
    assert (ann["messages"], ann["activeDays"]) == (3, 2)
    assert ann["byHour"][9] == 1
    assert ann["byHour"][10] == 2
    assert (ann["busiestHour"], ann["busiestWeekday"]) == (10, "Tue")
    assert ann["byWeekday"][:2] == [1, 2]
    assert (bob["messages"], bob["activeDays"], bob["busiestHour"]) == (1, 1, 9)
    assert sum(bob["byHour"]) == 1


def test_the_filter_table_counts_messages_and_words_per_person_and_day() -> None:
    conversation = chat(
        ("Ann", "one two", 0),
        ("Bob", "three", 5),
        (None, "Carl joined", 6),
        ("Ann", "four five six", 2 * 24 * 60),
    )
    conversation.messages.append(
        Message("Bob", "<Media omitted>", at(2 * 24 * 60 + 1), kind=MessageKind.MEDIA)
    )
    table = analyze(conversation)["activity"]["table"]
    assert table["unit"] == "day"
    assert table["start"] == "2024-03-04"
    assert table["days"] == [0, 2]  # only days with messages: Tuesday had none
    assert table["speakers"] == ["Ann", "Bob"]
    assert table["messages"] == [[1, 1], [1, 1]]  # the media message counts as Bob's
    assert table["words"] == [[2, 3], [1, 0]]  # its placeholder text is not his words


def test_the_filter_table_is_binned_by_week_then_month_to_stay_small(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = datetime(2024, 1, 1, 12)  # a Monday
    messages = [Message(("Ann", "Bob")[d % 2], "x y", start + timedelta(days=d)) for d in range(70)]
    monkeypatch.setattr(activity_module, "MAX_FILTER_CELLS", 2 * 10)
    table = analyze(Conversation("t", messages))["activity"]["table"]
    assert table["unit"] == "week"
    assert table["days"] == [7 * w for w in range(10)]
    assert [sum(row) for row in table["messages"]] == [35, 35]
    monkeypatch.setattr(activity_module, "MAX_FILTER_CELLS", 2 * 3)
    table = analyze(Conversation("t", messages))["activity"]["table"]
    assert table["unit"] == "month"
    assert (table["start"], table["days"]) == ("2024-01-01", [0, 31, 60])
    assert [sum(row) for row in table["words"]] == [70, 70]
