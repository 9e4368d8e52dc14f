"""Who may do what: owner tokens, the operator's PARLEY_API_TOKEN, cross-site requests."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from parley.errors import ConfigError
from parley.settings import load_settings
from tests.apps import app_client, inline_settings, service_of
from tests.conftest import backend_url

CHAT = "12/01/2024, 09:00 - Ana: good morning\n12/01/2024, 09:01 - Ben: morning!\n"
TOKEN = "operator-token-0123456789abcdef"
EVIL = "https://evil.example"

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture(params=["memory", "redis"])
async def make_client(request: pytest.FixtureRequest) -> AsyncIterator[MakeClient]:
    url = backend_url(request, request.param)
    async with contextlib.AsyncExitStack() as stack:

        async def make(**overrides: Any) -> httpx.AsyncClient:
            return await stack.enter_async_context(app_client(inline_settings(url, **overrides)))

        yield make
    backend_url(request, request.param)  # flushed again: nothing left behind


async def stored(client: httpx.AsyncClient) -> dict[str, bytes]:
    kv = (await service_of(client)).kv
    return {key: await kv.get(key) or b"" async for key in kv.scan("*")}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- owner tokens -----------------------------------------------------------------------


async def test_the_post_that_creates_a_job_answers_an_owner_token_stored_only_as_a_hash(
    make_client: MakeClient,
) -> None:
    client = await make_client()

    started = (await client.post("/api/analyze", json={"content": CHAT})).json()

    token = started["ownerToken"]
    assert len(token) >= 43  # 256 random bits, URL-safe base64
    everything = b"".join((await stored(client)).values())
    assert token.encode() not in everything
    assert hashlib.sha256(token.encode()).hexdigest().encode() in everything
    job = (await client.get(started["links"]["job"])).json()
    assert "tokenHash" not in job
    assert "ownerToken" not in job


async def test_a_deduplicated_answer_carries_no_owner_token(make_client: MakeClient) -> None:
    client = await make_client()
    await client.post("/api/analyze", json={"content": CHAT})

    again = (await client.post("/api/analyze", json={"content": CHAT})).json()

    assert again["deduplicated"] is True
    assert "ownerToken" not in again


async def test_erasing_needs_the_owner_token(make_client: MakeClient) -> None:
    client = await make_client()
    started = (await client.post("/api/analyze", json={"content": CHAT})).json()
    other = (await client.post("/api/analyze", json={"content": CHAT + "x\n"})).json()
    url = f"/api/conversations/{started['conversationId']}"

    anonymous = await client.delete(url)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = await client.delete(url, headers=auth(other["ownerToken"]))
    assert wrong.status_code == 403, wrong.text
    assert (await client.get(started["links"]["result"])).json()["hasResult"] is True

    erased = await client.delete(url, headers=auth(started["ownerToken"]))
    assert erased.status_code == 200, erased.text
    assert erased.json()["deletedKeys"] == 4
    assert (await client.get(started["links"]["result"])).status_code == 404


async def test_erasing_an_unknown_conversation_is_a_404(make_client: MakeClient) -> None:
    client = await make_client()

    response = await client.delete("/api/conversations/never-was", headers=auth("x" * 43))

    assert response.status_code == 404


# -- the operator's token ---------------------------------------------------------------


async def test_with_an_api_token_starting_an_analysis_needs_it(make_client: MakeClient) -> None:
    client = await make_client(api_token=TOKEN)

    missing = await client.post("/api/analyze", json={"content": CHAT})
    wrong = await client.post("/api/analyze", json={"content": CHAT}, headers=auth("w" * 20))
    right = await client.post("/api/analyze", json={"content": CHAT}, headers=auth(TOKEN))

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert "Authorization: Bearer" in missing.json()["error"]
    assert TOKEN not in missing.text + wrong.text
    assert right.status_code == 200, right.text


async def test_with_an_api_token_conversation_reads_and_stats_need_it_job_reads_do_not(
    make_client: MakeClient,
) -> None:
    client = await make_client(api_token=TOKEN)
    started = (
        await client.post("/api/analyze", json={"content": CHAT}, headers=auth(TOKEN))
    ).json()
    conversation = started["conversationId"]

    for path in (
        f"/api/progress/{conversation}",
        f"/api/conversations/{conversation}",
        "/api/stats",
    ):
        assert (await client.get(path)).status_code == 401, path
        assert (await client.get(path, headers=auth(TOKEN))).status_code == 200, path
    # A job id is 128 random bits: holding it is the capability to read its result.
    assert (await client.get(started["links"]["job"])).status_code == 200
    assert (await client.get(started["links"]["result"])).json()["hasResult"] is True
    assert (await client.get(f"/api/jobs/{started['jobId']}/report.html")).status_code == 200


async def test_the_operators_token_erases_any_conversation(make_client: MakeClient) -> None:
    client = await make_client(api_token=TOKEN)
    started = (
        await client.post("/api/analyze", json={"content": CHAT}, headers=auth(TOKEN))
    ).json()

    erased = await client.delete(
        f"/api/conversations/{started['conversationId']}", headers=auth(TOKEN)
    )

    assert erased.status_code == 200
    assert erased.json()["deletedKeys"] == 4


async def test_without_an_api_token_stats_and_reads_stay_open(make_client: MakeClient) -> None:
    client = await make_client()

    assert (await client.get("/api/stats")).status_code == 200


@pytest.mark.parametrize("value", ["short", "has a space in it, sixteen+"])
def test_an_unusable_api_token_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"PARLEY_API_TOKEN": value}, directory=None)
    assert value not in str(info.value)
    assert "PARLEY_API_TOKEN=(hidden)" in str(info.value)


def test_the_api_token_is_not_in_the_settings_repr() -> None:
    settings = load_settings({"PARLEY_API_TOKEN": TOKEN})
    assert settings.api_token == TOKEN
    assert TOKEN not in repr(settings)


# -- cross-site requests ----------------------------------------------------------------

# What a browser sends with a form on another site that posts to parley at 127.0.0.1.
CROSS_SITE = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}


async def test_a_cross_site_multipart_post_is_refused_before_any_job_exists(
    make_client: MakeClient,
) -> None:
    client = await make_client()

    response = await client.post(
        "/api/analyze",
        files={"file": ("chat.txt", CHAT.encode(), "text/plain")},
        headers=CROSS_SITE,
    )

    assert response.status_code == 403, response.text
    assert response.json()["code"] == "cross_site"
    assert "PARLEY_ALLOWED_ORIGINS" in response.json()["error"]
    assert await stored(client) == {}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},  # an older browser: Origin only
        {"Origin": "null"},  # a sandboxed frame, a data: URL
        {"Sec-Fetch-Site": "same-site", "Origin": "https://other.t"},  # a sibling subdomain
    ],
    ids=["origin-only", "null-origin", "same-site"],
)
async def test_state_changes_from_other_origins_are_refused(
    make_client: MakeClient, headers: dict[str, str]
) -> None:
    client = await make_client()
    started = (await client.post("/api/analyze", json={"content": CHAT})).json()

    post = await client.post("/api/analyze", json={"content": CHAT + "y\n"}, headers=headers)
    delete = await client.delete(
        f"/api/conversations/{started['conversationId']}",
        headers={**headers, **auth(started["ownerToken"])},
    )

    assert (post.status_code, delete.status_code) == (403, 403)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://t"},  # the page itself
        {"Origin": "http://t"},  # the page, in a browser without fetch metadata
        {"Origin": "https://parley.example", "X-Forwarded-Host": "parley.example"},  # a proxy
        {},  # curl, a script: no browser, no ambient credentials to abuse
    ],
    ids=["same-origin", "origin-matches-host", "behind-a-proxy", "no-browser"],
)
async def test_same_origin_and_non_browser_requests_pass(
    make_client: MakeClient, headers: dict[str, str]
) -> None:
    client = await make_client()

    response = await client.post("/api/analyze", json={"content": CHAT}, headers=headers)

    assert response.status_code == 200, response.text


async def test_an_allowed_origin_may_post_and_gets_cors_headers(make_client: MakeClient) -> None:
    front = "https://app.example.com"
    client = await make_client(allowed_origins=(front,))
    headers = {"Origin": front, "Sec-Fetch-Site": "cross-site"}

    preflight = await client.options(
        "/api/analyze",
        headers={
            **headers,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    response = await client.post("/api/analyze", json={"content": CHAT}, headers=headers)
    refused = await client.post(
        "/api/analyze", json={"content": CHAT + "z\n"}, headers={**headers, "Origin": EVIL}
    )

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == front
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == front
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


async def test_cross_site_reads_are_answered_without_cors(make_client: MakeClient) -> None:
    client = await make_client()

    response = await client.get("/api/health", headers=CROSS_SITE)

    # A browser shows the answer to no other site: no Access-Control-Allow-Origin.
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    "value", ["*", "https://app.example.com/path", "app.example.com", "https://a.com,ftp://b"]
)
def test_allowed_origins_must_be_origins(value: str) -> None:
    with pytest.raises(ConfigError, match="PARLEY_ALLOWED_ORIGINS"):
        load_settings({"PARLEY_ALLOWED_ORIGINS": value})


def test_allowed_origins_are_read_as_a_list() -> None:
    settings = load_settings(
        {"PARLEY_ALLOWED_ORIGINS": "https://A.example, http://b.example:8080/"}
    )
    assert settings.allowed_origins == ("https://a.example", "http://b.example:8080")


# -- taking a conversation over ---------------------------------------------------------


async def test_a_chosen_id_with_other_content_is_taken_and_only_its_owner_replaces_it(
    make_client: MakeClient,
) -> None:
    client = await make_client()
    body = {"content": CHAT, "conversationId": "team-chat"}
    first = (await client.post("/api/analyze", json=body)).json()
    other = {**body, "content": CHAT + "x\n"}

    # Someone who guessed the id, with another file: the id is taken, said plainly.
    taken = await client.post("/api/analyze", json=other)
    assert taken.status_code == 409, taken.text
    assert taken.json()["code"] == "conversation_taken"
    assert taken.json()["details"]["conversationId"] == "team-chat"
    # ... and forcing it is its owner's to do.
    forced = await client.post("/api/analyze", json={**other, "force": True})
    assert forced.status_code == 403, forced.text

    replaced = await client.post(
        "/api/analyze", json={**other, "force": True}, headers=auth(first["ownerToken"])
    )
    second = replaced.json()
    assert replaced.status_code == 200, replaced.text
    assert second["jobId"] != first["jobId"]
    assert "ownerToken" not in second  # the first token still owns it

    erased = await client.delete("/api/conversations/team-chat", headers=auth(first["ownerToken"]))
    assert erased.status_code == 200
    # Every job the conversation had is gone, the replaced one included.
    for started in (first, second):
        assert (await client.get(started["links"]["result"])).status_code == 404


async def test_an_unknown_id_and_another_owners_are_refused_alike_with_a_token_set(
    make_client: MakeClient,
) -> None:
    client = await make_client(api_token=TOKEN)
    mine = (await client.post("/api/analyze", json={"content": CHAT}, headers=auth(TOKEN))).json()
    other = auth("s" * 43)

    known = await client.delete(f"/api/conversations/{mine['conversationId']}", headers=other)
    unknown = await client.delete("/api/conversations/never-was", headers=other)
    anonymous = await client.delete("/api/conversations/never-was")

    assert (known.status_code, unknown.status_code) == (403, 403)
    assert known.json()["error"].replace(mine["conversationId"], "X") == unknown.json()[
        "error"
    ].replace("never-was", "X")
    assert anonymous.status_code == 401


# -- DNS rebinding ----------------------------------------------------------------------


async def test_a_host_the_server_does_not_answer_to_is_refused(make_client: MakeClient) -> None:
    client = await make_client(allowed_hosts=("localhost", "127.0.0.1", "[::1]"))
    # A page on evil.example that pointed its name at 127.0.0.1: same-origin to the browser.
    rebound = {"Host": "evil.example:8000", "Origin": "http://evil.example:8000"}

    post = await client.post(
        "/api/analyze", json={"content": CHAT}, headers={**rebound, "Sec-Fetch-Site": "same-origin"}
    )
    read = await client.get("/api/stats", headers=rebound)
    ours = await client.get("/api/live", headers={"Host": "127.0.0.1:8000"})
    ipv6 = await client.get("/api/live", headers={"Host": "[::1]:8000"})

    assert (post.status_code, read.status_code) == (400, 400)
    assert post.json()["code"] == "unknown_host"
    assert "PARLEY_ALLOWED_HOSTS" in post.json()["error"]
    assert (ours.status_code, ipv6.status_code) == (200, 200)


@pytest.mark.parametrize(
    ("value", "hosts"),
    [("*", ("*",)), ("App.Example.com, [::1]", ("app.example.com", "[::1]"))],
)
def test_allowed_hosts_are_read_as_a_list(value: str, hosts: tuple[str, ...]) -> None:
    assert load_settings({"PARLEY_ALLOWED_HOSTS": value}).allowed_hosts == hosts


async def test_a_lone_surrogate_in_the_body_is_a_400(make_client: MakeClient) -> None:
    client = await make_client()
    for body in (
        '{"content": "hi \\ud800"}',
        '{"messages": [{"speaker": "a", "text": "\\ud800"}]}',
    ):
        response = await client.post(
            "/api/analyze", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        error = response.json()["error"].lower()
        assert "surrogate" in error or "unicode" in error
