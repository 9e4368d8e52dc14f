"""`parley doctor` says which store it would use and why, and exits 1 when it is unusable."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from parley.jobs.models import Job, JobStatus, utcnow
from parley.settings import ExecutionMode
from tests.redis_server import free_port, running_redis
from tests.waiting import attempts

PASSWORD = "doctor-Secret-99"


def run_parley(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KV_URL")}
    return subprocess.run(
        [sys.executable, "-m", "parley", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=tmp_path,  # no stray .env is read
        timeout=60,
        check=False,
    )


def doctor(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_parley(tmp_path, "doctor", *args, **env)


def test_doctor_on_the_memory_store_says_why_and_succeeds(tmp_path: Path) -> None:
    result = doctor(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "store:     memory (REDIS_URL is not set" in result.stdout
    assert "status:    ok" in result.stdout


def test_doctor_reports_redis_version_memory_and_a_risky_eviction_policy(tmp_path: Path) -> None:
    args = ("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru")
    with running_redis(password=PASSWORD, args=args) as server:
        result = doctor(tmp_path, "--json", REDIS_URL=server.url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["backend"] == "redis"
    assert report["usable"] is True
    assert report["server"]["maxMemoryPolicy"] == "allkeys-lru"
    assert report["server"]["version"].count(".") == 2
    warnings = " ".join(report["warnings"])
    assert "evicts any key" in warnings
    assert "more results fit" in warnings
    assert PASSWORD not in result.stdout + result.stderr
    assert "redis_client_connected" in result.stderr


def test_doctor_exits_1_with_the_reason_when_redis_is_unreachable(tmp_path: Path) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    result = doctor(tmp_path, KV_URL=url)
    assert result.returncode == 1
    assert "UNUSABLE" in result.stdout
    assert "unreachable" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr


def test_doctor_exits_1_on_a_bad_setting_naming_it(tmp_path: Path) -> None:
    result = doctor(tmp_path, PARLEY_TTL_SECONDS="forever")
    assert result.returncode == 1
    assert "PARLEY_TTL_SECONDS" in result.stderr
    assert "Traceback" not in result.stderr


def test_stats_counts_the_keys_of_each_family(tmp_path: Path) -> None:
    with running_redis(password=PASSWORD) as server:
        client = server.client()
        client.set("job:abc", b"{}", ex=60)
        client.set("result:abc", b"x" * 2000, ex=60)
        client.set("someone-elses-key", b"v")
        result = run_parley(tmp_path, "stats", "--json", REDIS_URL=server.url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["families"]["job"]["keys"] == 1
    assert report["families"]["result"] == {"keys": 1, "bytes": 2000, "sampled": 1}
    assert report["averageResultBytes"] == 2000
    assert report["server"]["keys"] == 3
    assert PASSWORD not in result.stdout + result.stderr


def test_stats_say_commands_per_job_and_what_is_left_of_the_budget(tmp_path: Path) -> None:
    with running_redis() as server, contextlib.closing(server.client()) as client:
        for n, commands in enumerate((18, 22, 40)):
            job = Job.new(f"c{n}", utcnow(), ExecutionMode.BACKGROUND)
            ended = job.replace(status=JobStatus.COMPLETED, commands=commands)
            client.set(f"job:{job.job_id}", json.dumps(ended.to_json()), ex=60)
        day = time.strftime("%Y-%m-%d", time.gmtime())
        client.hset(f"usage:{day}", mapping={"commands": 7000, "analyses": 100})
        client.expire(f"usage:{day}", 60)
        env = {"REDIS_URL": server.url, "PARLEY_COMMAND_BUDGET": "10000/day"}
        shown = run_parley(tmp_path, "stats", **env)
        report = json.loads(run_parley(tmp_path, "stats", "--json", **env).stdout)
    assert shown.returncode == 0, shown.stderr
    assert "per job:   22 commands (median), 40 (p90), over the 3 finished jobs" in shown.stdout
    assert f"used since {day}" in shown.stdout
    assert "100 analyses, about 42 more fit" in shown.stdout  # 3000 left, at 70 a piece
    budget = report["budget"]
    # the first `stats` added its own commands: a few dozen, not an analysis
    assert 7000 < budget["used"] < 7100
    assert budget["analyses"] == 100
    assert budget["analysesLeft"] == int((10000 - budget["used"]) / (budget["used"] / 100))


def test_serve_refuses_several_workers_on_the_in_process_store(tmp_path: Path) -> None:
    result = run_parley(tmp_path, "serve", "--workers", "2")
    assert result.returncode == 1
    assert "would be 'not found' on the others" in result.stderr
    assert "REDIS_URL" in result.stderr


def test_serve_with_an_unreachable_redis_says_why_in_one_line_and_exits_1(tmp_path: Path) -> None:
    result = run_parley(tmp_path, "serve", REDIS_URL=f"redis://:{PASSWORD}@127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "unreachable" in result.stderr
    assert "Traceback" not in result.stderr
    assert PASSWORD not in result.stderr


def test_serve_reads_web_concurrency_and_refuses_it_on_the_in_process_store(
    tmp_path: Path,
) -> None:
    result = run_parley(tmp_path, "serve", WEB_CONCURRENCY="3")
    assert result.returncode == 1
    assert "refusing to start 3 workers" in result.stderr


def test_stats_without_redis_points_to_the_running_server(tmp_path: Path) -> None:
    result = run_parley(tmp_path, "stats")
    assert result.returncode == 1
    assert "/api/stats" in result.stderr


def test_web_concurrency_that_is_not_a_number_is_refused_naming_it(tmp_path: Path) -> None:
    result = run_parley(tmp_path, "serve", WEB_CONCURRENCY="lots")
    assert result.returncode == 1
    assert "WEB_CONCURRENCY='lots' is not allowed" in result.stderr


def test_worker_without_redis_says_it_needs_the_shared_store(tmp_path: Path) -> None:
    result = run_parley(tmp_path, "worker")
    assert result.returncode == 1
    assert "set REDIS_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_worker_refuses_a_concurrency_below_one(tmp_path: Path) -> None:
    result = run_parley(tmp_path, "worker", "--concurrency", "0", REDIS_URL="redis://127.0.0.1:1")
    assert result.returncode == 1
    assert "--concurrency must be 1 or more" in result.stderr


def test_serve_in_queue_mode_without_redis_says_why(tmp_path: Path) -> None:
    result = run_parley(tmp_path, "serve", "--mode", "queue")
    assert result.returncode == 1
    assert "`parley worker`" in result.stderr


def test_a_burst_worker_on_an_empty_queue_exits_0(tmp_path: Path) -> None:
    with running_redis(password=PASSWORD) as server:
        result = run_parley(tmp_path, "worker", "--burst", REDIS_URL=server.url)
    assert result.returncode == 0, result.stderr
    assert "exits when the queue is empty" in result.stderr
    assert '"worker_stopped"' in result.stderr
    assert PASSWORD not in result.stderr


def test_doctor_and_stats_on_a_redis_cluster_see_every_primary(tmp_path: Path) -> None:
    from tests.redis_cluster import running_cluster

    with running_cluster() as cluster:
        doctor = run_parley(tmp_path, "doctor", "--json", REDIS_URL=cluster.url)
        stats = run_parley(tmp_path, "stats", "--json", REDIS_URL=cluster.url)
    assert doctor.returncode == 0, doctor.stderr
    assert stats.returncode == 0, stats.stderr
    for report in (json.loads(doctor.stdout), json.loads(stats.stdout)):
        assert report["backend"] == "redis-cluster"
        assert report["server"]["nodes"] == 3
    assert '"cluster": true' in doctor.stderr


@pytest.mark.parametrize(
    "url",
    [
        "redis://:Zq9/x?y#w@v@127.0.0.1:{port}/0",
        "redis://127.0.0.1:{port}/0?password=Zq9secret",
        "redis://user:Zq9%2Fsecret@127.0.0.1:{port}",
        "redis://:Zq9%2Fsecret@[::1]:{port}/0",
        "redis://Zq9secret@127.0.0.1:{port}",  # a userinfo without ":": all of it hidden
    ],
)
@pytest.mark.parametrize(
    "command",
    [("doctor",), ("stats",), ("serve",), ("worker", "--burst"), ("serve", "--mode", "queue")],
)
def test_no_command_prints_a_redis_password(
    tmp_path: Path, url: str, command: tuple[str, ...]
) -> None:
    """Hostile URLs (reserved characters in the password, a password in the query,
    percent-encoding) against a closed port: every command fails, and says so without
    the password, in its errors, banners and log lines alike."""
    result = run_parley(tmp_path, *command, REDIS_URL=url.format(port=free_port()))
    assert result.returncode == 1
    output = result.stdout + result.stderr
    for secret in ("Zq9/x?y#w@v", "Zq9secret", "Zq9%2Fsecret", "Zq9/"):
        assert secret not in output, output


@pytest.mark.parametrize(
    ("host", "token", "warned"),
    [("0.0.0.0", None, True), ("0.0.0.0", "t" * 32, False), ("127.0.0.1", None, False)],
    ids=["open-beyond-loopback", "with-a-token", "loopback"],
)
@contextlib.contextmanager
def serving(
    tmp_path: Path, *args: str, **env: str
) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """`parley serve` on a free port, in a process group of its own, until it answers;
    yields the process, its port and its log file. Stopped (if still running) on exit."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KV_URL")}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "parley", "serve", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**clean, "PARLEY_ANALYSIS_PROCESSES": "0", **env},
            cwd=tmp_path,
            start_new_session=True,
        )
    try:
        for _ in attempts():  # until it answers: its start-up lines are written by then
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/live", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield proc, port, log
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)


