"""A private redis-server on a free port, for tests that need their own (or to stop one)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RedisServer:
    """Starts `redis-server` with no persistence; `stop()` kills it, `start()` again."""

    def __init__(
        self, *, password: str | None = None, args: tuple[str, ...] = (), port: int | None = None
    ) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed; scripts/test installs it")
        self.binary = binary
        self.port = port or free_port()
        self.password = password
        self.args = args
        self._dir = tempfile.TemporaryDirectory(prefix="parley-redis-")
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, password=self.password, socket_timeout=5)

    def _listen(self) -> list[str]:
        """Where the server listens (a TLS server: elsewhere, and how)."""
        return ["--port", str(self.port), "--bind", "127.0.0.1"]

    def _probe(self) -> redis.Redis:
        """The client whose PING says the server is ready."""
        return self.client()

    def start(self) -> None:
        cmd = [
            self.binary,
            *self._listen(),
            "--save", "",
            "--appendonly", "no",
            "--dir", self._dir.name,
            "--logfile", str(Path(self._dir.name) / "redis.log"),
        ]  # fmt: skip
        if self.password:
            cmd += ["--requirepass", self.password]
        self._proc = subprocess.Popen([*cmd, *self.args], stdout=subprocess.DEVNULL)
        # Generous: a busy machine may take seconds to start a process.
        deadline = time.monotonic() + 30
        while True:
            try:
                with contextlib.closing(self._probe()) as c:
                    c.ping()
                return
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                code = self._proc.poll()
                if code is not None or time.monotonic() > deadline:
                    self.stop()
                    why = "within 30 s" if code is None else f"(it exited with {code})"
                    raise RuntimeError(
                        f"redis-server on port {self.port} did not answer a PING {why}; "
                        f"last error {type(exc).__name__}: {exc}; its log: {self.log()}"
                    ) from None
                time.sleep(0.02)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(10)
        self._proc = None

    def log(self) -> str:
        path = Path(self._dir.name) / "redis.log"
        return path.read_text()[-2000:] if path.exists() else ""

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()


@contextlib.contextmanager
def running_redis(
    *, password: str | None = None, args: tuple[str, ...] = ()
) -> Iterator[RedisServer]:
    server = RedisServer(password=password, args=args)
    try:
        server.start()
        yield server
    finally:
        server.close()
