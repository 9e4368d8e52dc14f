"""redis-py's clients, counting every command they send in a `CommandCounts`.

Every command of redis-py's clients goes through `execute_command`, whatever helper
sent it (a script's EVALSHA, and its SCRIPT LOAD after a restart; each page of a SCAN):
counting there counts what parley sends. A cluster client sends some commands to every
primary (INFO, the first page of a SCAN): those count once per node, as billed.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from parley.kv._metering import CommandCounts

__all__ = ["CountedCluster", "CountedRedis", "command_name"]


def command_name(args: tuple[Any, ...], scripts: dict[str, str]) -> str:
    """`GET`, `XGROUP DELCONSUMER`, or `EVALSHA <script>` for parley's own scripts."""
    first = args[0]
    name = (first.decode() if isinstance(first, bytes) else str(first)).upper()
    if name == "EVALSHA" and len(args) > 1:
        sha = args[1].decode() if isinstance(args[1], bytes) else str(args[1])
        return f"EVALSHA {scripts.get(sha, 'unknown')}"
    return name


class CountedRedis(aioredis.Redis):
    """One server's client; `counts` and `scripts` are set right after it is built."""

    counts: CommandCounts
    scripts: dict[str, str]  # sha1 -> script name

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.counts.add(command_name(args, self.scripts))
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]


class CountedCluster(RedisCluster):
    """A Redis Cluster's client; `counts` and `scripts` are set right after it is built."""

    counts: CommandCounts
    scripts: dict[str, str]

    def _width(self, name: str, target: Any) -> int:
        flag = target if target is not None else self.command_flags.get(name)
        if flag == RedisCluster.PRIMARIES:
            return max(1, len(self.get_primaries()))
        if flag == RedisCluster.ALL_NODES:
            return max(1, len(self.get_nodes()))
        if isinstance(flag, list | tuple | dict):
            return max(1, len(flag))
        return 1

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        name = command_name(args, self.scripts)
        self.counts.add(name, self._width(name, kwargs.get("target_nodes")))
        return await super().execute_command(*args, **kwargs)
