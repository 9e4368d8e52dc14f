"""Signal text exports."""

from __future__ import annotations

from datetime import datetime

from parley.analysis.model import MessageKind

from .conftest import parse_fixture


def test_signal_lines_multiline_and_system_lines() -> None:
    conv = parse_fixture("signal.txt")
    assert conv.format == "signal"
    assert [(m.timestamp, m.speaker, m.kind) for m in conv.messages] == [
        (datetime(2023, 6, 1, 8, 30), "Maya", MessageKind.TEXT),
        (datetime(2023, 6, 1, 8, 31), "Leo", MessageKind.TEXT),
        (datetime(2023, 6, 1, 8, 35), None, MessageKind.SYSTEM),
    ]
    assert conv.messages[1].text == "Yes, two for Saturday.\nRow F, seats 11 and 12."
