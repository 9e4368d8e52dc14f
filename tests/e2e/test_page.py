"""The page, end to end: a real Chromium against `parley serve --workers 2` on Redis."""

from __future__ import annotations

import contextlib
import json
import random
import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import ARTIFACTS as ARTIFACTS_DIR
from tests.e2e.conftest import Server, Tab
from tests.parley_server import running_parley
from tests.waiting import attempts

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.redis]

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"
ANALYSIS_STAGES = {
    "parsed", "prepare", "participation", "turns", "timed", "activity",
    "content", "sentiment", "keywords", "summary",
}  # fmt: skip

# Records every value the progress bar shows, with its stage, from the first paint on.
RECORD_PROGRESS = """
window.__progress = [];
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.getElementById("bar");
  new MutationObserver(() => window.__progress.push([
    document.getElementById("stage").dataset.stage,
    Number(bar.getAttribute("aria-valuenow")),
  ])).observe(bar, { attributes: true, attributeFilter: ["aria-valuenow"] });
});
"""
RENDERED = "body[data-rendered]"
PROBLEM = "#problem:not([hidden])"


@pytest.fixture(scope="session")
def big_chat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 100,000-message WhatsApp export (7 MB): long enough for the bar to move."""
    rng = random.Random(5)
    names = ["Ana", "Ben", "Chloé", "Dev", "Emeka", "Fatima", "Goran", "Hana"]
    words = [
        "good",
        "morning",
        "lunch",
        "today",
        "train",
        "late",
        "coffee",
        "project",
        "thanks",
        "great",
        "sorry",
        "sad",
    ]
    emoji = ["😂", "👍", "❤️", "🎉", ""]
    moment = datetime(2024, 1, 1, 8, 0)
    lines = []
    for _ in range(100_000):
        moment += timedelta(seconds=rng.expovariate(1 / 120))
        text = " ".join(rng.choices(words, k=rng.randint(1, 12))) + rng.choice(emoji)
        name = rng.choices(names, weights=range(len(names), 0, -1))[0]
        lines.append(f"{moment:%d/%m/%Y, %H:%M} - {name}: {text}")
    path = tmp_path_factory.mktemp("chats") / "Big group chat.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def text(page: Page, selector: str) -> str:
    return page.text_content(selector) or ""


def paste_and_analyse(
    page: Page, conversation_id: str = "", fixture: str = "whatsapp_ios_mdy_12h.txt"
) -> None:
    """Paste a small chat into the form, analyse it, wait for the dashboard."""
    paste(page, conversation_id, fixture)
    page.wait_for_selector(RENDERED)


def paste(page: Page, conversation_id: str, fixture: str) -> None:
    paste_text(page, (FIXTURES / fixture).read_text(encoding="utf-8"), conversation_id)


def paste_text(page: Page, content: str, conversation_id: str = "") -> None:
    page.goto("/")
    page.get_by_text("…or paste the text").click()
    page.get_by_label("Conversation text").fill(content)
    if conversation_id:
        page.get_by_text("Advanced").click()
        page.get_by_label("Conversation id").fill(conversation_id)
    page.get_by_role("button", name="Analyse").click()


def drawn_charts(tab: Tab) -> list[dict[str, Any]]:
    """Each chart on the dashboard: whether plotly drew it, and how many marks it has."""
    charts: list[dict[str, Any]] = tab.page.eval_on_selector_all(
        "#dashboard .chart",
        """nodes => nodes.map(n => ({
            label: n.getAttribute("aria-label"),
            svg: n.querySelector("svg.main-svg") !== null,
            marks: n.querySelectorAll("g.trace path, g.trace .point, g.hm image").length,
        }))""",
    )
    return charts


def traces(page: Page, selector: str) -> list[dict[str, Any]]:
    """What plotly drew in the first chart under `selector`: each trace's x, y and z."""
    drawn: list[dict[str, Any]] = page.eval_on_selector(
        f"{selector} .chart",
        "n => n._fullData.map(t => ({ x: t.x || [], y: t.y || [], z: t.z || [] }))",
    )
    return drawn


