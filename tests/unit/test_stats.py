"""What the stats say about the store and the queue, in plain words."""

from __future__ import annotations

from parley.jobs.stats import SLOW_QUEUE_SECONDS, queue_warnings
from parley.kv import StreamInfo


def test_a_queue_whose_oldest_entry_waited_long_is_worth_a_warning() -> None:
    assert queue_warnings(None) == []
    assert queue_warnings(StreamInfo(3, 0, {}, oldest_waiting=1.0)) == []
    (warning,) = queue_warnings(StreamInfo(3, 0, {}, oldest_waiting=SLOW_QUEUE_SECONDS + 5))
    assert "3 analyses wait" in warning
    assert "PARLEY_KEY_PREFIX" in warning
