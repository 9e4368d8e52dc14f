"""The HTML report, opened offline in a real Chromium: every chart drawn with the marks its
data says, and names that look like numbers (phone numbers) kept as categories."""

from __future__ import annotations

import contextlib
import json
import struct
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from parley.analysis import analyze
from parley.analysis._words import tokenize
from parley.analysis.model import Conversation, Message, MessageKind
from parley.report import activity_csv, people_csv, render_html
from tests.e2e.conftest import ARTIFACTS
from tests.waiting import attempts

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Every unsaved WhatsApp contact is a phone number; plotly reads these as numbers unless
# an axis says it holds categories.
PEOPLE = ["+44 7700 900123", "+1 (555) 010-9999", "Ana"]


def conversation() -> Conversation:
    start = datetime(2024, 3, 1, 9, 0)
    lines = ["good morning", "great news today", "sad to hear that", "thanks a lot", "2024"]
    messages = [
        Message(PEOPLE[i % 3], lines[i % len(lines)], start + timedelta(minutes=37 * i))
        for i in range(240)
    ]
    return Conversation(format="whatsapp", messages=messages, title="Phone numbers")


def one_day() -> Conversation:
    """A chat of one afternoon: 14:00 to 18:40, a message every 10 minutes."""
    start = datetime(2024, 3, 1, 14, 0)
    messages = [
        Message(
            PEOPLE[i % 2], "good news" if i % 3 else "sad news", start + timedelta(minutes=10 * i)
        )
        for i in range(29)
    ]
    return Conversation(format="whatsapp", messages=messages, title="One afternoon")


