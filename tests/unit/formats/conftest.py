"""Shared helpers: the fixture folder and a one-call parse of a fixture file."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.analysis.formats import parse_path
from parley.analysis.model import Conversation

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "formats"


def fixture_path(name: str) -> Path:
    return FIXTURES / name


def parse_fixture(name: str, *, format: str | None = None) -> Conversation:
    return parse_path(FIXTURES / name, format=format)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
