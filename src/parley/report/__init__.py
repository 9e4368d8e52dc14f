"""Views of an analysis result: the dashboard (its modules and stylesheet, which the page
loads), the self-contained HTML report (the same dashboard, offline), and the figures as
CSV."""

from __future__ import annotations

from parley.report._assets import plotly_js_path
from parley.report._csv import activity_csv, people_csv
from parley.report._html import render_html

__all__ = ["activity_csv", "people_csv", "plotly_js_path", "render_html"]
