"""The HTTP edge: a FastAPI app whose every answer comes from the shared store."""

from __future__ import annotations

from parley.api.app import create_app

__all__ = ["create_app"]
