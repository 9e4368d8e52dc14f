"""The self-contained HTML report: the page's dashboard, saved offline.

The report draws itself with the very modules the page uses (`dashboard.js`, `charts.js`,
`dom.js`, joined by `_bundle`) and the same stylesheet, from the result embedded as a
JSON data block whose `<`, `>` and `&` are written as \\u escapes, so no message can
close the <script> element. The dashboard builds DOM from text nodes only: no user text
is ever parsed as HTML. The page loads nothing: a Content-Security-Policy forbids every
network request.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from html import escape
from typing import Any

from parley.report._assets import plotly_js_gzip_base64, static_text
from parley.report._bundle import bundle
from parley.report._csv import activity_csv, people_csv

__all__ = ["render_html"]

_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:"
)


@cache
def _script() -> str:
    """The report's code: report.js and the dashboard modules it imports, as one script."""
    code = bundle("report", lambda name: static_text(f"{name}.js"))
    return code.replace("</script", "<\\/script")


@cache
def _style() -> str:
    return static_text("dashboard.css") + static_text("report.css")


def _json_for_script(result: dict[str, Any]) -> str:
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _data_block(block_id: str, text: str) -> str:
    """`text` (a CSV) base64-encoded in a data block: no byte of it can close the block."""
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f'<script type="text/csv;base64" id="{block_id}">{data}</script>'


def render_html(result: dict[str, Any], *, title: str | None = None) -> str:
    """The report for an `analyze` result, as one HTML document that needs no network."""
    heading = escape(title or result.get("title") or "Conversation report", quote=True)
    tables = _data_block("csv-people", people_csv(result)) + _data_block(
        "csv-activity", activity_csv(result)
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{heading} · parley</title>
<style>{_style()}</style>
</head>
<body>
<header class="wrap report-head"><h1>{heading}</h1><p id="report-sub" class="muted"></p>
<p class="report-downloads" hidden>Download the figures:
<button type="button" id="dl-json">JSON</button>
<button type="button" id="dl-people-csv">People (CSV)</button>
<button type="button" id="dl-activity-csv">Activity (CSV)</button></p></header>
<main class="wrap">
<p id="report-note" class="note" hidden></p>
<noscript><p class="note">This report draws itself with JavaScript, offline: allow scripts
for this file to see it. The data it draws from is the JSON block in its source.</p></noscript>
<div id="dashboard" class="grid"></div>
</main>
<script type="application/json" id="parley-result">{_json_for_script(result)}</script>
{tables}
<script type="application/gzip+base64" id="plotly-js">{plotly_js_gzip_base64()}</script>
<script>{_script()}</script>
</body>
</html>
"""
