"""Settings are read once from the environment, .env.local and .env, and fail with a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.errors import ConfigError
from parley.kv import describe_store
from parley.settings import ExecutionMode, load_settings, redact_url


def test_defaults_select_the_memory_store_with_a_one_hour_ttl(tmp_path: Path) -> None:
    settings = load_settings({}, directory=tmp_path)
    assert describe_store(settings).name == "memory"
    assert settings.redis_url is None
    assert settings.ttl_seconds == 3600
    assert settings.key_prefix == ""
    assert settings.execution_mode is None


def test_redis_url_selects_redis_and_names_its_source(tmp_path: Path) -> None:
    settings = load_settings({"REDIS_URL": "redis://localhost:6379/2"}, directory=tmp_path)
    assert (describe_store(settings).name, settings.redis_url_source) == ("redis", "REDIS_URL")


def test_kv_url_is_accepted_as_the_older_name(tmp_path: Path) -> None:
    settings = load_settings({"KV_URL": "rediss://h:6380"}, directory=tmp_path)
    assert (settings.redis_url, settings.redis_url_source) == ("rediss://h:6380", "KV_URL")


def test_redis_url_wins_over_kv_url(tmp_path: Path) -> None:
    settings = load_settings({"REDIS_URL": "redis://a", "KV_URL": "redis://b"}, directory=tmp_path)
    assert settings.redis_url == "redis://a"


def test_environment_beats_env_local_beats_env(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PARLEY_TTL_SECONDS=100\nPARLEY_KEY_PREFIX=fromenv:\n")
    (tmp_path / ".env.local").write_text("PARLEY_TTL_SECONDS=200\n")
    settings = load_settings({"PARLEY_KEY_PREFIX": "fromos:"}, directory=tmp_path)
    assert settings.ttl_seconds == 200
    assert settings.key_prefix == "fromos:"


def test_env_local_can_set_the_redis_url(tmp_path: Path) -> None:
    (tmp_path / ".env.local").write_text('REDIS_URL="redis://127.0.0.1:6379"\n')
    assert describe_store(load_settings({}, directory=tmp_path)).name == "redis"


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("PARLEY_TTL_SECONDS", "soon", "a whole number of seconds > 0"),
        ("PARLEY_TTL_SECONDS", "0", "a whole number of seconds > 0"),
        ("PARLEY_HEARTBEAT_SECONDS", "-1", "seconds > 0"),
        ("PARLEY_STALE_SECONDS", "nan", "seconds > 0"),
        ("PARLEY_MAX_UPLOAD_BYTES", "1.5", "a whole number of bytes > 0"),
        ("PARLEY_MODE", "turbo", "background, inline or queue"),
        ("PARLEY_LOG_LEVEL", "loud", "debug, info, warning or error"),
        ("PARLEY_REDIS_CLUSTER", "maybe", "auto, yes or no"),
        ("PARLEY_QUEUE_MAX", "0", "a whole number > 0"),
        ("PARLEY_MAX_ATTEMPTS", "none", "a whole number > 0"),
        ("WEB_CONCURRENCY", "2.5", "a whole number of processes > 0"),
    ],
)
def test_a_bad_value_names_the_variable_and_what_is_allowed(
    tmp_path: Path, name: str, value: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({name: value}, directory=tmp_path)
    assert name in str(info.value)
    assert allowed in str(info.value)


def test_the_defaults_notice_a_lost_worker_within_fifteen_seconds(tmp_path: Path) -> None:
    settings = load_settings({}, directory=tmp_path)
    # Readers see it lost at the stale limit; queue workers claim it within a third more.
    assert settings.stale_seconds + settings.stale_seconds / 3 < 15
    assert settings.stale_seconds / settings.heartbeat_seconds >= 5


def test_queue_and_cluster_settings_are_read(tmp_path: Path) -> None:
    env = {
        "PARLEY_QUEUE_MAX": "50",
        "PARLEY_MAX_ATTEMPTS": "5",
        "PARLEY_REDIS_CLUSTER": "Yes",
        "WEB_CONCURRENCY": "4",
    }
    settings = load_settings(env, directory=tmp_path)
    assert (settings.queue_max, settings.max_attempts) == (50, 5)
    assert (settings.redis_cluster, settings.web_concurrency) == ("yes", 4)


def test_execution_mode_is_parsed(tmp_path: Path) -> None:
    settings = load_settings({"PARLEY_MODE": "Inline"}, directory=tmp_path)
    assert settings.execution_mode is ExecutionMode.INLINE


def test_a_stale_limit_below_two_heartbeats_is_refused(tmp_path: Path) -> None:
    env = {"PARLEY_HEARTBEAT_SECONDS": "10", "PARLEY_STALE_SECONDS": "15"}
    with pytest.raises(ConfigError, match="at least twice"):
        load_settings(env, directory=tmp_path)


def test_a_stale_limit_past_the_ttl_is_refused(tmp_path: Path) -> None:
    env = {"PARLEY_TTL_SECONDS": "20", "PARLEY_STALE_SECONDS": "30"}
    with pytest.raises(ConfigError, match="below PARLEY_TTL_SECONDS"):
        load_settings(env, directory=tmp_path)


@pytest.mark.parametrize("url", ["http://x", "localhost:6379", "redis://", "redis://h:port"])
def test_a_malformed_redis_url_is_refused_with_the_expected_form(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="REDIS_URL"):
        load_settings({"REDIS_URL": url}, directory=tmp_path)


def test_a_malformed_redis_url_error_hides_the_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"REDIS_URL": "redis://:hunter2@h:port"}, directory=tmp_path)
    assert "hunter2" not in str(info.value)


def test_settings_are_immutable(tmp_path: Path) -> None:
    settings = load_settings({}, directory=tmp_path)
    with pytest.raises(AttributeError):
        settings.ttl_seconds = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:pw@host:6379/0", "redis://:***@host:6379/0"),
        ("rediss://default:pw@h.upstash.io:6379", "rediss://default:***@h.upstash.io:6379"),
        ("redis://host:6379", "redis://host:6379"),
    ],
)
def test_redact_url_replaces_only_the_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown


SECRET = "Zq9/x?y#w@v"  # a base64-style provider password, reserved characters and all
HOSTILE_URLS = [
    f"redis://:{SECRET}@127.0.0.1:6379/0",
    f"rediss://default:{SECRET}@host.example:6380",
    f"redis://user:{SECRET}@[::1]:6379/0",
    "redis://127.0.0.1:6379/0?password=Zq9secret&db=0",
    "redis://127.0.0.1:6379/0?username=me&password=Zq9secret",
    "redis://:Zq9%2Fsecret@127.0.0.1:6379",
    "redis://Zq9secret@127.0.0.1:6379",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_no_credential_survives_redaction(url: str) -> None:
    shown = redact_url(url)
    for secret in (SECRET, "Zq9secret", "Zq9%2Fsecret", "Zq9/"):
        assert secret not in shown, shown
    assert "***" in shown


def test_a_password_with_reserved_characters_is_refused_saying_how_to_write_it(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match="percent-encoded") as info:
        load_settings({"REDIS_URL": f"redis://:{SECRET}@h:6379/0"}, directory=tmp_path)
    assert SECRET not in str(info.value)
