"""The formats package exports exactly its documented interface."""

from __future__ import annotations

import inspect

import parley.analysis.formats as formats


def test_public_names_are_exactly_the_documented_interface() -> None:
    assert formats.__all__ == ["FORMAT_NAMES", "check", "parse", "parse_path"]


def test_format_names_list_every_required_format_once() -> None:
    required = {
        "whatsapp", "telegram", "slack", "discord", "chatgpt", "messages",
        "instagram", "signal", "vtt", "srt", "transcript", "csv", "imessage", "line",
        "googlechat", "teams", "messenger",
    }  # fmt: skip
    assert set(formats.FORMAT_NAMES) == required
    assert len(formats.FORMAT_NAMES) == len(required)


def test_parse_signatures_take_format_and_filename_by_keyword() -> None:
    params = inspect.signature(formats.parse).parameters
    assert [p for p in params if params[p].kind is inspect.Parameter.KEYWORD_ONLY] == [
        "filename",
        "format",
    ]
    path_params = inspect.signature(formats.parse_path).parameters
    assert path_params["format"].kind is inspect.Parameter.KEYWORD_ONLY
