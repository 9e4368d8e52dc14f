"""How an export was read: the decisions the parser made, and their evidence."""

from __future__ import annotations

from pathlib import Path

from parley.analysis import analyze
from parley.analysis.formats import parse, parse_path

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "formats"


def test_the_date_order_is_given_with_the_date_that_decided_it() -> None:
    d = analyze(parse_path(FIXTURES / "whatsapp_android_dmy_24h.txt"))["diagnostics"]
    assert (d["format"], d["dateOrder"]) == ("whatsapp", "dmy")
    assert d["dateEvidence"] == "14/03/2023 (line 1) has 14, which is no month"
    us = analyze(parse_path(FIXTURES / "whatsapp_ios_mdy_12h.txt"))["diagnostics"]
    assert us["dateOrder"] == "mdy"
    assert us["dateEvidence"].startswith("3/13/23 (line 9) has 13")


def test_dates_that_fit_both_orders_are_decided_by_time_running_forwards() -> None:
    chat = b"01/02/2024, 09:00 - Ana: a\n01/03/2024, 09:00 - Ben: b\n02/03/2024, 09:00 - Ana: c\n"
    d = analyze(parse(chat))["diagnostics"]
    # day first: 1 Feb, 1 Mar, 2 Mar (forwards); month first: 2 Jan, 3 Jan, 3 Feb (also):
    # a tie, and a 24-hour clock is a phone outside the US.
    assert d["dateOrder"] == "dmy"
    assert d["dateEvidence"] == (
        "every date fits both orders and neither runs backwards; read day first, "
        "as phones outside the US write"
    )
    # A 13 where the day would be a month decides it the other way.
    back = b"02/13/2024, 09:00 - Ana: a\n03/02/2024, 09:00 - Ben: b\n"
    assert analyze(parse(back))["diagnostics"]["dateOrder"] == "mdy"


def test_lines_that_continue_a_message_are_counted_and_the_first_quoted() -> None:
    chat = b"12/01/2024, 09:00 - Ana: shopping list\nmilk\n\neggs\n12/01/2024, 09:01 - Ben: ok\n"
    d = analyze(parse(chat))["diagnostics"]
    assert d["mergedLines"] == 2  # the empty line is part of the message, not counted
    assert d["firstMerged"] == [{"line": 2, "text": "milk"}, {"line": 4, "text": "eggs"}]
    assert d["messages"] == 2


def test_system_lines_are_counted_by_kind() -> None:
    chat = (
        "12/01/2024, 09:00 - Messages and calls are end-to-end encrypted.\n"
        '12/01/2024, 09:00 - Ana created group "Trip"\n'
        "12/01/2024, 09:01 - Ana added Ben\n12/01/2024, 09:02 - Ana added Cy\n"
        "12/01/2024, 09:03 - Cy left\n12/01/2024, 09:04 - Ben: hi\n"
    )
    d = analyze(parse(chat.encode()))["diagnostics"]
    assert d["systemLines"] == {
        "added someone": 2, "encryption notice": 1, "created the group": 1, "left": 1,
    }  # fmt: skip
    assert d["timeResolutionSeconds"] == 60


def test_another_format_that_also_claims_the_file_is_named() -> None:
    d = analyze(parse_path(FIXTURES / "discord.csv"))["diagnostics"]
    assert (d["format"], d["runnerUp"]) == ("discord", "csv")
    forced = parse((FIXTURES / "discord.csv").read_bytes(), format="discord")
    assert forced.notes.runner_up is None  # a format named by the caller is no guess
