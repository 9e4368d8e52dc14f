"""A private Redis Cluster of three primaries on free ports: real `redis-server
--cluster-enabled yes` processes joined by `redis-cli --cluster create` (no Docker)."""

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

from tests.redis_server import RedisServer


def _free_cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


class RedisCluster:
    """Three primaries, no replicas; `url` names the first node (any node would do)."""

    def __init__(self, primaries: int = 3) -> None:
        cli = shutil.which("redis-cli")
        if cli is None:
            raise RuntimeError("redis-cli is not installed; scripts/test installs redis-server")
        self._cli = cli
        self._dir = tempfile.TemporaryDirectory(prefix="parley-cluster-")
        self.nodes: list[RedisServer] = []
        for i in range(primaries):
            node_dir = Path(self._dir.name) / str(i)
            node_dir.mkdir()
            server = RedisServer(
                port=_free_cluster_port(),
                args=(
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", str(node_dir / "nodes.conf"),
                    "--cluster-node-timeout", "2000",
                ),
            )  # fmt: skip
            self.nodes.append(server)

    @property
    def url(self) -> str:
        return self.nodes[0].url

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        subprocess.run(
            [self._cli, "--cluster", "create", *addresses, "--cluster-replicas", "0",
             "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not self._ready():
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster did not reach cluster_state:ok in 30 s")
            time.sleep(0.1)

    def _ready(self) -> bool:
        for node in self.nodes:
            with contextlib.closing(node.client()) as client:
                if client.cluster("info").get("cluster_state") != "ok":
                    return False
        return True

    def flushall(self) -> None:
        for node in self.nodes:
            with (
                contextlib.closing(node.client()) as client,
                contextlib.suppress(
                    redis.ResponseError  # a replica refuses writes
                ),
            ):
                client.flushall()

    def close(self) -> None:
        for node in self.nodes:
            node.close()
        self._dir.cleanup()


@contextlib.contextmanager
def running_cluster(primaries: int = 3) -> Iterator[RedisCluster]:
    cluster = RedisCluster(primaries)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()
