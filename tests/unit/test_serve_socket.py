"""`parley serve --workers N` hands its workers a listener that asyncio knows is TCP."""

from __future__ import annotations

import socket

from parley.cli.serve import _TCPConfig


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
