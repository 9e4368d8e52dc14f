from __future__ import annotations

import base64
import gzip
import json
import re
from html.parser import HTMLParser

import pytest
from bench._gen import messages

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
    assert len(scripts) == 3  # the data, plotly.js and the report's own code, all inline
    assert "default-src 'none'" in hostile_html  # the CSP forbids requests outright


def test_report_escapes_hostile_speaker_names_and_messages(hostile_html: str) -> None:
    assert HOSTILE not in hostile_html
    assert "<img src=x" not in hostile_html
    assert "<i>Team</i>" not in hostile_html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in hostile_html
    assert "&lt;i&gt;Team&lt;/i&gt;" in hostile_html


def test_embedded_data_is_the_full_result_and_cannot_close_its_script(hostile_html: str) -> None:
    parser = _Tags()
    parser.feed(hostile_html)
    data = json.loads(parser.data)
    assert data["schemaVersion"] == 1
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


def test_report_of_an_untimed_transcript_renders() -> None:
    result = analyze(Conversation("transcript", [Message("Ann", "hi"), Message("Bob", "yo")]))
    html = render_html(result)
    assert "Not available: the messages have no timestamps." in html


def test_report_of_a_meeting_shows_talk_time_with_clock_offsets() -> None:
    cues = [
        Message("Ann", "shall we start?", start=0.0, end=70.0),
        Message("Bob", "yes", start=75.0, end=80.0),
    ]
    html = render_html(analyze(Conversation("vtt", cues)))
    assert "<h2>Talk time</h2>" in html
    assert "0:01:10" in html  # the silence from Ann's end, as h:mm:ss into the recording
