"""`parley serve --workers N` hands its workers a listener that asyncio knows is TCP."""

from __future__ import annotations

import socket

import pytest

from parley.cli.serve import _loopback, _TCPConfig


def test_the_shared_listener_says_ipproto_tcp_so_connections_get_tcp_nodelay() -> None:
    # asyncio sets TCP_NODELAY on accepted sockets only when proto == IPPROTO_TCP;
    # uvicorn's own bind_socket leaves it 0 (uvicorn#3149): ~40 ms per keep-alive request.
    config = _TCPConfig("parley.api.asgi:app", host="127.0.0.1", port=0, workers=2)
    sock = config.bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.get_inheritable()
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("parley.example", False),  # a name may resolve to anything
    ],
)
def test_only_loopback_addresses_count_as_private(host: str, loopback: bool) -> None:
    assert _loopback(host) is loopback
