"""Small order statistics and inequality measures over plain lists of numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Distribution", "distribution", "gini", "quantile"]


@dataclass(frozen=True, slots=True)
class Distribution:
    """Count, mean, median, 90th percentile and maximum of a sample (zeros when empty)."""

    count: int
    mean: float
    median: float
    p90: float
    max: float


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of already sorted values, linearly interpolated; 0 when empty."""
    n = len(sorted_values)
    if n == 0:
        return 0.0
    pos = (n - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return float(sorted_values[lo]) + (float(sorted_values[hi]) - float(sorted_values[lo])) * frac


def distribution(values: Sequence[float]) -> Distribution:
    """Summarise a sample; the input is not modified."""
    if not values:
        return Distribution(0, 0.0, 0.0, 0.0, 0.0)
    ordered = sorted(values)
    return Distribution(
        count=len(ordered),
        mean=math.fsum(ordered) / len(ordered),
        median=quantile(ordered, 0.5),
        p90=quantile(ordered, 0.9),
        max=float(ordered[-1]),
    )


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative amounts: 0 all equal, towards 1 one holds everything."""
    n = len(values)
    total = math.fsum(values)
    if n < 2 or total <= 0:
        return 0.0
    ordered = sorted(values)
    weighted = math.fsum((i + 1) * v for i, v in enumerate(ordered))
    return (2.0 * weighted) / (n * total) - (n + 1) / n
