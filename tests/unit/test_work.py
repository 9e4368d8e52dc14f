"""The job's work: parse, say the input was accepted, analyse, saying how far it got."""

from __future__ import annotations

from parley.jobs.input import JobInput
from parley.work import PARSE_SHARE, analyze_input


class Recorded:
    def __init__(self) -> None:
        self.events: list[tuple[str, float, str]] = []
        self.accepted_at: int | None = None

    def progress(self, stage: str, percent: float, message: str = "") -> None:
        self.events.append((stage, percent, message))

    def accepted(self) -> None:
        self.accepted_at = len(self.events)


def test_every_update_after_the_parse_says_how_many_messages_and_the_bar_only_grows() -> None:
    lines = [
        f"12/01/2024, 09:{i % 60:02d} - {'Ana' if i % 2 else 'Ben'}: hi {i}" for i in range(1200)
    ]
    events = Recorded()

    result = analyze_input(JobInput("\n".join(lines).encode()), events)

    assert result["overview"]["messages"] == 1200
    assert events.accepted_at == 1  # right after "parsing": the input is good
    after = events.events[events.accepted_at :]
    assert after[0] == ("parsed", PARSE_SHARE, "1,200 messages (whatsapp)")
    assert all(message.startswith("1,200 messages") for _, _, message in after)
    percents = [percent for _, percent, _ in events.events]
    assert percents == sorted(percents)
