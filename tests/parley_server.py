"""A real `parley serve` process (its own process group), for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.redis_server import free_port

# Short heartbeats and stale limit so crash tests finish in seconds. A stopped Redis
# refuses connections at once; the timeout only bounds a loaded machine's slow answers.
FAST = {
    "PARLEY_HEARTBEAT_SECONDS": "0.5",
    "PARLEY_STALE_SECONDS": "2",
    "PARLEY_PROGRESS_INTERVAL_SECONDS": "0.2",
    "PARLEY_REDIS_TIMEOUT_SECONDS": "3",
    "PARLEY_REDIS_RETRIES": "1",
    "PARLEY_ANALYSIS_PROCESSES": "1",
    "PARLEY_LOG_LEVEL": "warning",
}


class ParleyServer:
    def __init__(
        self, redis_url: str | None, *, workers: int = 1, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KV_URL")}
        self.env = {**base, **FAST, **(env or {})}
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.workers = workers
        self._dir = tempfile.TemporaryDirectory(prefix="parley-server-")
        self.log_path = Path(self._dir.name) / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "parley", "serve", "--port", str(self.port),
               "--workers", str(self.workers)]  # fmt: skip
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                cmd,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
                cwd=self._dir.name,  # no stray .env is read
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"parley serve exited: {self.log()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"parley serve did not become healthy: {self.log()}")

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Signal the whole process group: the server, its workers, their pools."""
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, sig)
            self._proc.wait(15)

    def stop(self) -> None:
        if self._proc is None:
            return
        self.kill(signal.SIGTERM)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)  # pool processes left behind
        self._proc = None

    def log(self) -> str:
        return self.log_path.read_text()[-3000:] if self.log_path.exists() else ""

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()


@contextlib.contextmanager
def running_parley(
    redis_url: str | None, *, count: int = 1, workers: int = 1, **env: str
) -> Iterator[list[ParleyServer]]:
    servers = [ParleyServer(redis_url, workers=workers, env=env) for _ in range(count)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.close()
