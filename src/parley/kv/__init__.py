"""The store layer: an async key-value interface, its memory and Redis backends, the codec."""

from __future__ import annotations

from parley.kv._base import KV, PendingEntry, ServerInfo, StreamEntry, StreamInfo
from parley.kv._codec import GZIP_MAGIC, decode, encode
from parley.kv._memory import MemoryKV
from parley.kv._open import PROBE_DEADLINE_SECONDS, StoreChoice, describe_store, open_kv
from parley.kv._redis import RedisKV, RedisTarget

__all__ = [
    "GZIP_MAGIC",
    "KV",
    "PROBE_DEADLINE_SECONDS",
    "MemoryKV",
    "PendingEntry",
    "RedisKV",
    "RedisTarget",
    "ServerInfo",
    "StoreChoice",
    "StreamEntry",
    "StreamInfo",
    "decode",
    "describe_store",
    "encode",
    "open_kv",
]
