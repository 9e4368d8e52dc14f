"""At most one progress write per interval; the first and 100 % always."""

from __future__ import annotations

from parley.jobs import JobStore, ProgressReporter, ProgressThrottle, StoreConfig
from parley.kv import MemoryKV


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_first_report_is_always_written() -> None:
    assert ProgressThrottle(1.0, Clock()).due(0)


def test_reports_within_the_interval_are_held_back() -> None:
    clock = Clock()
    throttle = ProgressThrottle(1.0, clock)
    throttle.due(0)
    clock.now = 0.5
    assert not throttle.due(10)
    clock.now = 1.0
    assert throttle.due(20)


def test_the_last_report_is_written_at_once() -> None:
    clock = Clock()
    throttle = ProgressThrottle(1.0, clock)
    throttle.due(10)
    assert throttle.due(100)


def test_ten_thousand_reports_in_two_seconds_make_a_bounded_number_of_writes() -> None:
    clock = Clock()
    throttle = ProgressThrottle(0.5, clock)
    writes = 0
    for i in range(10_000):
        clock.now = i * 0.0002
        writes += throttle.due(i / 100)
    assert writes == 4  # t = 0, 0.5, 1.0, 1.5


async def test_a_report_held_back_is_written_by_the_next_heartbeat() -> None:
    store = JobStore(MemoryKV(), StoreConfig(ttl_seconds=60))
    job, _ = await store.create_or_get("quiet")
    job = await store.start(job.job_id)
    clock = Clock()
    reporter = ProgressReporter(store, job, interval=60.0, heartbeat_seconds=2.0, clock=clock)
    await reporter.report("prepare", 5.0)  # the first: written
    await reporter.report("sentiment", 60.0)  # within the interval: held back
    assert (await store.get_progress("quiet")).stage == "prepare"  # type: ignore[union-attr]
    clock.now = 1.0  # half a heartbeat without a write: the heartbeat rewrites progress
    await reporter.heartbeat()
    progress = await store.get_progress("quiet")
    assert progress is not None
    assert (progress.stage, progress.percent) == ("sentiment", 60.0)
