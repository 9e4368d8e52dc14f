"""Times read in a chosen time zone: instants move, phones' wall times stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from parley.analysis import analyze
from parley.analysis.formats import parse
from parley.analysis.model import Conversation, Message
from parley.analysis.zones import in_zone
from parley.errors import InputError

# Slack-like: instants in UTC. 23:30 UTC on 1 July is 00:30 on 2 July in Lisbon (summer
# time, UTC+1) and 19:30 on 1 July in New York (UTC-4).
LATE = datetime(2024, 7, 1, 23, 30, tzinfo=UTC)


def utc_chat() -> Conversation:
    return Conversation(
        "slack",
        [Message("Ana", "night", LATE), Message("Ben", "still up", LATE.replace(minute=40))],
    )


def test_instants_are_read_at_their_offset_unless_a_zone_is_chosen() -> None:
    plain = analyze(utc_chat())
    assert plain["activity"]["byHour"][23] == 2
    assert plain["overview"]["timeBasis"] == "offset"
    assert plain["overview"]["timezone"] is None


def test_a_chosen_zone_moves_hours_and_days_daylight_saving_included() -> None:
    lisbon = analyze(in_zone(utc_chat(), "Europe/Lisbon"))
    assert lisbon["activity"]["byHour"][0] == 2
    assert lisbon["activity"]["firstDay"] == "2024-07-02"
    assert (lisbon["overview"]["timezone"], lisbon["overview"]["timeBasis"]) == (
        "Europe/Lisbon",
        "zone",
    )
    new_york = analyze(in_zone(utc_chat(), "America/New_York"))
    assert new_york["activity"]["byHour"][19] == 2
    # The gap between the two messages is the same in every zone.
    assert new_york["turns"]["speakers"][1]["responseSeconds"]["median"] == 600


def test_a_phones_wall_time_has_no_instant_and_stays_as_written() -> None:
    chat = parse(b"12/01/2024, 23:30 - Ana: hi\n12/01/2024, 23:31 - Ben: yo\n")
    moved = analyze(in_zone(chat, "Asia/Tokyo"))
    assert moved["activity"]["byHour"][23] == 2
    assert analyze(chat)["overview"]["timeBasis"] == "local"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "Europe/"])
def test_an_unknown_zone_is_refused_by_name(name: str) -> None:
    with pytest.raises(InputError, match="unknown time zone"):
        in_zone(utc_chat(), name)


def test_telegram_times_are_the_exporters_local_time_and_exact_instants() -> None:
    # date is the exporting phone's wall time (UTC+1 here); date_unixtime the instant.
    export = {
        "name": "Club",
        "type": "personal_chat",
        "messages": [
            {"id": 1, "type": "message", "date": "2024-03-01T10:00:00",
             "date_unixtime": "1709283600", "from": "Ana", "text": "hi"},
            {"id": 2, "type": "message", "date": "2024-03-01T10:05:00",
             "date_unixtime": "1709283900", "from": "Ben", "text": "hello"},
        ],
    }  # fmt: skip
    result = analyze(parse(json.dumps(export).encode(), format="telegram"))
    assert result["activity"]["byHour"][10] == 2  # the exporter's 10:00, not 09:00 UTC
    assert result["turns"]["speakers"][1]["responseSeconds"]["median"] == 300
