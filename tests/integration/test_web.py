"""The page and its assets, in process (no browser): what is served, from where, and how."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from importlib import metadata
from importlib.resources import files
from pathlib import Path

import httpx
import pytest

from parley.report import plotly_js_path
from parley.settings import ExecutionMode, Settings
from tests.apps import app_client

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"
WHATSAPP = (FIXTURES / "whatsapp_android_dmy_24h.txt").read_text()
STATIC = files("parley.web").joinpath("static")
VIEW = files("parley.report").joinpath("static")  # the dashboard, shared with the report


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        ttl_seconds=60, execution_mode=ExecutionMode.BACKGROUND, analysis_processes=0
    )
    async with app_client(settings) as client:
        yield client


class _Sources(HTMLParser):
    """Every script src and link href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []
        self.labelled: set[str] = set()
        self.controls: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.scripts.append(found["src"] or "")
        if tag == "link" and found.get("href"):
            self.links.append(found["href"] or "")
        if tag == "label" and found.get("for"):
            self.labelled.add(found["for"] or "")
        if tag in {"input", "select", "textarea"}:
            self.controls.append((tag, found.get("id")))


async def page_sources(client: httpx.AsyncClient) -> _Sources:
    response = await client.get("/")
    parser = _Sources()
    parser.feed(response.text)
    return parser


