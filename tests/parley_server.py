"""Real `parley serve` and `parley worker` processes (each in its own process group), for
end-to-end tests."""

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
from typing import Self

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


class ParleyProcess:
    """A `parley ...` command in a process group of its own, logging to a file."""

    def __init__(self, redis_url: str | None, env: dict[str, str] | None = None) -> None:
        base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KV_URL")}
        self.env = {**base, **FAST, **(env or {})}
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self._dir = tempfile.TemporaryDirectory(prefix="parley-process-")
        self.log_path = Path(self._dir.name) / "process.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def spawn(self, *args: str) -> None:
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "parley", *args],
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
                cwd=self._dir.name,  # no stray .env is read
            )

    def exited(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def wait(self, seconds: float) -> int:
        assert self._proc is not None
        return self._proc.wait(seconds)

    def send(self, sig: signal.Signals) -> None:
        """Signal the process itself (not its group): what a supervisor or the kernel does."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(sig)

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Signal the whole process group: the process, its workers, their analyses."""
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, sig)
            self._proc.wait(15)

    def stop(self) -> None:
        if self._proc is None:
            return
        self.kill(signal.SIGTERM)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)  # anything left behind
        self._proc = None

    def log(self) -> str:
        return self.log_path.read_text()[-3000:] if self.log_path.exists() else ""

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ParleyServer(ParleyProcess):
    def __init__(
        self,
        redis_url: str | None,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        mode: str | None = None,
    ) -> None:
        super().__init__(redis_url, env)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.mode = mode

    def start(self) -> None:
        args = ["serve", "--port", str(self.port), "--workers", str(self.workers)]
        self.spawn(*args, *(["--mode", self.mode] if self.mode else []))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.exited() is not None:
                raise RuntimeError(f"parley serve exited: {self.log()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"parley serve did not become healthy: {self.log()}")


class ParleyWorker(ParleyProcess):
    """A `parley worker`; `started()` waits for its worker_started line."""

    def __init__(self, redis_url: str, *args: str, env: dict[str, str] | None = None) -> None:
        # Its log lines at info: the tests read who ran what.
        super().__init__(redis_url, {"PARLEY_LOG_LEVEL": "info", **(env or {})})
        self.args = args

    def start(self) -> None:
        self.spawn("worker", *self.args)
        deadline = time.monotonic() + 60
        while '"worker_started"' not in self.log():
            if self.exited() is not None:
                raise RuntimeError(f"parley worker exited: {self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"parley worker did not start: {self.log()}")
            time.sleep(0.05)

    def full_log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


@contextlib.contextmanager
def running_parley(
    redis_url: str | None, *, count: int = 1, workers: int = 1, mode: str | None = None, **env: str
) -> Iterator[list[ParleyServer]]:
    servers = [ParleyServer(redis_url, workers=workers, env=env, mode=mode) for _ in range(count)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.close()


@contextlib.contextmanager
def running_workers(
    redis_url: str, count: int = 1, *args: str, **env: str
) -> Iterator[list[ParleyWorker]]:
    workers = [ParleyWorker(redis_url, *args, env=env) for _ in range(count)]
    try:
        for worker in workers:
            worker.start()
        yield workers
    finally:
        for worker in workers:
            worker.close()
