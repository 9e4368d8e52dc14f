"""The charting library's JavaScript, read from the installed plotly package.

Only plotly's bundled `package_data/plotly.min.js` is used; plotly's Python side is
never imported (it is slow to import and not needed to draw from JSON).
"""

from __future__ import annotations

import base64
import gzip
import importlib.util
from functools import cache
from pathlib import Path

from parley.errors import ConfigError

__all__ = ["plotly_js", "plotly_js_gzip_base64", "plotly_js_path", "static_text"]

_STATIC = Path(__file__).with_name("static")


def plotly_js_path() -> Path:
    """Where the installed plotly keeps plotly.min.js (the web dashboard can serve it)."""
    spec = importlib.util.find_spec("plotly")
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise ConfigError(
            "the plotly package is not installed; the HTML report needs it: pip install plotly"
        )
    path = Path(next(iter(locations))) / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise ConfigError(f"plotly is installed but has no {path.name}; reinstall plotly")
    return path


@cache
def plotly_js() -> str:
    """plotly.min.js, made safe to inline in a <script> element."""
    js = plotly_js_path().read_text(encoding="utf-8")
    return js.replace("</script", "<\\/script")


@cache
def plotly_js_gzip_base64() -> str:
    """plotly.min.js gzipped and base64-encoded: 2.0 MB in the page instead of 4.8 MB.

    The page inflates it with the browser's DecompressionStream (every current browser).
    """
    raw = plotly_js_path().read_bytes()
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def static_text(name: str) -> str:
    """A file shipped beside this module in static/ (the report's own CSS and JS)."""
    return (_STATIC / name).read_text(encoding="utf-8")