async def test_root_serves_the_page_with_a_policy_that_allows_no_other_origin(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="analyze-form"' in response.text
    assert '<option value="whatsapp">whatsapp</option>' in response.text
    assert "{{" not in response.text  # every placeholder filled
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self';" in csp
    assert "http" not in csp


async def test_the_page_loads_nothing_from_another_origin(client: httpx.AsyncClient) -> None:
    sources = await page_sources(client)
    assert sources.scripts, "the page has scripts"
    for src in sources.scripts + sources.links:
        assert not re.match(r"^(https?:)?//", src), f"{src} is not served by parley"
    # And neither do the modules and styles it loads.
    scripts = [STATIC / n for n in ("app.js", "api.js", "recent.js")]
    scripts += [VIEW / n for n in ("charts.js", "dashboard.js", "dom.js", "report.js")]
    for path in scripts:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(import|from)\s*\(?\s*["'](https?:)?//""", text), path.name
        assert not re.search(r"fetch\(\s*[\"'`](https?:)?//", text), path.name
    for path in (STATIC / "style.css", VIEW / "dashboard.css"):
        assert "url(http" not in path.read_text(encoding="utf-8")


async def test_every_script_and_module_the_page_names_is_served_as_javascript(
    client: httpx.AsyncClient,
) -> None:
    sources = await page_sources(client)
    modules = {
        f"/static/{name}"
        for source in (STATIC / "app.js", VIEW / "dashboard.js")
        for name in re.findall(r'from "\./([\w.]+)"', source.read_text(encoding="utf-8"))
    }
    assert "/static/dashboard.js" in modules
    for src in [*sources.scripts, *modules]:
        response = await client.get(src)
        assert response.status_code == 200, src
        assert response.headers["content-type"].startswith("text/javascript"), src
    for href in sources.links:
        if href.startswith("/static/"):
            response = await client.get(href)
            assert response.status_code == 200, href
            assert response.headers["content-type"].startswith("text/css")


async def test_plotly_comes_from_the_installed_package_and_is_cached_by_version(
    client: httpx.AsyncClient,
) -> None:
    sources = await page_sources(client)
    [vendor] = [src for src in sources.scripts if "plotly" in src]
    assert vendor.startswith("/static/vendor/plotly.min.js?v=")
    assert vendor.endswith(metadata.version("plotly"))
    response = await client.get(vendor)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    assert "max-age=31536000" in response.headers["cache-control"]
    installed = plotly_js_path()
    assert "site-packages" in installed.parts or "dist-packages" in installed.parts
    assert response.content == installed.read_bytes()


def test_no_copy_of_plotly_is_kept_in_the_package() -> None:
    web_root = Path(str(files("parley.web")))
    assert not [p for p in web_root.rglob("*") if "plotly" in p.name.lower()]


def test_the_scripts_never_inject_html() -> None:
    """User text reaches the page through textContent only."""
    for path in Path(str(STATIC)).glob("*.js"):
        text = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, f"{path.name} uses {sink}"


async def test_every_form_control_has_a_label(client: httpx.AsyncClient) -> None:
    sources = await page_sources(client)
    assert sources.controls
    for tag, control_id in sources.controls:
        assert control_id in sources.labelled, f"<{tag} id={control_id}> has no <label for>"


async def test_conversation_links_open_the_page_on_that_conversation(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/c/team-chat")
    assert response.status_code == 307
    assert response.headers["location"] == "/#/c/team-chat"
    bad = await client.get("/c/not%20valid")
    assert bad.status_code == 400


async def analyse(client: httpx.AsyncClient, content: str) -> dict[str, object]:
    response = await client.post("/api/analyze?wait=true", json={"content": content})
    body: dict[str, object] = response.json()
    return body


async def test_report_of_a_completed_job_is_one_self_contained_html_file(
    client: httpx.AsyncClient,
) -> None:
    body = await analyse(client, WHATSAPP)
    response = await client.get(f"/api/jobs/{body['jobId']}/report.html?download=true")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"].startswith("attachment;")
    html = response.text
    assert "Tom Okafor" in html
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", html)
    assert "Plotly" in html  # the library is inlined


async def test_report_of_an_unknown_or_failed_job_is_404_without_result(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.get("/api/jobs/AAAAAAAAAAAAAAAAAAAAAA/report.html")
    assert unknown.status_code == 404
    assert unknown.json()["hasResult"] is False
    rejected = await client.post(
        "/api/analyze", json={"content": "no chat here", "format": "whatsapp"}
    )
    assert rejected.status_code == 400
    failed = await client.get(f"/api/jobs/{rejected.json()['jobId']}/report.html")
    assert failed.status_code == 404
    assert "failed" in failed.json()["error"]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_api_docs_load_everything_from_this_server(
    client: httpx.AsyncClient, path: str
) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    sources = _Sources()
    sources.feed(page.text)
    assets = [*sources.scripts, *sources.links]
    assert assets, page.text
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by parley"  # no CDN
        if asset.endswith((".js", ".css")):
            assert (await client.get(asset)).status_code == 200, asset


async def test_a_chat_is_named_after_its_export_and_so_is_its_report(
    client: httpx.AsyncClient,
) -> None:
    chat = b"12/01/2024, 09:00 - Ana Lima: hi\n12/01/2024, 09:01 - Ben: hello\n"
    posted = await client.post(
        "/api/analyze?wait=true",
        files={"file": ("WhatsApp Chat with Ana Lima.txt", chat, "text/plain")},
    )
    body = posted.json()
    assert body["result"]["title"] == "Ana Lima"
    report = await client.get(f"/api/jobs/{body['jobId']}/report.html?download=true")
    assert report.headers["content-disposition"] == 'attachment; filename="parley-Ana-Lima.html"'


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def test_the_figures_download_as_csv_a_row_per_person_and_per_day(
    client: httpx.AsyncClient,
) -> None:
    chat = (
        "12/01/2024, 09:00 - +44 7700 900123: hi there\n"
        "12/01/2024, 09:01 - Ben: hello you\n"
        "13/01/2024, 10:00 - +44 7700 900123: morning all\n"
        "13/01/2024, 10:02 - =cmd|' /C calc'!A0: ha\n"
    )
    posted = await client.post(
        "/api/analyze?wait=true",
        files={"file": ("WhatsApp Chat with Trip.txt", chat.encode(), "text/plain")},
    )
    job = posted.json()["jobId"]
    people = await client.get(f"/api/jobs/{job}/people.csv")
    assert people.status_code == 200
    assert people.headers["content-type"] == "text/csv; charset=utf-8"
    assert people.headers["content-disposition"] == (
        'attachment; filename="parley-Trip-people.csv"'
    )
    rows = csv_rows(people.text)
    assert rows[0][:5] == ["person", "messages", "message_share", "words", "word_share"]
    # What a spreadsheet would run as a formula is written as text.
    assert [r[0] for r in rows[1:]] == ["'+44 7700 900123", "Ben", "'=cmd|' /C calc'!A0"]
    assert [r[1] for r in rows[1:]] == ["2", "1", "1"]
    activity = csv_rows((await client.get(f"/api/jobs/{job}/activity.csv")).text)
    assert activity[0] == [
        "day", "messages", "words", "messages +44 7700 900123", "messages Ben",
        "messages =cmd|' /C calc'!A0",
    ]  # fmt: skip
    assert activity[1:] == [["2024-01-12", "2", "4", "1", "1", "0"],
                            ["2024-01-13", "2", "3", "1", "0", "1"]]  # fmt: skip


async def test_csv_of_an_unknown_job_or_table_is_refused(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/api/jobs/AAAAAAAAAAAAAAAAAAAAAA/people.csv")
    assert unknown.status_code == 404
    body = await analyse(client, WHATSAPP)
    other = await client.get(f"/api/jobs/{body['jobId']}/secrets.csv")
    assert other.status_code in {400, 404}
