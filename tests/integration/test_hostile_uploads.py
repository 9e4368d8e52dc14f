"""Hostile and malformed uploads, in every execution mode: each refusal is a 4xx of the
POST itself, with a sentence that says what and where, and no job is created for it."""

from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from parley.settings import ExecutionMode, Settings
from tests.apps import app_client, service_of
from tests.conftest import backend_url

ROOT = Path(__file__).parent.parent.parent
WHATSAPP = "12/01/2024, 09:00 - Ana: good morning\n12/01/2024, 09:01 - Ben: morning!\n"
EXPANDED_LIMIT = 1024 * 1024

# Queue mode needs a shared store; the others run on the in-process one.
MODES = [
    pytest.param(ExecutionMode.BACKGROUND, id="background"),
    pytest.param(ExecutionMode.INLINE, id="inline"),
    pytest.param(ExecutionMode.QUEUE, id="queue"),
]


@contextlib.asynccontextmanager
async def serving(
    request: pytest.FixtureRequest, mode: ExecutionMode
) -> AsyncIterator[httpx.AsyncClient]:
    url = backend_url(request, "redis" if mode is ExecutionMode.QUEUE else "memory")
    settings = Settings(
        redis_url=url,
        redis_url_source="REDIS_URL" if url else None,
        ttl_seconds=60,
        execution_mode=mode,
        analysis_processes=0,
        max_expanded_bytes=EXPANDED_LIMIT,
    )
    async with app_client(settings) as client:
        yield client
    if url:
        backend_url(request, "redis")  # flushed: nothing left behind


@pytest.fixture(params=MODES)
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """A parley app in each execution mode (queue mode with no worker: nothing runs)."""
    async with serving(request, request.param) as client:
        yield client


@pytest.fixture(params=MODES[:2])
async def running(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """A parley app that runs its jobs (background, inline), for `?wait=true`."""
    async with serving(request, request.param) as client:
        yield client


async def stored_keys(client: httpx.AsyncClient) -> list[str]:
    return [key async for key in (await service_of(client)).kv.scan("*")]


def zipped(name: str, size: int, fill: bytes = b"\0") -> bytes:
    """A zip of one member of `size` bytes of `fill`: a few KB that expand to `size`."""
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        chunk = fill * (64 * 1024)
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return buf.getvalue()


async def test_a_zip_that_would_expand_past_the_limit_is_a_413_and_creates_no_job(
    client: httpx.AsyncClient,
) -> None:
    bomb = zipped("WhatsApp Chat with Ana.txt", 4 * EXPANDED_LIMIT)
    assert len(bomb) < EXPANDED_LIMIT // 10

    response = await client.post("/api/analyze", files={"file": ("chat.zip", bomb)})

    assert response.status_code == 413, response.text
    body = response.json()
    assert body["code"] == "too_large"
    assert body["error"] == (
        f"the zip expands to {4 * EXPANDED_LIMIT} bytes, over the {EXPANDED_LIMIT}-byte "
        "limit; export the chat without media"
    )
    assert body["details"] == {"limit": EXPANDED_LIMIT}
    assert "jobId" not in body
    assert await stored_keys(client) == []


async def test_a_zip_within_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with Ana.txt", WHATSAPP)

    response = await client.post("/api/analyze", files={"file": ("chat.zip", buf.getvalue())})

    assert response.status_code in (200, 202), response.text


async def test_an_input_no_format_reads_is_a_400_and_creates_no_job(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/analyze", json={"content": "0"})

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "input_error"
    assert "no known format matches" in response.json()["error"]
    assert await stored_keys(client) == []


async def test_a_nul_inside_utf8_text_is_refused_naming_its_line_and_creates_no_job(
    client: httpx.AsyncClient,
) -> None:
    # A NUL in the second line's date header would silently merge it into the first.
    damaged = "12/01/2024, 09:00 - Ana: hi\n12/01/2024,\0 09:01 - Ben: hello\n"

    response = await client.post("/api/analyze", json={"content": damaged})

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert "NUL character" in error
    assert "column 12 (line 2)" in error
    assert await stored_keys(client) == []


async def test_a_nul_refused_with_an_explicit_format_names_the_format_and_line(
    client: httpx.AsyncClient,
) -> None:
    damaged = "12/01/2024, 09:00 - Ana: hi\n12/01/2024,\0 09:01 - Ben: hello\n"

    response = await client.post("/api/analyze", json={"content": damaged, "format": "whatsapp"})

    assert response.status_code == 400, response.text
    assert response.json()["details"] == {"format": "whatsapp", "line": 2}


async def test_malformed_json_of_a_json_format_is_a_400_naming_the_line(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/analyze", json={"content": '{"name": "x",\n "messages": [}', "format": "telegram"}
    )

    assert response.status_code == 400, response.text
    assert response.json()["details"] == {"format": "telegram", "line": 2}
    assert await stored_keys(client) == []


@pytest.mark.parametrize(
    "messages",
    [
        [{"speaker": "Ana", "text": "hi"}, {"speaker": "Ben", "text": "hello"}],
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
        [{"role": "user", "name": "Ana", "content": [{"type": "text", "text": "hi"}]}],
    ],
    ids=["speaker-text", "role-content", "named-parts"],
)
async def test_every_documented_message_shape_is_analysed(
    running: httpx.AsyncClient, messages: list[dict[str, Any]]
) -> None:
    response = await running.post("/api/analyze?wait=true", json={"messages": messages})

    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["summary"]["numbers"]["messages"] == len(messages)


def _readme_json_examples() -> list[dict[str, Any]]:
    """The request bodies the README shows for POST /api/analyze, as it shows them."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```json analyze\n(.*?)```", text, re.DOTALL)
    return [json.loads(block) for block in blocks]


def test_the_readme_shows_request_examples() -> None:
    assert len(_readme_json_examples()) >= 2


@pytest.mark.parametrize("index", range(2))
async def test_the_readmes_request_examples_are_accepted(
    running: httpx.AsyncClient, index: int
) -> None:
    body = _readme_json_examples()[index]

    response = await running.post("/api/analyze?wait=true", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed"
