"""Vercel's entrypoint: Vercel serves the ASGI `app` found in a root `app.py`.

On Vercel (VERCEL is set) parley runs each analysis inline, inside the request that
starts it, in a thread; polls from other instances read its progress from Redis.
"""

import sys
from pathlib import Path

try:
    from parley.api.asgi import app
except ModuleNotFoundError:  # dependencies installed, the project itself not: use src/
    sys.path.insert(0, str(Path(__file__).parent / "src"))
    from parley.api.asgi import app

__all__ = ["app"]
