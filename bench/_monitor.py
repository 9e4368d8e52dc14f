"""Counting the commands clients send to a redis-server (MONITOR), as a provider bills
them: top-level commands only (a script is one EVALSHA, whatever it runs inside)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter

import redis
from tests.redis_server import RedisServer

__all__ = ["Monitor"]


class Monitor:
    """Counts the commands clients send (MONITOR), by the sending client's name
    (CLIENT SETNAME: 'parley' for web processes, 'parley-worker' for workers)."""

    def __init__(self, server: RedisServer) -> None:
        self.tally: Counter[tuple[str, str]] = Counter()
        self._server = server
        self._names: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        time.sleep(0.3)

    def _name(self, address: str) -> str:
        if address not in self._names:
            with contextlib.closing(self._server.client()) as client:
                for row in client.client_list():
                    self._names[row["addr"]] = row.get("name") or "other"
        return self._names.get(address, "other")

    def _run(self) -> None:
        # No socket timeout: a quiet minute is what the idle measurement waits through.
        client = redis.Redis(port=self._server.port, socket_timeout=None)
        with (
            contextlib.closing(client),
            client.monitor() as monitor,  # type: ignore[no-untyped-call]
            contextlib.suppress(redis.ConnectionError),  # the server stopped: so do we
        ):
            for command in monitor.listen():
                if self._stop.is_set():
                    return
                if command.get("client_type") == "lua":  # inside a script: not billed
                    continue
                address = f"{command.get('client_address')}:{command.get('client_port')}"
                name = command["command"].split(" ", 1)[0].upper()
                if name in ("CLIENT", "INFO", "MONITOR"):  # the bench's own
                    continue
                self.tally[(self._name(address), name)] += 1

    def take(self) -> Counter[tuple[str, str]]:
        time.sleep(0.3)  # let MONITOR catch up
        tally, self.tally = self.tally, Counter()
        return tally

    def close(self) -> None:
        self._stop.set()

    def commands(self) -> Counter[str]:
        """The tally since the last take, by command name alone (whoever sent it)."""
        by_name: Counter[str] = Counter()
        for (_, name), n in self.take().items():
            by_name[name] += n
        return by_name