def all_traces(page: Page, selector: str) -> list[list[dict[str, Any]]]:
    """Every chart under `selector`, in order: each one's traces' x, y and z."""
    drawn: list[list[dict[str, Any]]] = page.eval_on_selector_all(
        f"{selector} .chart",
        "ns => ns.map(n => n._fullData.map(t => ({ x: t.x || [], y: t.y || [], z: t.z || [] })))",
    )
    return drawn


def assert_charts_match_the_result(page: Page, result: dict[str, Any]) -> None:
    """Each chart has the bars, cells or points the result says it should."""
    speakers = result["participation"]["speakers"]
    bars = traces(page, "#participants")
    assert [len(t["y"]) for t in bars] == [len(speakers)] * 2  # messages and words
    timeline = traces(page, "#activity")[0]
    assert len(timeline["x"]) == len(result["activity"]["byDate"]["labels"])
    assert sum(timeline["y"]) == result["overview"]["authoredMessages"]
    heat = traces(page, "#heatmap")[0]["z"]
    assert (len(heat), {len(row) for row in heat}) == (7, {24})
    matrix = result["turns"]["replyMatrix"]
    cells = traces(page, "#replies")[0]["z"]
    people = len(matrix["speakers"])
    assert (len(cells), {len(row) for row in cells}) == (people, {people})
    # Every person's row has its label, at any width (none thinned out, none overlapping).
    labels = page.eval_on_selector_all(
        "#replies .chart .ytick text", "ts => ts.map(t => t.textContent)"
    )
    assert len(labels) == people, labels
    lines = traces(page, "#sentiment")
    assert lines
    assert {len(t["x"]) for t in lines} == {len(result["sentiment"]["overTime"]["labels"])}
    emoji = traces(page, "#emoji")[0]
    assert len(emoji["x"]) == min(15, len(result["content"]["topEmoji"]))
    hours = all_traces(page, "#heatmap")
    assert [len(hours[1][0]["y"]), len(hours[2][0]["y"])] == [24, 7]  # hour and weekday bars
    assert hours[1][0]["y"] == result["activity"]["byHour"]
    answered = [s for s in result["turns"]["speakers"] if s["responseSeconds"]["count"]]
    replies = traces(page, "#response-times")
    assert [len(t["y"]) for t in replies] == [min(15, len(answered))] * 2  # median, p90
    words = traces(page, "#keywords")[0]
    assert words["x"] == [w["count"] for w in result["keywords"]["top"][:20]]
    cards = page.locator("#people .person")
    assert cards.count() == min(12, len(speakers))
    assert cards.nth(0).locator(".hour-strip span").count() == 24


def dashboard_shape(page: Page) -> list[list[Any]]:
    """Each dashboard section: its name, and each chart's traces as lengths of x, y, z."""
    shape: list[list[Any]] = page.eval_on_selector_all(
        "#dashboard > section",
        """sections => sections.map(s => [s.getAttribute("aria-label"),
            [...s.querySelectorAll(".chart")].map(c => (c._fullData || []).map(t =>
              [(t.x || []).length, (t.y || []).length, (t.z || []).length]))])""",
    )
    return shape


