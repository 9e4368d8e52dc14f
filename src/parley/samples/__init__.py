"""The sample export shipped with parley, for `parley analyze --sample` and the page's
"try a sample": a WhatsApp group of four friends over three weeks (one member an unsaved
phone number, as in real exports). `scripts/make_sample.py` writes it, from a fixed seed."""

from __future__ import annotations

from importlib import resources

__all__ = ["SAMPLE_NAME", "sample_bytes"]

SAMPLE_NAME = "WhatsApp Chat with Weekend trip.txt"


def sample_bytes() -> bytes:
    """The sample export, as the app writes it."""
    return resources.files(__name__).joinpath(SAMPLE_NAME).read_bytes()
