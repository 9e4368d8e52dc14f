"""The HTTP API's contract, in process (httpx + ASGI), on the memory and the Redis store."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from parley.api import create_app
from parley.api.schemas import ProgressResponse
from parley.api.service import Service
from parley.jobs import ErrorCode
from parley.kv import decode
from parley.kv._codec import DICTIONARY_MAGIC
from parley.settings import ExecutionMode, Settings
from tests.conftest import assert_every_key_has_ttl
from tests.redis_server import RedisServer
from tests.waiting import attempts

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"
WHATSAPP = (FIXTURES / "whatsapp_android_dmy_24h.txt").read_text()
TTL = 60

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture(params=["memory", "redis"])
async def make_client(request: pytest.FixtureRequest) -> AsyncIterator[MakeClient]:
    """Builds an app on the backend under test, with settings overridden per test."""
    url = None
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        with contextlib.closing(server.client()) as c:
            c.flushall()
        url = server.url
    opened: list[tuple[Any, httpx.AsyncClient]] = []

    async def make(**overrides: Any) -> httpx.AsyncClient:
        settings = Settings(
            redis_url=url,
            redis_url_source="REDIS_URL" if url else None,
            ttl_seconds=TTL,
            execution_mode=ExecutionMode.BACKGROUND,
            analysis_processes=0,
            heartbeat_seconds=0.2,
            stale_seconds=1.0,
        ).with_overrides(**overrides)
        app = create_app(settings)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        opened.append((app, client))
        return client

    yield make
    for app, client in opened:
        service: Service = await app.state.get_service()
        await service.driver.join()
        await assert_every_key_has_ttl(service.kv, TTL)
        if url:
            with contextlib.closing(request.getfixturevalue("redis_server").client()) as c:
                c.flushall()
        await client.aclose()
        await app.state.close_service()


@pytest.fixture
async def client(make_client: MakeClient) -> httpx.AsyncClient:
    return await make_client()


async def service_of(client: httpx.AsyncClient) -> Service:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app: Any = transport.app
    return await app.state.get_service()  # type: ignore[no-any-return]


async def wait_done(client: httpx.AsyncClient, conversation_id: str) -> dict[str, Any]:
    for _ in attempts():
        response = await client.get(f"/api/progress/{conversation_id}")
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        if body["status"] in ("completed", "failed"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the job did not finish")


async def test_an_analysis_runs_from_post_through_progress_to_result(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/analyze", json={"content": WHATSAPP})
    assert response.status_code == 202
    started = response.json()
    assert started["deduplicated"] is False
    assert started["status"] in ("running", "completed")
    assert started["links"]["result"] == f"/api/jobs/{started['jobId']}/result"

    progress = await wait_done(client, started["conversationId"])
    assert (progress["status"], progress["percent"]) == ("completed", 100)
    assert progress["jobId"] == started["jobId"]

    result = await client.get(started["links"]["result"])
    assert result.status_code == 200
    assert result.json()["hasResult"] is True
    assert result.json()["result"]["schemaVersion"] == 2

    job = (await client.get(started["links"]["job"])).json()
    assert job["hasResult"] is True
    assert job["status"] == "completed"
    assert job["progress"]["percent"] == 100
    conversation = (await client.get(started["links"]["conversation"])).json()
    assert conversation["jobId"] == started["jobId"]


async def test_a_poll_answers_the_stored_bytes_in_the_shape_of_its_schema(
    client: httpx.AsyncClient,
) -> None:
    started = (await client.post("/api/analyze", json={"content": WHATSAPP})).json()
    await wait_done(client, started["conversationId"])
    poll = await client.get(f"/api/progress/{started['conversationId']}")
    assert poll.headers["content-type"] == "application/json"
    body = poll.json()
    assert set(body) == set(ProgressResponse.model_fields)
    assert next(iter(body)) == "conversationId"
    assert ProgressResponse.model_validate(body).conversationId == started["conversationId"]
    service = await service_of(client)
    stored = await service.kv.get(f"progress:{started['conversationId']}")
    assert stored is not None
    assert poll.content.endswith(stored[1:])  # the stored value, not a re-encoded one


async def test_the_same_upload_again_gets_the_same_job(client: httpx.AsyncClient) -> None:
    first = (await client.post("/api/analyze", json={"content": WHATSAPP})).json()
    await wait_done(client, first["conversationId"])
    again = await client.post("/api/analyze", json={"content": WHATSAPP})
    assert again.status_code == 200
    assert again.json()["deduplicated"] is True
    assert again.json()["jobId"] == first["jobId"]
    assert again.json()["hasResult"] is True  # completed: its result is at links.result
    forced = await client.post("/api/analyze", json={"content": WHATSAPP, "force": True})
    assert forced.status_code == 202
    assert forced.json()["jobId"] != first["jobId"]
    await wait_done(client, first["conversationId"])


async def test_a_given_conversation_id_is_used(client: httpx.AsyncClient) -> None:
    body = {"content": WHATSAPP, "conversationId": "team:2024-q1"}
    started = (await client.post("/api/analyze", json=body)).json()
    assert started["conversationId"] == "team:2024-q1"
    assert (await wait_done(client, "team:2024-q1"))["status"] == "completed"


async def test_a_message_list_is_analysed(client: httpx.AsyncClient) -> None:
    messages = [
        {"role": "user", "content": "How do I keep jobs across workers?"},
        {"role": "assistant", "content": "Put them in a shared store, like Redis."},
        {"role": "user", "content": [{"type": "text", "text": "Thanks!"}]},
    ]
    response = await client.post("/api/analyze?wait=true", json={"messages": messages})
    assert response.status_code == 200
    body = response.json()
    assert body["hasResult"] is True
    assert body["result"]["format"] == "messages"


async def test_a_multipart_upload_is_analysed(client: httpx.AsyncClient) -> None:
    files = {"file": ("chat.txt", WHATSAPP.encode(), "text/plain")}
    response = await client.post("/api/analyze", files=files, data={"conversationId": "upload-1"})
    assert response.status_code == 202
    assert (await wait_done(client, "upload-1"))["status"] == "completed"


async def test_wait_true_runs_inline_and_returns_the_result(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/analyze?wait=true", json={"content": WHATSAPP})
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["result"]["schemaVersion"] == 2


async def test_the_inline_mode_returns_the_result_in_the_post(make_client: MakeClient) -> None:
    client = await make_client(execution_mode=ExecutionMode.INLINE)
    response = await client.post("/api/analyze", json={"content": WHATSAPP})
    assert response.status_code == 200
    assert response.json()["hasResult"] is True


async def test_a_malformed_file_is_a_400_naming_the_format_and_line(
    client: httpx.AsyncClient,
) -> None:
    body = {"content": "12/03/2024, 10:00 - Ann: hi\n", "format": "telegram"}
    response = await client.post("/api/analyze", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["hasResult"] is False
    assert error["details"]["format"] == "telegram"
    assert "telegram" in error["error"]


async def test_an_unknown_format_is_a_400_listing_the_formats_tried(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/analyze", json={"content": "\x00\x01 just bytes \x02"})
    assert response.status_code == 400
    assert "whatsapp" in response.json()["details"]["tried"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"content": "   "}, "empty"),
        ({"content": "x", "messages": []}, "exactly one"),
        ({}, "exactly one"),
        ({"content": 5}, "content"),
        ({"content": "x", "conversationId": "has space"}, "conversationId"),
        ({"content": "x", "surprise": 1}, "surprise"),
    ],
)
async def test_invalid_request_bodies_are_400_saying_what_is_wrong(
    client: httpx.AsyncClient, body: dict[str, Any], says: str
) -> None:
    response = await client.post("/api/analyze", json=body)
    assert response.status_code == 400
    assert says in response.json()["error"]


async def test_a_body_that_is_not_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/analyze", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_an_unsupported_content_type_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/analyze", content=b"hello", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 400
    assert "multipart/form-data" in response.json()["error"]


async def test_an_upload_over_the_limit_is_a_413(make_client: MakeClient) -> None:
    client = await make_client(max_upload_bytes=1000)
    response = await client.post("/api/analyze", json={"content": "x" * 5000})
    assert response.status_code == 413
    assert "PARLEY_MAX_UPLOAD_BYTES" in response.json()["error"]


async def test_a_chunked_upload_is_cut_off_at_the_limit(make_client: MakeClient) -> None:
    client = await make_client(max_upload_bytes=1000)
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(1000):
            sent += 100
            yield b"x" * 100

    response = await client.post(
        "/api/analyze", content=body(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert sent < 100_000  # refused long before the whole body was read


@pytest.mark.parametrize(
    "path",
    [
        "/api/progress/has%20space",
        "/api/jobs/short",
        "/api/jobs/short/result",
        "/api/conversations/semi;colon",
    ],
)
async def test_invalid_ids_are_a_400(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 400
    assert "invalid" in response.json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/progress/never-seen",
        "/api/jobs/AAAAAAAAAAAAAAAAAAAAAA",
        "/api/jobs/AAAAAAAAAAAAAAAAAAAAAA/result",
        "/api/conversations/never-seen",
    ],
)
async def test_unknown_ids_are_a_404_with_has_result_false(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json()["hasResult"] is False


async def test_a_result_not_ready_yet_is_a_202(client: httpx.AsyncClient) -> None:
    service = await service_of(client)
    job, _ = await service.store.create_or_get("waiting")
    response = await client.get(f"/api/jobs/{job.job_id}/result")
    assert response.status_code == 202
    assert response.json() == {"jobId": job.job_id, "hasResult": False, "status": "queued"}
    await service.store.erase("waiting")


async def test_a_failed_job_result_carries_its_error_code(client: httpx.AsyncClient) -> None:
    service = await service_of(client)
    job, _ = await service.store.create_or_get("failing")
    await service.store.fail(
        await service.store.start(job.job_id), ErrorCode.ANALYSIS_ERROR, "boom"
    )
    body = (await client.get(f"/api/jobs/{job.job_id}/result")).json()
    assert body["hasResult"] is False
    assert body["error"] == {"code": "analysis_error", "message": "boom"}


async def test_delete_erases_the_conversation(client: httpx.AsyncClient) -> None:
    started = (await client.post("/api/analyze", json={"content": WHATSAPP})).json()
    await wait_done(client, started["conversationId"])
    deleted = await client.delete(
        f"/api/conversations/{started['conversationId']}",
        headers={"Authorization": f"Bearer {started['ownerToken']}"},
    )
    assert deleted.json()["deletedKeys"] == 4
    assert (await client.get(started["links"]["result"])).status_code == 404
    assert (await client.get(started["links"]["progress"])).status_code == 404


async def test_health_reports_the_store_and_its_latency(client: httpx.AsyncClient) -> None:
    service = await service_of(client)
    body = (await client.get("/api/health")).json()
    assert body["status"] == "ok"
    assert body["usingKv"] is (service.kv.backend == "redis")
    assert body["backend"] == service.kv.backend
    assert body["latencyMs"] >= 0
    assert body["instance"]


async def test_stats_count_keys_and_bytes_per_family(client: httpx.AsyncClient) -> None:
    started = (await client.post("/api/analyze", json={"content": WHATSAPP})).json()
    await wait_done(client, started["conversationId"])
    stats = (await client.get("/api/stats")).json()
    assert stats["families"]["result"]["keys"] == 1
    assert stats["families"]["job"]["keys"] == 1
    assert stats["averageResultBytes"] > 0
    assert stats["server"]["usedMemory"] > 0


async def test_the_openapi_schema_documents_both_upload_kinds(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    content = schema["paths"]["/api/analyze"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}


@pytest.mark.slow
async def test_an_expired_result_is_a_404_with_has_result_false(make_client: MakeClient) -> None:
    client = await make_client(ttl_seconds=2, stale_seconds=1.0)
    started = (await client.post("/api/analyze?wait=true", json={"content": WHATSAPP})).json()
    await asyncio.sleep(2.2)
    response = await client.get(started["links"]["result"])
    assert response.status_code == 404
    assert response.json()["hasResult"] is False


async def test_the_queue_mode_on_the_in_process_store_is_refused_with_a_sentence() -> None:
    app = create_app(Settings(execution_mode=ExecutionMode.QUEUE))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/api/health")
    assert response.status_code == 503
    assert "set REDIS_URL" in response.json()["error"]


@pytest.fixture
async def queue_client(redis_server: RedisServer) -> AsyncIterator[httpx.AsyncClient]:
    """The app in queue mode on Redis, with room for two waiting jobs and no worker."""
    with contextlib.closing(redis_server.client()) as c:
        c.flushall()
    settings = Settings(
        redis_url=redis_server.url,
        redis_url_source="REDIS_URL",
        ttl_seconds=TTL,
        execution_mode=ExecutionMode.QUEUE,
        queue_max=2,
    )
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        yield client
        service = await service_of(client)
        await assert_every_key_has_ttl(service.kv, TTL)
        await app.state.close_service()
    with contextlib.closing(redis_server.client()) as c:
        c.flushall()


async def test_queue_mode_answers_202_queued_and_runs_nothing_itself(
    queue_client: httpx.AsyncClient,
) -> None:
    response = await queue_client.post("/api/analyze", json={"content": WHATSAPP})
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    await asyncio.sleep(0.3)
    job = (await queue_client.get(response.json()["links"]["job"])).json()
    assert (job["status"], job["mode"], job["attempts"]) == ("queued", "queue", 0)
    health = (await queue_client.get("/api/health")).json()
    assert health["mode"] == "queue"


async def test_a_full_queue_is_a_503_with_retry_after_and_a_sentence(
    queue_client: httpx.AsyncClient,
) -> None:
    for i in range(2):
        queued = await queue_client.post("/api/analyze", json={"content": WHATSAPP + str(i)})
        assert queued.status_code == 202
    refused = await queue_client.post("/api/analyze", json={"content": WHATSAPP + "late"})
    assert refused.status_code == 503
    assert refused.headers["retry-after"]
    assert refused.json()["code"] == "queue_full"
    assert "PARLEY_QUEUE_MAX=2" in refused.json()["error"]
    stats = (await queue_client.get("/api/stats")).json()
    assert stats["queue"]["waiting"] == 2
    assert stats["families"]["job"]["keys"] == 2  # the refused POST wrote nothing


def _readable(raw: bytes) -> bytes:
    """A stored value's JSON bytes: gzip and the results' dictionary undone."""
    if raw[:2] == b"\x1f\x8b":
        return gzip.decompress(raw)
    if raw[:2] == DICTIONARY_MAGIC:
        return json.dumps(decode(raw), ensure_ascii=False).encode()
    return raw


async def stored_values(service: Service) -> dict[str, bytes]:
    """Every value the store holds, decompressed, by key."""
    values = {}
    async for key in service.kv.scan("*"):
        raw = await service.kv.get(key)
        if raw is not None:  # a key that expired between the scan and the read
            values[key] = _readable(raw)
    return values


def _report_data(html: str) -> str:
    """The user data of a report: its JSON block and its CSVs (plotly.js left out)."""
    blocks = re.findall(r'<script type="(?:application/json|text/csv;base64)"[^>]*>([^<]*)<', html)
    titles = re.findall(r"<h1>([^<]*)</h1>|<title>([^<]*)</title>", html)
    csvs = [base64.b64decode(block).decode() for block in blocks[1:]]
    return "\n".join([blocks[0], *csvs, *(t for pair in titles for t in pair)])


PSEUDONYMISED_CHAT = (
    '12/01/2024, 09:00 - Ana Lima created group "Trip with Ben"\n'
    "12/01/2024, 09:01 - Ana Lima: hi Ben! call me on +1 555 010 9999\n"
    "12/01/2024, 09:02 - Ben: @Ana sure, Lima\n"
    "12/01/2024, 09:03 - +44 7700 900123: see you, Ben and Ana\n"
)
SECRETS = ("ana", "lima", "ben", "7700", "555 010")


async def test_a_pseudonymised_analysis_stores_and_shows_no_real_name(
    make_client: MakeClient, redis_server: RedisServer
) -> None:
    client = await make_client()
    posted = await client.post(
        "/api/analyze?wait=true",
        files=[
            ("file", ("WhatsApp Chat with Ana Lima.txt", PSEUDONYMISED_CHAT.encode())),
            ("file", ("Ben.txt", b"12/01/2024, 10:00 - Ben: later, Ana\n")),
        ],
        data={"pseudonymise": "on"},
    )
    assert posted.status_code == 200, posted.text
    job = posted.json()["jobId"]
    said = [posted.text]
    for path in ("result", "report.html", "people.csv", "activity.csv"):
        answer = await client.get(f"/api/jobs/{job}/{path}")
        assert answer.status_code == 200, path
        said.append(answer.text if path != "report.html" else _report_data(answer.text))
    said.append((await client.get(f"/api/progress/{posted.json()['conversationId']}")).text)
    service = await service_of(client)
    stored = await stored_values(service)
    # What was read is what matters: the job, its progress and its result at least.
    assert {"job", "progress", "result"} <= {key.split(":")[-2] for key in stored}, stored.keys()
    said += [repr(value) for value in stored.values()]
    everything = "\n".join(said).casefold()
    for secret in SECRETS:  # as whole words: "analysis" holds no name
        found = re.search(rf"(?<![a-z0-9]){re.escape(secret)}(?![a-z0-9])", everything)
        assert found is None, everything[max(0, found.start() - 80) : found.end() + 80]
    assert posted.json()["result"]["pseudonymised"] is True
    assert posted.json()["result"]["title"] == "Trip with Person 2"


async def test_the_same_file_pseudonymised_is_another_analysis(make_client: MakeClient) -> None:
    client = await make_client()
    plain = await client.post("/api/analyze?wait=true", json={"content": PSEUDONYMISED_CHAT})
    hidden = await client.post(
        "/api/analyze?wait=true", json={"content": PSEUDONYMISED_CHAT, "pseudonymise": True}
    )
    assert plain.json()["conversationId"] != hidden.json()["conversationId"]
    assert hidden.json()["result"]["pseudonymised"] is True
    assert plain.json()["result"]["pseudonymised"] is False


SLACK_DAY = json.dumps(
    [
        {"type": "message", "user": "U1", "text": "night", "ts": "1719876600.0"},
        {"type": "message", "user": "U2", "text": "up", "ts": "1719877200.0"},
    ]
)


async def test_a_time_zone_moves_the_hours_and_an_unknown_one_is_refused(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    utc = await client.post("/api/analyze?wait=true", json={"content": SLACK_DAY})
    assert utc.json()["result"]["activity"]["byHour"][23] == 2  # 23:30 and 23:40 UTC
    lisbon = await client.post(
        "/api/analyze?wait=true", json={"content": SLACK_DAY, "timezone": "Europe/Lisbon"}
    )
    result = lisbon.json()["result"]
    assert result["activity"]["byHour"][0] == 2
    assert result["overview"]["timezone"] == "Europe/Lisbon"
    assert lisbon.json()["conversationId"] != utc.json()["conversationId"]
    refused = await client.post(
        "/api/analyze", json={"content": SLACK_DAY, "timezone": "Mars/Olympus"}
    )
    assert refused.status_code == 400
    assert "unknown time zone 'Mars/Olympus'" in refused.json()["error"]


async def test_several_exports_in_one_upload_are_one_conversation(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    january = b"12/01/2024, 09:00 - Ana: hi\n13/01/2024, 10:00 - Ben: still there?\n"
    february = b"13/01/2024, 10:00 - Ben: still there?\n12/02/2024, 08:00 - Ana: back\n"
    posted = await client.post(
        "/api/analyze?wait=true",
        files=[("file", ("january.txt", january)), ("file", ("february.txt", february))],
    )
    assert posted.status_code == 200, posted.text
    result = posted.json()["result"]
    assert result["overview"]["messages"] == 3
    assert result["duplicatesDropped"] == 1
    assert [s["filename"] for s in result["sources"]] == ["january.txt", "february.txt"]
    again = await client.post(
        "/api/analyze",
        files=[("file", ("january.txt", january)), ("file", ("february.txt", february))],
    )
    assert again.json()["deduplicated"] is True  # the same files: the same analysis
    one = await client.post("/api/analyze?wait=true", files={"file": ("january.txt", january)})
    assert one.json()["conversationId"] != posted.json()["conversationId"]


async def test_a_broken_file_among_several_is_named(make_client: MakeClient) -> None:
    client = await make_client()
    good = b"12/01/2024, 09:00 - Ana: hi\n"
    refused = await client.post(
        "/api/analyze",
        files=[("file", ("good.txt", good)), ("file", ("broken.json", b'{"messages": [1,'))],
    )
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("broken.json: ")


async def test_several_files_in_a_json_body_are_one_conversation(make_client: MakeClient) -> None:
    client = await make_client()
    files = [
        {"content": "12/01/2024, 09:00 - Ana: hi\n13/01/2024, 10:00 - Ben: still there?\n",
         "filename": "january.txt"},
        {"content": "13/01/2024, 10:00 - Ben: still there?\n12/02/2024, 08:00 - Ana: back\n",
         "filename": "february.txt"},
    ]  # fmt: skip
    posted = await client.post("/api/analyze?wait=true", json={"files": files})
    assert posted.status_code == 200, posted.text
    result = posted.json()["result"]
    assert (result["overview"]["messages"], result["duplicatesDropped"]) == (3, 1)
    both = await client.post("/api/analyze", json={"files": files, "content": "x"})
    assert both.status_code == 400
    assert "exactly one of" in both.json()["error"]
    one = await client.post("/api/analyze", json={"files": files[:1]})
    assert one.status_code == 400  # one file is a "content" body
    assert "files" in one.json()["error"]