def shoot_sections(tab: Tab, width: str) -> None:
    """A picture of every dashboard section, as a person scrolls to it."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    sections = tab.page.locator("#dashboard > section")
    for i in range(sections.count()):
        section = sections.nth(i)
        name = section.get_attribute("id") or f"section-{i}"
        section.screenshot(path=str(ARTIFACTS_DIR / f"section-{name}-{width}.png"))


def test_an_upload_shows_live_progress_then_every_chart(
    tab: Tab, big_chat: Path, server: Server, tmp_path: Path
) -> None:
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})  # a common laptop
    page.add_init_script(RECORD_PROGRESS)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto("/")
    tab.shot("home-desktop")
    page.set_input_files("#file", str(big_chat))
    assert "Big group chat.txt" in text(page, "#file-chosen")
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector("#status:not([hidden])")
    with contextlib.suppress(PlaywrightTimeoutError):  # a picture of the bar mid-way, if caught
        page.wait_for_function(
            "() => ['prepare', 'content', 'sentiment', 'keywords']"
            ".includes(document.getElementById('stage').dataset.stage)",
            timeout=10_000,
        )
    page.wait_for_timeout(350)  # the bar's width eases over 300 ms
    tab.shot("progress", full_page=False)
    page.wait_for_selector(RENDERED, timeout=60_000)

    seen: list[list[Any]] = page.evaluate("window.__progress")
    analysis = [percent for stage, percent in seen if stage in ANALYSIS_STAGES]
    assert analysis == sorted(analysis), f"the bar went backwards: {seen}"
    assert any(0 < percent < 100 for percent in analysis), f"the bar never moved: {seen}"
    assert seen[-1] == ["done", 100]
    assert page.get_attribute("#bar", "aria-valuenow") == "100"
    conversation = page.get_attribute("body", "data-rendered-conversation")
    assert conversation
    assert page.url.endswith(f"/#/c/{conversation}")  # the link to this result
    progress = f"/api/progress/{conversation}"
    assert any(url.endswith(progress + "/events") for url in asked), asked  # pushed...
    assert not any(url.endswith(progress) for url in asked), asked  # ...not polled

    charts = drawn_charts(tab)
    assert len(charts) >= 8
    for chart in charts:
        assert chart["svg"], f"no plot: {chart}"
        assert chart["marks"] > 0, f"an empty plot: {chart}"
    assert text(page, "#result-title") == "Big group chat"  # named after the file, no ".txt"
    assert "100,000 messages" in text(page, "#summary")
    tab.shot("dashboard-desktop")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download JSON").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    result = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert result["schemaVersion"] == 2
    assert result["overview"]["messages"] == 100_000
    assert_charts_match_the_result(page, result)
    shoot_sections(tab, "desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    # plotly redraws on resize; the page must then fit the phone's width. (A polled
    # condition: the page's CSP forbids the eval that wait_for_function would use.)
    for _ in attempts(30):
        if page.evaluate("document.documentElement.scrollWidth") <= 390:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "it scrolls sideways"
    tab.shot("dashboard-phone")
    assert_charts_match_the_result(page, result)
    # Silences fit a phone: their date-times neither wrap at the hyphens nor scroll.
    assert page.eval_on_selector(
        "#silences .table-scroll", "n => n.scrollWidth <= n.clientWidth + 1"
    ), "the silences table scrolls on a phone"
    shoot_sections(tab, "phone")

    with page.expect_download() as report_info:
        page.get_by_role("button", name="Download HTML report").click()
    assert report_info.value.suggested_filename.endswith(".html")
    with page.expect_download() as people_info:
        page.get_by_role("button", name="People (CSV)").click()
    assert people_info.value.suggested_filename == "parley-Big-group-chat-people.csv"
    people = Path(people_info.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(people) == 1 + len(result["participation"]["speakers"])
    # Saved under its own name: Playwright keeps downloads in files with no extension.
    report = tmp_path / report_info.value.suggested_filename
    report_info.value.save_as(report)
    assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")
    # One product: the report, opened offline, is the dashboard the page drew.
    browser = page.context.browser
    assert browser is not None
    offline = browser.new_context(viewport={"width": 390, "height": 844}, offline=True)
    try:
        saved = offline.new_page()
        saved.goto(report.as_uri())
        saved.wait_for_selector("body[data-rendered]", timeout=60_000)
        assert dashboard_shape(saved) == dashboard_shape(page)
    finally:
        offline.close()
    assert tab.errors == []


def test_a_file_that_does_not_parse_shows_its_format_and_line(tab: Tab, tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{\n "messages": [\n  {"role": "user", "content": "hi"},\n  {oops}\n]}\n')
    page = tab.page
    page.goto("/")
    page.set_input_files("#file", str(bad))
    page.get_by_label("Format").select_option("messages")
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector(PROBLEM)
    assert page.get_attribute("#problem", "data-kind") == "parse"
    assert text(page, "#problem-title") == "This conversation could not be read"
    assert text(page, "#problem-where .line-no") == "4"
    said = text(page, "#problem-text")
    assert said.startswith("This looks like a message list, but it does not read as one at line 4")
    assert "(line" not in said  # the line is shown apart, with its text
    assert text(page, "#problem-where .bad-line") == "  {oops}"
    # The form stays, with the file still chosen: pick another format and send again.
    assert page.is_visible("#analyze-form")
    assert "broken.json" in text(page, "#file-chosen")
    tab.shot("parse-error")
    assert tab.errors == []


def test_a_file_of_no_known_format_is_said_in_words_not_flags(tab: Tab) -> None:
    page = tab.page
    paste_text(page, "hello there, this is not a chat export\n")
    page.wait_for_selector(PROBLEM)
    said = text(page, "#problem-text")
    assert said.startswith("parley could not tell what kind of export this is")
    for jargon in ("--format", "tried", "PARLEY_", "`", "signal, whatsapp"):
        assert jargon not in said, said
    assert tab.errors == []


def test_a_zip_that_would_unpack_too_far_is_refused_in_megabytes(tab: Tab, tmp_path: Path) -> None:
    bomb = tmp_path / "WhatsApp Chat - Trip.zip"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("_chat.txt", "w", force_zip64=True) as member,
    ):
        for _ in range(300):
            member.write(b"\0" * 1024 * 1024)  # 300 MB of nothing, 300 KB zipped
    page = tab.page
    page.goto("/")
    page.set_input_files("#file", str(bomb))
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector(PROBLEM)
    assert page.get_attribute("#problem", "data-kind") == "too_large"
    said = text(page, "#problem-text")
    assert "would unpack to more than 268 MB" in said
    assert "PARLEY_" not in said
    assert tab.errors == []


def test_nothing_chosen_is_said_on_the_form(tab: Tab) -> None:
    page = tab.page
    page.goto("/")
    page.get_by_role("button", name="Analyse").click()
    assert "Choose or drop a file" in text(page, "#form-error")
    page.get_by_text("Advanced").click()
    page.get_by_label("Conversation id").fill("has spaces")
    page.get_by_text("…or paste the text").click()
    page.get_by_label("Conversation text").fill("x")
    page.get_by_role("button", name="Analyse").click()
    assert page.get_attribute("#conversation-id", "aria-invalid") == "true"


def test_a_chosen_file_and_pasted_text_together_are_refused_not_guessed(tab: Tab) -> None:
    page = tab.page
    page.goto("/")
    page.set_input_files("#file", str(FIXTURES / "whatsapp_android_dmy_24h.txt"))
    page.get_by_text("…or paste the text").click()
    page.get_by_label("Conversation text").fill("Ann: hi\nBob: hello")
    page.get_by_role("button", name="Analyse").click()
    assert "remove the file or clear the text" in text(page, "#form-error")


def test_a_link_to_an_analysis_never_made_says_so_and_is_not_remembered(tab: Tab) -> None:
    page = tab.page
    page.goto("/#/c/never-analysed-here")
    page.wait_for_selector("#problem:not([hidden])")
    assert "No such analysis" in text(page, "#problem")
    assert "never-analysed-here" not in text(page, "#recent")


def test_a_conversation_link_shows_its_result_then_says_it_expired(
    tab: Tab, server: Server
) -> None:
    content = (FIXTURES / "whatsapp_android_dmy_24h.txt").read_text(encoding="utf-8")
    with server.api() as api:
        posted = api.post(
            "/api/analyze?wait=true", json={"content": content, "conversationId": "e2e-link"}
        )
        assert posted.status_code == 200
        page = tab.page
        page.goto("/c/e2e-link")
        page.wait_for_selector(RENDERED)
        assert page.url.endswith("/#/c/e2e-link")
        assert "Tom Okafor" in text(page, "#participants")
        assert all(chart["marks"] > 0 for chart in drawn_charts(tab))

        # What an hour does, now: the store forgets the conversation.
        erased = api.delete(
            "/api/conversations/e2e-link",
            headers={"Authorization": f"Bearer {posted.json()['ownerToken']}"},
        )
        assert erased.status_code == 200
    page.goto("/c/e2e-link")
    page.wait_for_selector(PROBLEM)
    assert page.get_attribute("#problem", "data-kind") == "expired"
    assert text(page, "#problem-title") == "This result has expired"
    tab.shot("expired")

    # The browser remembers it under the group's name, marked as expired.
    page.goto("/#/")
    item = page.locator("#recent-list li", has_text="Plot 12: the crew")
    assert "expired" in (item.text_content() or "")
    assert tab.errors == []


def test_recent_analyses_are_kept_in_this_browser(tab: Tab) -> None:
    page = tab.page
    paste_and_analyse(page, "e2e-recent")
    page.get_by_role("link", name="parley").click()
    page.wait_for_selector("#input:not([hidden])")
    link = page.get_by_role("link", name="Dinner club")  # the group's name, from its export
    assert link.get_attribute("href") == "#/c/e2e-recent"
    page.reload()  # it is in localStorage, not in memory
    page.get_by_role("link", name="Dinner club").click()
    page.wait_for_selector(RENDERED)
    assert page.url.endswith("#/c/e2e-recent")
    tab.shot("recent")
    assert tab.errors == []


def test_the_browser_that_started_an_analysis_can_erase_it_others_cannot(
    tab: Tab, browser: Browser, server: Server
) -> None:
    page = tab.page
    paste_and_analyse(page, "e2e-erase")

    # Someone else with the link sees the result, and no way to erase it.
    other = browser.new_context(base_url=server.url)
    try:
        stranger = other.new_page()
        stranger.goto("/#/c/e2e-erase")
        stranger.wait_for_selector(RENDERED)
        assert stranger.locator("#erase").is_hidden()
    finally:
        other.close()

    page.get_by_role("button", name="Erase from the server").click()
    page.wait_for_selector("#result-note:has-text('Erased from the server')")
    tab.shot("erased")
    with server.api() as api:
        assert api.get("/api/conversations/e2e-erase").status_code == 404
    assert tab.errors == []


def test_a_page_on_another_site_cannot_start_an_analysis(
    tab: Tab, server: Server, tmp_path: Path
) -> None:
    """The attack: any web page the user visits posts a form to their parley."""
    page = tab.page
    attacker = "http://evil.test/"
    form = f"""<form method="post" enctype="multipart/form-data"
        action="{server.url}/api/analyze">
      <input type="hidden" name="conversationId" value="e2e-csrf">
      <input type="file" name="file"></form>"""
    page.route(attacker, lambda route: route.fulfill(content_type="text/html", body=form))
    page.goto(attacker)
    chat = tmp_path / "chat.txt"
    chat.write_text("1/1/24, 09:00 - A: hi\n")
    page.set_input_files("input[type=file]", str(chat))
    with page.expect_response(f"{server.url}/api/analyze") as answer:
        page.eval_on_selector("form", "form => form.submit()")
    assert answer.value.status == 403
    assert answer.value.json()["code"] == "cross_site"
    with server.api() as api:
        assert api.get("/api/conversations/e2e-csrf").status_code == 404


def test_a_parley_with_an_access_token_asks_for_it_once_per_tab(
    browser: Browser, server: Server
) -> None:
    token = "e2e-operator-token-0123456789"
    with running_parley(server.redis.url, PARLEY_API_TOKEN=token) as (guarded,):
        context = browser.new_context(base_url=guarded.url)
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            paste = (FIXTURES / "whatsapp_ios_mdy_12h.txt").read_text(encoding="utf-8")
            page.goto("/")
            page.get_by_text("…or paste the text").click()
            page.get_by_label("Conversation text").fill(paste)
            page.get_by_role("button", name="Analyse").click()
            page.wait_for_selector(PROBLEM)
            assert page.get_attribute("#problem", "data-kind") == "unauthorized"
            assert text(page, "#problem-title") == "This parley needs an access token"
            page.get_by_label("Access token", exact=True).fill(token)
            page.get_by_label("Access token", exact=True).press("Enter")
            page.wait_for_selector(RENDERED)  # posted again, polled, drawn: all with it
            assert "Erase from the server" in text(page, ".downloads")
        finally:
            context.close()


def test_a_sample_chat_is_one_click_away(tab: Tab) -> None:
    page = tab.page
    page.goto("/")
    page.get_by_role("button", name="No export at hand? Try a sample group chat").click()
    page.wait_for_selector(RENDERED)
    # The README's picture (docs/img/dashboard.png is a copy of this one): tall enough for
    # the summary, the participants and each person's card.
    page.set_viewport_size({"width": 1366, "height": 1900})
    markers = page.locator("#people .person")
    assert markers.count() == 4
    tab.shot("sample-dashboard", full_page=False)
    assert text(page, "#result-title") == "Weekend trip"
    assert "+44 7700 900123" in text(page, "#participants")
    assert tab.errors == []


def test_after_a_result_the_form_starts_afresh(tab: Tab) -> None:
    page = tab.page
    page.goto("/")
    page.get_by_text("…or paste the text").click()
    page.get_by_label("Conversation text").fill(
        (FIXTURES / "whatsapp_ios_mdy_12h.txt").read_text(encoding="utf-8")
    )
    page.get_by_label("Format").select_option("whatsapp")
    page.get_by_text("Advanced").click()
    page.get_by_label("Analyse again even if a result exists").check()
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector(RENDERED)
    page.get_by_role("link", name="parley").click()
    page.wait_for_selector("#input:not([hidden])")
    assert page.get_by_label("Format").input_value() == ""
    assert page.locator("#paste-box").get_attribute("open") is None
    assert page.locator("#advanced").get_attribute("open") is None
    assert not page.get_by_label("Analyse again even if a result exists").is_checked()
    # How long results are kept is the server's to say.
    assert "one hour" in text(page, "#file-help")
    assert tab.errors == []


def test_the_same_file_again_says_it_was_analysed_already(tab: Tab) -> None:
    page = tab.page
    paste_and_analyse(page, fixture="whatsapp_android_dmy_24h.txt")
    assert page.locator("#result-note").is_hidden()
    paste_and_analyse(page, fixture="whatsapp_android_dmy_24h.txt")
    assert "analysed already" in text(page, "#result-note")
    assert tab.errors == []


def test_a_taken_id_is_said_and_its_owner_may_replace_it(tab: Tab) -> None:
    page = tab.page
    paste_and_analyse(page, "e2e-taken", "whatsapp_ios_mdy_12h.txt")
    first = text(page, "#result-sub")
    paste(page, "e2e-taken", "whatsapp_android_dmy_24h.txt")  # another file, the same id
    page.wait_for_selector(PROBLEM)
    assert page.get_attribute("#problem", "data-kind") == "taken"
    assert text(page, "#problem-title") == "This conversation id is already taken"
    tab.shot("taken")
    page.get_by_role("button", name="Replace it").click()
    page.wait_for_selector(RENDERED)
    assert text(page, "#result-sub") != first  # the new file's analysis
    assert tab.errors == []


@pytest.mark.parametrize(
    ("path", "operation"), [("/docs", ".opblock"), ("/redoc", "[data-section-id]")]
)
def test_the_api_docs_render_on_a_closed_network(
    tab: Tab, server: Server, path: str, operation: str
) -> None:
    page = tab.page
    outside: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(path)
    page.wait_for_selector(operation)  # the operations, drawn from /openapi.json
    assert page.locator(operation).count() >= 5
    assert outside == []
    tab.shot(f"api-docs-{path.strip('/')}")


def test_on_a_phone_wide_tables_say_they_scroll_and_names_do_not_wrap(tab: Tab) -> None:
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    lines = [
        f"01/03/2024, 09:{i:02d} - {who}: message {i} 👍"
        for i, who in enumerate(["+44 7700 900123", "Ana", "+1 (555) 010-9999"] * 10)
    ]
    paste_text(page, "\n".join(lines) + "\n")
    page.wait_for_selector(RENDERED)
    people = page.locator("#participants .table-scroll")
    assert people.get_attribute("data-overflows") == "true"  # the hint shows
    row = page.locator("#participants tbody th", has_text="+44 7700 900123")
    line_height = page.evaluate("() => parseFloat(getComputedStyle(document.body).lineHeight)")
    box = row.bounding_box()
    assert box is not None
    assert box["height"] < 2.5 * line_height  # one line, not three
    tab.shot("phone-participants", full_page=True)
    assert tab.errors == []


def test_names_and_messages_are_shown_as_text_never_as_html(tab: Tab) -> None:
    evil = "<img src=x onerror=alert(1)> <b>Eve</b>"
    chat = "\n".join(
        f"14/03/2023, 09:{10 + i:02d} - {name}: <b>hello</b> {word} great <script>x</script>"
        for i, (name, word) in enumerate([(evil, "apple"), ("Bob", "pear")] * 5)
    )
    page = tab.page
    page.goto("/")
    page.get_by_text("…or paste the text").click()
    page.get_by_label("Conversation text").fill(chat)
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector(RENDERED)
    assert page.locator("#dashboard img, #dashboard b, #dashboard script").count() == 0
    assert evil in text(page, "#participants table")
    # plotly reads markup in labels: the name reaches it escaped, and shows as typed.
    ticks = page.locator("#participants .ytick text").all_text_contents()
    assert evil in ticks
    assert page.title().startswith("parley")
    assert tab.errors == []


def test_an_unavailable_store_is_said_and_a_retry_recovers(tab: Tab, server: Server) -> None:
    page = tab.page
    page.goto("/")
    page.get_by_text("…or paste the text").click()
    page.get_by_label("Conversation text").fill(
        (FIXTURES / "whatsapp_german_dots_seconds.txt").read_text(encoding="utf-8")
    )
    server.redis.stop()
    try:
        page.get_by_role("button", name="Analyse").click()
        page.wait_for_selector(PROBLEM)
        assert page.get_attribute("#problem", "data-kind") == "unavailable"
        assert text(page, "#problem-title") == "The store is unavailable"
        tab.shot("store-unavailable")
    finally:
        server.redis.start()
    page.get_by_role("button", name="Try again").click()
    page.wait_for_selector(RENDERED)
    # Only the 503 itself was logged, as the expected HTTP error.
    assert tab.errors == []


@pytest.mark.parametrize("proxy", ["refuses", "holds back"])
def test_where_a_proxy_refuses_or_holds_back_the_stream_the_page_polls(
    tab: Tab, proxy: str
) -> None:
    page = tab.page
    polls: list[str] = []

    def events(route: Route) -> None:
        if proxy == "refuses":
            route.fulfill(status=502, body="Bad Gateway")
        # "holds back": no answer at all, as a buffering proxy gives none until the end

    page.route("**/api/progress/*/events", events)
    page.on(
        "request",
        lambda request: (
            polls.append(request.url)
            if "/api/progress/" in request.url and not request.url.endswith("/events")
            else None
        ),
    )
    page.goto("/")
    page.get_by_text("…or paste the text").click()
    chat = (FIXTURES / "whatsapp_german_dots_seconds.txt").read_text(encoding="utf-8")
    page.get_by_label("Conversation text").fill(chat + f"\n(a proxy that {proxy})")  # a new job
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector(RENDERED, timeout=60_000)
    assert polls, "the page never polled"
    assert tab.errors == []


def test_a_lost_worker_is_said_and_polls_ride_out_a_store_blip(tab: Tab) -> None:
    """The page's side of two failures the API tests provoke for real: polls that get 503
    for a while, then a job whose worker died (`failed` with `worker_lost`)."""
    job = {"jobId": "J" * 22, "conversationId": "e2e-lost", "status": "running"}
    polls: list[int] = []

    def conversation(route: Route) -> None:
        route.fulfill(json={**job, "error": None})

    def progress(route: Route) -> None:
        polls.append(1)
        if len(polls) <= 2:
            route.fulfill(status=503, json={"error": "store unreachable", "hasResult": False})
            return
        failed = {"code": "worker_lost", "message": "the worker stopped sending heartbeats"}
        route.fulfill(
            json={**job, "status": "failed", "stage": "sentiment", "percent": 60.0,
                  "message": "", "updatedAt": "2026-01-01T00:00:00Z", "error": failed}
        )  # fmt: skip

    page = tab.page
    page.route("**/api/conversations/e2e-lost", conversation)
    page.route("**/api/progress/e2e-lost", progress)
    page.goto("/#/c/e2e-lost")
    page.wait_for_selector("#status-note:not([hidden])")
    assert "store is unavailable" in text(page, "#status-note")
    page.wait_for_selector(PROBLEM)
    assert len(polls) == 3
    assert page.get_attribute("#problem", "data-kind") == "worker_lost"
    assert "worker running this analysis stopped" in text(page, "#problem-text")
    tab.shot("worker-lost")
    assert tab.errors == []


def test_a_lost_background_job_is_sent_again_from_the_page_once(tab: Tab) -> None:
    """The job's worker died (worker_lost): the page re-posts the text it still holds,
    so nobody uploads twice, and the second, real, analysis shows its result."""
    fake = {"jobId": "L" * 22, "conversationId": "resent-1", "status": "running",
            "deduplicated": False, "hasResult": False, "result": None, "error": None,
            "links": {"progress": "/api/progress/resent-1", "job": f"/api/jobs/{'L' * 22}",
                      "result": f"/api/jobs/{'L' * 22}/result",
                      "conversation": "/api/conversations/resent-1"}}  # fmt: skip
    posts: list[int] = []

    def analyze(route: Route) -> None:
        posts.append(1)
        if len(posts) == 1:
            route.fulfill(status=202, json=fake)
        else:
            route.continue_()  # the real server runs it this time

    def progress(route: Route) -> None:
        if len(posts) == 1:
            lost = {"code": "worker_lost", "message": "the worker stopped sending heartbeats"}
            route.fulfill(
                json={"conversationId": "resent-1", "jobId": "L" * 22, "status": "failed",
                      "stage": "analysing", "percent": 40.0, "message": "",
                      "updatedAt": "2026-01-01T00:00:00Z", "error": lost, "mode": "background"}
            )  # fmt: skip
        else:
            route.continue_()

    page = tab.page
    page.route("**/api/analyze", analyze)
    page.route("**/api/progress/resent-1", progress)
    page.goto("/")
    page.get_by_text("…or paste the text").click()
    page.get_by_label("Conversation text").fill(
        (FIXTURES / "whatsapp_german_dots_seconds.txt").read_text(encoding="utf-8")
    )
    page.get_by_text("Advanced").click()
    page.get_by_label("Conversation id").fill("resent-1")
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector(RENDERED)
    assert len(posts) == 2
    assert tab.errors == []


def test_names_can_be_replaced_before_anything_is_analysed(tab: Tab) -> None:
    page = tab.page
    page.goto("/")
    page.get_by_label("Replace names with Person 1, Person 2…").check()
    page.get_by_text("…or paste the text").click()
    page.get_by_label("Conversation text").fill(
        "12/01/2024, 09:00 - Ana Lima: hi Ben, call +1 555 010 9999\n"
        "12/01/2024, 09:01 - Ben: hi Ana!\n12/01/2024, 09:05 - Ana Lima: lunch?\n"
    )
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector(RENDERED)
    assert "names replaced by Person 1, Person 2" in text(page, "#result-sub")
    shown = text(page, "#result") or ""
    for secret in ("Ana", "Lima", "Ben", "555"):
        assert not re.search(rf"\b{secret}\b", shown), secret
    assert "Person 1" in text(page, "#participants")
    assert tab.errors == []


def test_several_exports_dropped_together_are_one_conversation(tab: Tab, tmp_path: Path) -> None:
    january = tmp_path / "January.txt"
    january.write_text("12/01/2024, 09:00 - Ana: hi\n13/01/2024, 10:00 - Ben: still there?\n")
    february = tmp_path / "February.txt"
    february.write_text("13/01/2024, 10:00 - Ben: still there?\n12/02/2024, 08:00 - Ana: back\n")
    page = tab.page
    page.goto("/")
    page.set_input_files("#file", [str(january), str(february)])
    assert "2 exports, analysed as one conversation" in text(page, "#file-chosen")
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_selector(RENDERED)
    said = text(page, "#reading")
    assert "Read from 2 exports" in said
    assert "1 overlapping message counted once" in said
    assert "3 messages" in text(page, "#summary")
    assert tab.errors == []


def test_a_file_that_almost_fits_a_format_names_it_and_shows_the_line(tab: Tab) -> None:
    page = tab.page
    paste_text(page, "13:40\tAlice\tHi!\n13:41\tBob\thello\n-- cut here --\n13:42\tAlice\tbye\n")
    page.wait_for_selector(PROBLEM)
    said = text(page, "#problem-text")
    assert "This looks most like a LINE export, but not all of it reads as one: line 3" in said
    assert text(page, "#problem-where .bad-line") == "-- cut here --"
    assert tab.errors == []