@pytest.mark.parametrize(
    ("host", "token", "warned"),
    [("0.0.0.0", None, True), ("0.0.0.0", "t" * 32, False), ("127.0.0.1", None, False)],
    ids=["open-beyond-loopback", "with-a-token", "loopback"],
)
def test_serve_says_once_that_the_api_is_open_beyond_loopback_and_on_it_serves_only_its_names(
    tmp_path: Path, host: str, token: str | None, warned: bool
) -> None:
    env = {"PARLEY_API_TOKEN": token} if token else {}
    with serving(tmp_path, "--host", host, **env) as (_, port, log):
        # On loopback it answers to this machine's names only (DNS rebinding).
        rebound = httpx.get(
            f"http://127.0.0.1:{port}/api/live", headers={"Host": "evil.example"}, timeout=5
        )
        assert rebound.status_code == (400 if host == "127.0.0.1" else 200)
    output = log.read_text()
    assert output.count("api_open") == (1 if warned else 0), output
    if token:
        assert token not in output


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_serve_stopped_by_sigterm_or_ctrl_c_exits_0_without_a_traceback(
    tmp_path: Path, stop: signal.Signals
) -> None:
    with serving(tmp_path) as (proc, _, log):
        os.killpg(proc.pid, stop)  # the whole group, as a terminal's Ctrl-C does
        assert proc.wait(60) == 0, log.read_text()
    assert "Traceback" not in log.read_text()


def test_serve_on_a_port_in_use_says_so_in_one_sentence_and_exits_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_parley(tmp_path, "serve", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"parley: error: port {port} on 127.0.0.1 is already in use (another parley, or "
        f"another program, listens there): choose a free one with --port, for example "
        f"`parley serve --port {port + 1}`"
    )
