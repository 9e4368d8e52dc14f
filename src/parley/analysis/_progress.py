"""Maps each stage's own 0..1 progress onto one overall, never-decreasing percent."""

from __future__ import annotations

from parley.analysis.model import ProgressCallback

__all__ = ["Progress", "step_for"]

# How many progress calls a long loop makes: about one per percent of the stage.
_CALLS_PER_STAGE = 100


def step_for(n: int) -> int:
    """Messages between two progress calls in a loop over `n` messages."""
    return max(1, n // _CALLS_PER_STAGE)


class Progress:
    """Stages with weights; `update(stage, fraction)` reports the overall percent.

    Percents never go down and the last call is always `("done", 100, ...)`.
    """

    def __init__(self, callback: ProgressCallback | None, weights: dict[str, float]) -> None:
        self._callback = callback
        total = sum(weights.values())
        self._start: dict[str, float] = {}
        self._span: dict[str, float] = {}
        at = 0.0
        for stage, weight in weights.items():
            self._start[stage] = at
            self._span[stage] = 100.0 * weight / total
            at += self._span[stage]
        self._last = 0.0

    def update(self, stage: str, fraction: float, message: str = "") -> None:
        if self._callback is None:
            return
        percent = self._start[stage] + self._span[stage] * min(max(fraction, 0.0), 1.0)
        percent = min(max(percent, self._last), 100.0)
        self._last = percent
        self._callback(stage, round(percent, 2), message)

    def done(self, message: str = "analysis complete") -> None:
        self._last = 100.0
        if self._callback is not None:
            self._callback("done", 100.0, message)