@contextlib.contextmanager
def opened(browser: Browser, tmp_path: Path, chat: Conversation) -> Iterator[Page]:
    """The report of `chat`, opened from a file with the network off, fully drawn."""
    path = tmp_path / "report.html"
    path.write_text(render_html(analyze(chat, lambda *_: None)), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(path.as_uri())
        # Generous: inflating and running 4.8 MB of plotly.js is slow on a busy machine.
        page.wait_for_selector("body[data-rendered]", timeout=90_000)
        yield page
        assert errors == []
    finally:
        context.close()


@pytest.fixture
def report(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    with opened(browser, tmp_path, conversation()) as page:
        yield page


def chart(page: Page, section: str, index: int = 0) -> dict[str, Any]:
    """What plotly drew in a section's chart: its axes' types and labels, its traces."""
    found: dict[str, Any] = page.evaluate(
        """([section, index]) => {
          const el = document.querySelectorAll(`#${section} .chart`)[index];
          const axis = (a) => ({ type: a.type, categories: a._categories || [] });
          return {
            x: axis(el._fullLayout.xaxis), y: axis(el._fullLayout.yaxis),
            traces: el._fullData.map(t => ({ x: t.x, y: t.y, z: t.z })),
          };
        }""",
        [section, index],
    )
    return found


def test_phone_number_speakers_are_categories_in_every_chart_of_the_report(report: Page) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report.screenshot(path=str(ARTIFACTS / "report-phone-numbers.png"), full_page=True)

    who = chart(report, "participants")
    assert who["y"]["type"] == "category"
    assert sorted(who["y"]["categories"]) == sorted(PEOPLE)
    assert [len(t["x"]) for t in who["traces"]] == [3, 3]  # a bar per person, none vanished

    replies = chart(report, "replies")
    assert (replies["x"]["type"], replies["y"]["type"]) == ("category", "category")
    assert sorted(replies["x"]["categories"]) == sorted(PEOPLE)
    assert sum(map(sum, replies["traces"][0]["z"])) > 0  # cells, not an empty numeric grid

    mood = chart(report, "sentiment", 1)  # per person, after the line over time
    assert mood["y"]["type"] == "category"
    assert sorted(mood["y"]["categories"]) == sorted(PEOPLE)

    words = chart(report, "keywords")
    assert words["y"]["type"] == "category"  # "2024" is a word here, not a year


def test_a_one_day_chat_is_drawn_by_the_hour_and_charts_without_information_are_left_out(
    browser: Browser, tmp_path: Path
) -> None:
    with opened(browser, tmp_path, one_day()) as page:
        page.screenshot(path=str(ARTIFACTS / "report-one-day.png"), full_page=True)
        dates = chart(page, "activity")
        assert dates["x"]["type"] == "date"
        assert dates["traces"][0]["y"] == [6, 6, 6, 6, 5]  # 14:00 to 18:00, one bar an hour
        everyone = chart(page, "sentiment")["traces"][-1]
        assert len([m for m in everyone["y"] if m is not None]) == 5  # hour by hour
        # One weekday is no comparison: that chart is left out.
        captions = page.locator("#heatmap figcaption").all_text_contents()
        assert "By hour of day" in captions
        assert "By weekday" not in captions


def test_a_transcript_without_times_says_what_it_cannot_show(
    browser: Browser, tmp_path: Path
) -> None:
    untimed = Conversation("transcript", [Message("Ann", "hi there"), Message("Bob", "hello")])
    with opened(browser, tmp_path, untimed) as page:
        activity = page.locator("section[aria-label='Activity']").text_content() or ""
        assert "Not available: the messages have no timestamps." in activity
        assert page.locator("#participants tbody tr").count() == 2


def test_a_meeting_report_shows_talk_time_with_its_table(browser: Browser, tmp_path: Path) -> None:
    cues = [
        Message("Ann", "shall we start?", start=0.0, end=70.0),
        Message("Bob", "yes", start=75.0, end=80.0),
        Message("Ann", "good, first item", start=81.0, end=140.0),
    ]
    with opened(browser, tmp_path, Conversation("vtt", cues)) as page:
        talk = chart(page, "talk")
        assert talk["traces"][0]["y"] == ["Ann", "Bob"]
        rows = page.locator("#talk tbody tr").all_text_contents()
        assert len(rows) == 2
        assert rows[0].startswith("Ann2.1 min")  # 70 s + 59 s of talk: 129 s


def tile(page: Page, label: str) -> str:
    return page.locator(f"#summary .tile:has(span:text-is('{label}')) strong").inner_text()


def test_each_person_has_a_card_of_their_share_hours_and_replies(report: Page) -> None:
    cards = report.locator("#people .person")
    assert cards.count() == 3
    first = cards.nth(0)
    assert first.locator(".person-share strong").inner_text() == "33%"  # 80 of 240
    assert first.locator(".hour-strip span").count() == 24
    assert "80 messages" in first.inner_text()
    lines = first.locator(".person-lines li").all_inner_texts()
    # 37 min apart, timestamps to the minute: said to the minute.
    assert "Answers in 37 min (median of 79 replies)" in lines
    report.locator("#people").screenshot(path=str(ARTIFACTS / "report-people.png"))


def test_a_persons_card_is_saved_as_a_portrait_png(report: Page) -> None:
    with report.expect_download() as saved:
        report.locator("#people .person").nth(1).get_by_role("button", name="Save as image").click()
    assert saved.value.suggested_filename == "parley-Phone-numbers-1-555-010-9999.png"
    path = ARTIFACTS / "report-person-card.png"
    saved.value.save_as(path)
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
    assert (width, height) == (1080, 1350)
    assert len(png) > 20_000  # drawn, not a blank canvas


def redrawn(page: Page) -> str:
    for _ in attempts():
        said: str = page.evaluate("document.getElementById('dashboard').dataset.filtered ?? ''")
        if said:
            return said
        page.wait_for_timeout(50)
    raise AssertionError("the dashboard was not redrawn for the filter")


def test_a_date_range_and_people_filter_redraw_the_dashboard_from_the_result(
    report: Page,
) -> None:
    chat = conversation()
    since = date(2024, 3, 4)
    kept = [m for m in chat.messages if m.timestamp and m.timestamp.date() >= since]
    kept = [m for m in kept if m.speaker != PEOPLE[1]]
    words = sum(len(tokenize(m.text)) for m in kept if m.kind is MessageKind.TEXT)

    report.fill("#filter-from", since.isoformat())
    report.dispatch_event("#filter-from", "change")
    report.locator(".filter-person", has_text=PEOPLE[1]).locator("input").uncheck()
    assert redrawn(report) == f"From 2024-03-04 to 2024-03-07, {PEOPLE[0]}, {PEOPLE[2]}"
    report.wait_for_selector("body[data-rendered]")
    report.screenshot(path=str(ARTIFACTS / "report-filtered.png"), full_page=True)

    assert tile(report, "messages") == f"{len(kept):,}"
    assert tile(report, "words") == f"{words:,}"
    assert tile(report, "people") == "2"
    who = chart(report, "participants")
    assert sorted(who["y"]["categories"]) == sorted([PEOPLE[0], PEOPLE[2]])
    timeline = chart(report, "activity")["traces"][0]
    assert sum(timeline["y"]) == len(kept)
    per_day = Counter(m.timestamp.date().isoformat() for m in kept if m.timestamp)
    assert dict(zip(timeline["x"], timeline["y"], strict=True)) == per_day
    assert report.locator("#people .person").count() == 2
    # What the result cannot narrow says so, rather than pretending.
    assert "does not narrow" in (report.locator("#replies .whole").text_content() or "")
    assert report.locator("#participants th", has_text="median reply").count() == 0

    report.get_by_role("button", name="Show everything").click()
    for _ in attempts():
        if not report.evaluate("document.getElementById('dashboard').dataset.filtered"):
            break
        report.wait_for_timeout(50)
    assert tile(report, "messages") == "240"
    assert report.locator("#replies .whole").count() == 0


def test_a_chat_in_another_language_says_why_its_tone_is_not_scored(
    browser: Browser, tmp_path: Path
) -> None:
    start = datetime(2024, 3, 1, 9, 0)
    lines = ["eu não sei se vou hoje", "então vamos amanhã para a praia", "que pena, não posso"]
    messages = [
        Message(("Ana", "Rui")[i % 2], lines[i % 3], start + timedelta(minutes=i))
        for i in range(30)
    ]
    with opened(browser, tmp_path, Conversation("whatsapp", messages)) as page:
        said = page.locator("#sentiment").inner_text()
        assert "Not scored: the chat reads as Portuguese" in said
        assert page.locator("#sentiment .chart").count() == 0


def test_the_report_offers_the_result_and_its_figures_as_downloads(report: Page) -> None:
    result = analyze(conversation(), lambda *_: None)
    saved = {}
    for button in ("JSON", "People (CSV)", "Activity (CSV)"):
        with report.expect_download() as download:
            report.locator(".report-downloads").get_by_role("button", name=button).click()
        saved[download.value.suggested_filename] = Path(download.value.path()).read_bytes()
    assert sorted(saved) == [
        "parley-Phone-numbers-activity.csv",
        "parley-Phone-numbers-people.csv",
        "parley-Phone-numbers.json",
    ]
    assert saved["parley-Phone-numbers-people.csv"].decode() == people_csv(result)
    assert saved["parley-Phone-numbers-activity.csv"].decode() == activity_csv(result)
    assert json.loads(saved["parley-Phone-numbers.json"]) == result


def test_the_report_says_how_the_export_was_read(report: Page) -> None:
    said = report.locator("#reading").inner_text()
    assert "Read as WhatsApp" in said
    assert "Times to the minute" in said
