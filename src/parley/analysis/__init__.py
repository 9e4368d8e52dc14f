"""Analysis: pure functions from a parsed Conversation to a JSON-ready result."""

from __future__ import annotations

from parley.analysis.model import Conversation, Message, MessageKind, ProgressCallback
from parley.analysis.pipeline import SCHEMA_VERSION, analyze

__all__ = [
    "SCHEMA_VERSION",
    "Conversation",
    "Message",
    "MessageKind",
    "ProgressCallback",
    "analyze",
]
