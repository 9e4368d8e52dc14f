"""TLS to Redis against a real `redis-server --tls-port`, with a CA made by the test:
the right CA connects, a wrong CA or host name is refused, mutual TLS works, and
`parley doctor` says which check failed (and never the password)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.errors import StoreUnavailableError
from parley.kv import open_kv
from parley.settings import Settings
from tests.integration.test_cli_store import doctor
from tests.redis_tls import (
    WRONG_HOST,
    RedisTlsServer,
    TlsMaterial,
    make_tls_material,
    running_tls_redis,
)

PASSWORD = "tls/Secret+99"  # a "/" as base64-style provider passwords have


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> TlsMaterial:
    return make_tls_material(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def server(material: TlsMaterial) -> Iterator[RedisTlsServer]:
    with running_tls_redis(material, password=PASSWORD) as server:
        yield server


@pytest.fixture(scope="module")
def mutual(material: TlsMaterial) -> Iterator[RedisTlsServer]:
    """A server that requires a client certificate (mutual TLS)."""
    with running_tls_redis(material, require_client_cert=True) as server:
        yield server


def settings_for(url: str, **tls: Path) -> Settings:
    """Settings for `url`, with TLS files (`redis_ca_file=...`) as given."""
    return Settings(
        redis_url=url, redis_url_source="REDIS_URL", redis_timeout_seconds=5
    ).with_overrides(**tls)


async def refusal(settings: Settings) -> str:
    """Why opening the store fails (the test fails if it opens)."""
    try:
        kv = await open_kv(settings)
    except StoreUnavailableError as exc:
        return str(exc)
    await kv.aclose()
    raise AssertionError("the store opened, but should have been refused")


async def test_the_private_ca_in_parley_redis_ca_file_connects(
    server: RedisTlsServer, material: TlsMaterial
) -> None:
    kv = await open_kv(settings_for(server.url, redis_ca_file=material.ca_cert))
    try:
        await kv.set("tls:probe", b"1", 10)
        assert await kv.get("tls:probe") == b"1"
    finally:
        await kv.aclose()


async def test_without_the_ca_the_certificate_is_refused_saying_which_setting_fixes_it(
    server: RedisTlsServer,
) -> None:
    message = await refusal(settings_for(server.url))
    assert "not signed by the system's CAs" in message
    assert "PARLEY_REDIS_CA_FILE" in message
    assert PASSWORD not in message


async def test_a_wrong_ca_is_refused(server: RedisTlsServer, material: TlsMaterial) -> None:
    message = await refusal(settings_for(server.url, redis_ca_file=material.other_ca_cert))
    assert f"not signed by the CA in PARLEY_REDIS_CA_FILE ({material.other_ca_cert})" in message


async def test_a_host_name_the_certificate_does_not_list_is_refused(
    server: RedisTlsServer, material: TlsMaterial
) -> None:
    url = server.tls_url(WRONG_HOST)  # the same server, by an address not in its certificate
    message = await refusal(settings_for(url, redis_ca_file=material.ca_cert))
    assert f"not valid for the host '{WRONG_HOST}'" in message


async def test_mutual_tls_needs_the_client_certificate_and_works_with_it(
    mutual: RedisTlsServer, material: TlsMaterial
) -> None:
    message = await refusal(settings_for(mutual.url, redis_ca_file=material.ca_cert))
    assert "PARLEY_REDIS_CERT_FILE" in message

    kv = await open_kv(
        settings_for(
            mutual.url,
            redis_ca_file=material.ca_cert,
            redis_cert_file=material.client_cert,
            redis_key_file=material.client_key,
        )
    )
    try:
        assert await kv.ping() >= 0
    finally:
        await kv.aclose()


def test_doctor_reports_what_tls_trusts_and_succeeds(
    tmp_path: Path, server: RedisTlsServer, material: TlsMaterial
) -> None:
    result = doctor(tmp_path, REDIS_URL=server.url, PARLEY_REDIS_CA_FILE=str(material.ca_cert))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"against the CA in {material.ca_cert} (PARLEY_REDIS_CA_FILE)" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize("check", ["ca", "host"])
def test_doctor_says_which_tls_check_failed(
    tmp_path: Path, server: RedisTlsServer, material: TlsMaterial, check: str
) -> None:
    url = server.tls_url(WRONG_HOST) if check == "host" else server.url
    ca = material.ca_cert if check == "host" else material.other_ca_cert
    result = doctor(tmp_path, "--json", REDIS_URL=url, PARLEY_REDIS_CA_FILE=str(ca))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    expected = "not valid for the host" if check == "host" else "not signed by the CA"
    assert expected in report["error"]
    assert PASSWORD not in result.stdout + result.stderr


def test_tls_files_without_a_rediss_url_are_a_config_error(
    tmp_path: Path, material: TlsMaterial
) -> None:
    result = doctor(
        tmp_path, REDIS_URL="redis://127.0.0.1:1/0", PARLEY_REDIS_CA_FILE=str(material.ca_cert)
    )
    assert result.returncode != 0
    assert "use a rediss:// REDIS_URL" in result.stderr
