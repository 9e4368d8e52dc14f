"""The command budget's words and sums: periods, per-job figures, what is left."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.errors import ConfigError
from parley.jobs.usage import BudgetUse, per_job, period_of
from parley.settings import CommandBudget, load_settings


@pytest.mark.parametrize(
    ("raw", "budget"),
    [
        ("10000/day", CommandBudget(10000, "day")),
        ("500,000 / Month", CommandBudget(500000, "month")),
        ("1_000_000/month", CommandBudget(1000000, "month")),
    ],
)
def test_a_budget_is_commands_per_day_or_month(raw: str, budget: CommandBudget) -> None:
    assert load_settings({"PARLEY_COMMAND_BUDGET": raw}).command_budget == budget


@pytest.mark.parametrize("raw", ["10000", "0/day", "10000/week", "-5/day", "lots/day"])
def test_a_budget_parley_cannot_read_is_refused_saying_what_is_allowed(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"PARLEY_COMMAND_BUDGET=.*10000/day or 500000/month"):
        load_settings({"PARLEY_COMMAND_BUDGET": raw})


def test_no_budget_is_the_default() -> None:
    assert load_settings({}).command_budget is None


@pytest.mark.parametrize(
    ("period", "now", "name", "end"),
    [
        ("day", datetime(2026, 12, 1, 23, 59, tzinfo=UTC), "2026-12-01", datetime(2026, 12, 2)),
        ("month", datetime(2026, 12, 31, 12, tzinfo=UTC), "2026-12", datetime(2027, 1, 1)),
        ("month", datetime(2026, 2, 3, tzinfo=UTC), "2026-02", datetime(2026, 3, 1)),
    ],
)
def test_periods_are_utc_days_and_months(
    period: str, now: datetime, name: str, end: datetime
) -> None:
    assert period_of(CommandBudget(1, period), now) == (name, end.replace(tzinfo=UTC))


def test_per_job_figures_are_the_median_and_the_ninetieth_percentile() -> None:
    figures = per_job([30, 10, 20, 40, 50, 60, 70, 80, 90, 100])
    assert figures is not None
    assert (figures.jobs, figures.median, figures.p90) == (10, 55.0, 90.0)
    assert per_job([]) is None


def test_what_is_left_is_counted_at_the_periods_own_cost_per_analysis() -> None:
    use = BudgetUse(CommandBudget(10000, "day"), "2026-12-01", 2500, 50, 2500 / 50)
    assert use.to_json() == {
        "limit": 10000,
        "period": "day",
        "periodStarted": "2026-12-01",
        "used": 2500,
        "usedPercent": 25.0,
        "analyses": 50,
        "commandsPerAnalysis": 50.0,
        "analysesLeft": 150,
    }
    spent = BudgetUse(CommandBudget(100, "day"), "2026-12-01", 130, 2, 65.0)
    assert spent.analyses_left == 0
    assert BudgetUse(CommandBudget(100, "day"), "2026-12-01", 3, 0, None).analyses_left is None
