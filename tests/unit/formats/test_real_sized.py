"""Every format at the size of a real export: the same 10,000-message chat written in each
format's layout (bench/_formats.py) reads back message for message, and analyses alike."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from bench._formats import FORMATS
from bench._gen import messages

from parley.analysis import analyze
from parley.analysis.formats import parse
from parley.analysis.model import Conversation, Message, MessageKind

SIZE = 10_000


@cache
def chat() -> tuple[Message, ...]:
    return tuple(messages(SIZE, speakers=8, seed=5))


@cache
def read(name: str) -> Conversation:
    written = FORMATS[name]
    return parse(written.write(list(chat())).encode(), filename=written.filename)


@cache
def analysed(name: str) -> dict[str, Any]:
    return analyze(read(name))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_real_sized_export_reads_back_message_for_message(name: str) -> None:
    written = FORMATS[name]
    conversation = read(name)
    assert conversation.format == name
    assert len(conversation.messages) == SIZE
    for sent, got in zip(chat(), conversation.messages, strict=True):
        assert sent.timestamp is not None
        assert got.timestamp is not None
        when = sent.timestamp.replace(microsecond=0)
        if written.precision == 60:
            when = when.replace(second=0)
        assert got.timestamp.replace(tzinfo=None) == when
        assert got.speaker == written.speaker(sent.speaker or "")
        assert got.kind is sent.kind
        if sent.kind is MessageKind.TEXT:
            assert got.text == sent.text


@pytest.mark.parametrize("name", sorted(set(FORMATS) - {"whatsapp"}))
def test_a_real_sized_export_analyses_as_the_same_chat_from_whatsapp_does(name: str) -> None:
    mine, whatsapp = analysed(name), analysed("whatsapp")
    rename = {FORMATS[name].speaker(s): s for s in {m.speaker or "" for m in chat()}}

    def people(result: dict[str, Any], names: dict[str, str]) -> dict[str, tuple[int, ...]]:
        return {
            names.get(p["speaker"], p["speaker"]): (p["messages"], p["words"], p["media"])
            for p in result["participation"]["speakers"]
        }

    assert people(mine, rename) == people(whatsapp, {})
    assert mine["summary"]["numbers"]["words"] == whatsapp["summary"]["numbers"]["words"]
    assert mine["keywords"]["tokens"] == whatsapp["keywords"]["tokens"]
    assert mine["activity"]["byDate"] == whatsapp["activity"]["byDate"]
    assert mine["content"]["emoji"] == whatsapp["content"]["emoji"]
