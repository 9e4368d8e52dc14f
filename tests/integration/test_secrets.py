"""A Redis password never reaches an HTTP body or a log line, whatever the URL's shape,
when the store it names cannot be reached (where messages quote the target most)."""

from __future__ import annotations

import pytest

from parley.settings import ExecutionMode, Settings
from tests.apps import app_client
from tests.redis_server import free_port

SECRETS = ("Zq9/x?y#w@v", "Zq9secret", "Zq9%2Fsecret", "Zq9/")
URLS = [
    "redis://:Zq9%2Fx%3Fy%23w%40v@127.0.0.1:{port}/0",  # reserved characters, encoded
    "redis://127.0.0.1:{port}/0?password=Zq9secret",  # redis-py reads ?password=
    "redis://127.0.0.1:{port}/0?username=me&password=Zq9secret",
    "redis://user:Zq9%2Fsecret@127.0.0.1:{port}",
    "redis://:Zq9%2Fsecret@[::1]:{port}/0",  # an IPv6 host
    "rediss://default:Zq9secret@localhost:{port}",  # TLS
]


@pytest.mark.parametrize("url", URLS)
async def test_no_http_body_or_log_line_shows_the_redis_password(
    url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        redis_url=url.format(port=free_port()),
        redis_url_source="REDIS_URL",
        redis_timeout_seconds=0.5,
        redis_retries=0,
        execution_mode=ExecutionMode.INLINE,
        analysis_processes=0,
    )
    bodies = []
    async with app_client(settings) as client:
        for method, path, body in (
            ("GET", "/api/health", None),
            ("GET", "/api/stats", None),
            ("GET", "/api/progress/team-chat", None),
            ("POST", "/api/analyze", {"content": "12/01/2024, 09:00 - Ana: hi\n"}),
        ):
            response = await client.request(method, path, json=body)
            assert response.status_code == 503, response.text
            bodies.append(response.text)
    output = "\n".join(bodies) + capfd.readouterr().err
    assert "unreachable" in output or "did not answer" in output
    assert "request_failed" in output  # the log lines were captured too
    for secret in SECRETS:
        assert secret not in output, output
