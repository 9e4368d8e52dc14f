"""Live progress over Server-Sent Events, against real `parley serve` processes on one
redis-server: a job accepted by worker A, its progress streamed from worker B."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench._gen import messages, whatsapp_text
from httpx_sse import ServerSentEvent, aconnect_sse

from tests.parley_server import ParleyServer, running_parley
from tests.redis_server import RedisServer, running_redis
from tests.waiting import attempts

pytestmark = pytest.mark.e2e

ENDS = ("completed", "failed", "expired")
BIG = str(64 << 20)


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    # Every write on disk before its reply: a restart keeps the job's keys.
    with running_redis(args=("--appendonly", "yes", "--appendfsync", "always")) as server:
        yield server


@pytest.fixture(scope="module")
def pair(redis: RedisServer) -> Iterator[list[ParleyServer]]:
    with running_parley(redis.url, count=2, PARLEY_MAX_UPLOAD_BYTES=BIG) as servers:
        yield servers


def chat(seed: int, size: int = 60_000) -> str:
    """A chat that takes the analysis a few seconds: long enough to watch."""
    return whatsapp_text(messages(size, speakers=6, seed=seed))


async def start(client: httpx.AsyncClient, server: ParleyServer, content: str) -> dict[str, Any]:
    started = await client.post(f"{server.url}/api/analyze", json={"content": content})
    assert started.status_code == 202, started.text
    job: dict[str, Any] = started.json()
    return job


async def stream(
    client: httpx.AsyncClient,
    server: ParleyServer,
    conversation_id: str,
    *,
    last_id: str | None = None,
    stop_after: int | None = None,
    after_first: Callable[[], Awaitable[object]] | None = None,
) -> list[ServerSentEvent]:
    """The events of one stream, to its end (or the first `stop_after`); `after_first`
    runs once the first event is in."""
    headers = {"Last-Event-ID": last_id} if last_id else {}
    url = f"{server.url}/api/progress/{conversation_id}/events"
    events: list[ServerSentEvent] = []
    async with aconnect_sse(client, "GET", url, headers=headers) as source:
        assert source.response.status_code == 200
        assert source.response.headers["content-type"].startswith("text/event-stream")
        async for event in source.aiter_sse():
            events.append(event)
            if len(events) == 1 and after_first is not None:
                await after_first()
            if event.event in ENDS or (stop_after is not None and len(events) >= stop_after):
                break
    return events


def bodies(events: list[ServerSentEvent]) -> list[dict[str, Any]]:
    return [json.loads(event.data) for event in events if event.event != "unavailable"]


async def test_a_stream_on_worker_b_shows_a_job_running_on_worker_a_in_order_to_the_end(
    pair: list[ParleyServer],
) -> None:
    a, b = pair
    async with httpx.AsyncClient(timeout=120) as client:
        job = await start(client, a, chat(1, size=80_000))
        events = await stream(client, b, job["conversationId"])
        result = await client.get(b.url + job["links"]["result"])
    assert [e.event for e in events][-1] == "completed"
    assert {e.event for e in events[:-1]} == {"progress"}
    seen = bodies(events)
    assert {body["jobId"] for body in seen} == {job["jobId"]}
    # pushed as it ran (a write per 0.5 s), not only at the end
    assert len(seen) >= 3, [body["stage"] for body in seen]
    percents = [body["percent"] for body in seen]
    assert percents == sorted(percents)
    ids = [int(e.id) for e in events]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)  # no change sent twice
    assert int(events[-1].id) == seen[-1]["seq"]
    assert result.status_code == 200
    assert result.json()["hasResult"] is True


async def test_a_stream_resumed_with_last_event_id_gets_what_it_missed_and_the_end(
    pair: list[ParleyServer],
) -> None:
    a, b = pair
    async with httpx.AsyncClient(timeout=120) as client:
        job = await start(client, a, chat(2, size=80_000))
        first = await stream(client, b, job["conversationId"], stop_after=2)
        last_id = first[-1].id
        resumed = await stream(client, a, job["conversationId"], last_id=last_id)
    assert first[-1].event == "progress"  # cut mid-job
    assert resumed[-1].event == "completed"
    assert last_id not in [e.id for e in resumed]  # nothing it had already seen
    assert int(resumed[0].id) > int(last_id)


async def test_two_hundred_streams_on_one_worker_share_one_subscription(
    redis: RedisServer, pair: list[ParleyServer]
) -> None:
    a, b = pair
    limits = httpx.Limits(max_connections=250, max_keepalive_connections=250)
    async with httpx.AsyncClient(timeout=180, limits=limits) as client:
        job = await start(client, a, chat(3, size=300_000))  # runs while 200 open
        opened = asyncio.Event()
        first_events = 0

        async def heard_first() -> None:
            nonlocal first_events
            first_events += 1
            if first_events == 200:
                opened.set()

        streams = [
            asyncio.create_task(stream(client, b, job["conversationId"], after_first=heard_first))
            for _ in range(200)
        ]
        async with asyncio.timeout(120):
            await opened.wait()
        with contextlib.closing(redis.client()) as admin:
            subscribed = admin.client_list(_type="pubsub")
            channel = f"progress:{job['conversationId']}"
            numsub = admin.pubsub_numsub(channel)
        done = await asyncio.gather(*streams)
    assert len(subscribed) == 1, subscribed  # B's one connection; A streams nothing
    assert numsub == [(channel.encode(), 1)]
    assert [events[-1].event for events in done] == ["completed"] * 200


@pytest.mark.slow
async def test_redis_restarted_mid_stream_is_reported_and_the_stream_still_ends(
    redis: RedisServer, pair: list[ParleyServer]
) -> None:
    a, b = pair
    async with httpx.AsyncClient(timeout=180) as client:
        job = await start(client, a, chat(4, size=100_000))

        async def restart() -> None:
            redis.stop()
            await asyncio.sleep(0.5)
            redis.start()  # the same port, the keys read back from its AOF

        async with asyncio.timeout(150):
            events = await stream(client, b, job["conversationId"], after_first=restart)
        ended = await client.get(f"{a.url}/api/progress/{job['conversationId']}")
    kinds = [e.event for e in events]
    assert "unavailable" in kinds, kinds
    assert kinds[-1] in ENDS, kinds
    # the stream ends as the job did (an outage is no reason to call it lost)
    assert ended.status_code == 200
    assert kinds[-1] == ended.json()["status"], (kinds, ended.json())


@pytest.mark.parametrize("how", ["stream", "poll"])
def test_parley_submit_shows_the_progress_and_prints_the_summary(
    pair: list[ParleyServer], tmp_path: Path, how: str
) -> None:
    _, b = pair
    export = tmp_path / "Team chat.txt"
    size = 80_000 if how == "stream" else 20_000  # a stream to watch for a few seconds
    export.write_text(chat(5 if how == "stream" else 6, size=size), encoding="utf-8")
    out = tmp_path / "result.json"
    command = [sys.executable, "-m", "parley", "submit", str(export), "--server", b.url]
    command += ["--json", str(out), *(["--no-stream"] if how == "poll" else [])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert "sending 1 export" in done.stderr
    # a line per stage (stderr is not a terminal): pushed, every stage; polled, what a
    # poll every 0.5 s happened to see
    stages = re.findall(r"^ *[\d.]+%  (\w+): ", done.stderr, re.MULTILINE)
    assert stages, done.stderr
    if how == "stream":  # from the stage it had when the stream opened, to the end
        assert stages[-1] == "done", stages
        assert len(set(stages)) >= 3, stages
    assert f"done: {b.url}/#/c/" in done.stderr
    assert done.stdout.startswith("Team chat\n")
    assert f"{size:,} messages" in done.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["overview"]["messages"] == size


def test_parley_submit_says_what_the_server_refused(
    pair: list[ParleyServer], tmp_path: Path
) -> None:
    _, b = pair
    export = tmp_path / "notes.txt"
    export.write_text("nothing here looks like a chat\n", encoding="utf-8")
    command = [sys.executable, "-m", "parley", "submit", str(export), "--server", b.url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "parley: error: the server answered HTTP 400" in done.stderr


async def test_streams_their_clients_leave_release_the_subscription(
    redis: RedisServer, pair: list[ParleyServer]
) -> None:
    a, b = pair
    async with httpx.AsyncClient(timeout=120) as client:
        job = await start(client, a, chat(7, size=300_000))  # still running at the end
        url = f"{b.url}/api/progress/{job['conversationId']}/events"
        channel = f"progress:{job['conversationId']}"
        for _ in range(20):  # each leaves as soon as the answer's headers are in
            async with client.stream("GET", url) as response:
                assert response.status_code == 200
        with contextlib.closing(redis.client()) as admin:
            for _ in attempts(60):
                if admin.pubsub_numsub(channel) == [(channel.encode(), 0)]:
                    break
                await asyncio.sleep(0.05)
            assert admin.pubsub_numsub(channel) == [(channel.encode(), 0)]
        running = await client.get(f"{a.url}/api/progress/{job['conversationId']}")
        assert running.json()["status"] == "running"  # released by leaving, not by the end


async def test_a_conversation_erased_mid_stream_ends_its_streams_as_expired(
    pair: list[ParleyServer],
) -> None:
    a, b = pair
    async with httpx.AsyncClient(timeout=120) as client:
        job = await start(client, a, chat(8, size=300_000))

        async def erase() -> None:
            erased = await client.delete(
                a.url + job["links"]["conversation"],
                headers={"Authorization": f"Bearer {job['ownerToken']}"},
            )
            assert erased.status_code == 200, erased.text

        kinds = [e.event for e in await stream(client, b, job["conversationId"], after_first=erase)]
    assert kinds[0] == "progress"
    assert kinds[-1] == "expired", kinds  # at once: not "failed" once the stale limit passed
