from __future__ import annotations

import importlib.util
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

from parley.analysis.model import Conversation, Message, MessageKind

T0 = datetime(2024, 3, 4, 9, 0)  # a Monday


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def chat(*rows: tuple[str | None, str, float | None]) -> Conversation:
    """(speaker, text, minutes after T0 or None); speaker None makes a system message."""
    return Conversation(
        format="test",
        messages=[
            Message(
                speaker=s,
                text=text,
                timestamp=at(minutes) if minutes is not None else None,
                kind=MessageKind.SYSTEM if s is None else MessageKind.TEXT,
            )
            for s, text, minutes in rows
        ],
    )


def load_generator() -> ModuleType:
    """bench/_gen.py, the synthetic chat the benchmark uses."""
    path = Path(__file__).resolve().parents[3] / "bench" / "_gen.py"
    spec = importlib.util.spec_from_file_location("parley_bench_gen", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
