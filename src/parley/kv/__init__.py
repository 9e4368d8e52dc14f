"""The store layer: an async key-value interface, its memory and Redis backends, the codec."""

from __future__ import annotations

from parley.kv._base import KV, ServerInfo
from parley.kv._codec import decode, encode
from parley.kv._memory import MemoryKV
from parley.kv._open import PROBE_DEADLINE_SECONDS, open_kv
from parley.kv._redis import RedisKV, RedisTarget

__all__ = [
    "KV",
    "PROBE_DEADLINE_SECONDS",
    "MemoryKV",
    "RedisKV",
    "RedisTarget",
    "ServerInfo",
    "decode",
    "encode",
    "open_kv",
]
