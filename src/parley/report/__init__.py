"""The self-contained HTML report of an analysis result, charts by plotly.js, offline."""

from __future__ import annotations

from parley.report._assets import plotly_js_path
from parley.report._html import render_html

__all__ = ["plotly_js_path", "render_html"]
