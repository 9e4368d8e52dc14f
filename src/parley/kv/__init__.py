"""The store layer: an async key-value interface, its memory and Redis backends, the codec.

Its names load on first use (see `parley._lazy`): the codec alone imports no Redis client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley._lazy import exports

if TYPE_CHECKING:
    from parley.kv._base import KV, PendingEntry, ServerInfo, StreamEntry, StreamInfo
    from parley.kv._codec import GZIP_MAGIC, decode, encode
    from parley.kv._fanout import Gap, Listener
    from parley.kv._memory import MemoryKV
    from parley.kv._metering import CommandCounts, Meter, current_meter, metered
    from parley.kv._open import PROBE_DEADLINE_SECONDS, StoreChoice, describe_store, open_kv
    from parley.kv._redis import RedisKV
    from parley.kv._target import RedisTarget, TlsFiles

_WHERE = {
    **dict.fromkeys(("KV", "PendingEntry", "ServerInfo", "StreamEntry", "StreamInfo"), "_base"),
    **dict.fromkeys(("GZIP_MAGIC", "decode", "encode"), "_codec"),
    **dict.fromkeys(("Gap", "Listener"), "_fanout"),
    "MemoryKV": "_memory",
    **dict.fromkeys(("CommandCounts", "Meter", "current_meter", "metered"), "_metering"),
    **dict.fromkeys(
        ("PROBE_DEADLINE_SECONDS", "StoreChoice", "describe_store", "open_kv"), "_open"
    ),
    "RedisKV": "_redis",
    **dict.fromkeys(("RedisTarget", "TlsFiles"), "_target"),
}

__all__ = [
    "GZIP_MAGIC",
    "KV",
    "PROBE_DEADLINE_SECONDS",
    "CommandCounts",
    "Gap",
    "Listener",
    "MemoryKV",
    "Meter",
    "PendingEntry",
    "RedisKV",
    "RedisTarget",
    "ServerInfo",
    "StoreChoice",
    "StreamEntry",
    "StreamInfo",
    "TlsFiles",
    "current_meter",
    "decode",
    "describe_store",
    "encode",
    "metered",
    "open_kv",
]

__getattr__ = exports(__name__, {name: f"{__name__}.{module}" for name, module in _WHERE.items()})
