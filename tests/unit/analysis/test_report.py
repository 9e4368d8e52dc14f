from __future__ import annotations

import base64
import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from bench._gen import messages

import parley.report
from parley.analysis import Conversation, Message, analyze
from parley.report import plotly_js_path, render_html

from .conftest import at

HOSTILE = '<script>alert("x")</script>'


class _Tags(HTMLParser):
    """Collects tags and attributes, and the text of the JSON data block."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._in_data = False
        self.data = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_data = tag == "script" and dict(attrs).get("id") == "parley-result"

    def handle_endtag(self, tag: str) -> None:
        self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data += data


@pytest.fixture(scope="module")
def hostile_html() -> str:
    msgs = messages(500, speakers=3)
    msgs += [
        Message(HOSTILE, "</script><img src=x onerror=alert(1)> & <b>hi</b> great!", at(10**6)),
        Message("Ann", f"{HOSTILE} terrible", at(10**6 + 1)),
    ]
    return render_html(analyze(Conversation("whatsapp", msgs, title="<i>Team</i>")))


def test_report_loads_nothing_from_the_network(hostile_html: str) -> None:
    parser = _Tags()
    parser.feed(hostile_html)
    for tag, attrs in parser.tags:
        assert tag not in {"link", "iframe", "img", "object", "embed"}
        assert "src" not in attrs, f"<{tag}> loads {attrs['src']}"
        href = attrs.get("href") or ""
        assert not re.match(r"\s*(https?:)?//", href)
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert len(scripts) == 5  # the data, its two CSVs, plotly.js and the code, all inline
    assert "default-src 'none'" in hostile_html  # the CSP forbids requests outright


def test_report_escapes_hostile_speaker_names_messages_and_titles(hostile_html: str) -> None:
    # User text is in the title (escaped) and the JSON block (\u-escaped), nowhere else:
    # the dashboard draws it as text nodes.
    assert HOSTILE not in hostile_html
    assert "<img src=x" not in hostile_html
    assert "<i>Team</i>" not in hostile_html
    assert "<title>&lt;i&gt;Team&lt;/i&gt; · parley</title>" in hostile_html
    assert "<h1>&lt;i&gt;Team&lt;/i&gt;</h1>" in hostile_html


def test_embedded_data_is_the_full_result_and_cannot_close_its_script(hostile_html: str) -> None:
    parser = _Tags()
    parser.feed(hostile_html)
    data = json.loads(parser.data)
    assert data["schemaVersion"] == 2
    assert HOSTILE in {s["speaker"] for s in data["participation"]["speakers"]}
    assert "</" not in parser.data


def test_report_embeds_plotly_from_the_installed_package_gzipped(hostile_html: str) -> None:
    path = plotly_js_path()
    assert path.name == "plotly.min.js"
    found = re.search(
        r'<script type="application/gzip\+base64" id="plotly-js">([^<]*)<', hostile_html
    )
    assert found is not None
    assert gzip.decompress(base64.b64decode(found[1])) == path.read_bytes()
    assert len(hostile_html) < 0.6 * path.stat().st_size  # smaller than plotly.js alone


def test_report_draws_with_the_pages_own_dashboard_modules(hostile_html: str) -> None:
    # One product: the report inlines the page's dashboard code and stylesheet, not a copy.
    static = Path(parley.report.__file__).with_name("static")
    for module in ("dashboard", "charts", "dom", "people", "filters"):
        assert f'modules["{module}"] = ' in hostile_html
    assert (static / "dashboard.css").read_text(encoding="utf-8") in hostile_html
    assert "async function renderDashboard(container, result" in hostile_html
