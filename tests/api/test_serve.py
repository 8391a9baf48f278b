"""`triboka-api serve` as the chart runs it: a real uvicorn process with several workers, its start-up checks,
JSON logs with request IDs, the Prometheus metrics port and a clean SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.logschema import assert_schema, log_lines
from tests.support.net import (
    burst_per_worker,
    connection_kept_while_idle,
    free_port,
    wait_until_live,
)

BIN = Path(sys.executable).parent
SECRET = "serve-tests-secret-0123456789abcdef0123"


def _env(db: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "TRIBOKA_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "TRIBOKA_JWT_SECRET": SECRET,
        "TRIBOKA_ENVIRONMENT": "production",
        "TRIBOKA_ENCRYPTION_KEYS": "k1:" + "A" * 43,  # production refuses to start without a key ring
        "PROMETHEUS_MULTIPROC_DIR": str(db.parent / "metrics"),
        **extra,
    }


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "triboka-api"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_a_short_secret(tmp_path: Path) -> None:
    result = _cli("migrate", env=_env(tmp_path / "db.sqlite", TRIBOKA_JWT_SECRET="short"))
    assert result.returncode != 0
    assert "invalid configuration" in result.stderr
    assert "TRIBOKA_JWT_SECRET" in result.stderr


def test_a_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    result = _cli("migrate", env=_env(tmp_path / "db.sqlite", TRIBOKA_DATABASE_URL="mysql://x/y"))
    assert result.returncode != 0
    assert "TRIBOKA_DATABASE_URL" in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "triboka-api"), "serve", "--port", str(free_port())],
        env=_env(tmp_path / "empty.sqlite"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "run `triboka-api migrate` first" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, subprocess.Popen, Path]]:
    workdir = tmp_path_factory.mktemp("serve")
    env = _env(workdir / "api.sqlite", TRIBOKA_GRACEFUL_SHUTDOWN_SECONDS="5")
    assert _cli("migrate", env=env).returncode == 0
    assert (
        _cli("create-admin", "--email", "ops@example.com", "--password", "pw-for-serve", env=env).returncode
        == 0
    )
    port, metrics_port = free_port(), free_port()
    log = workdir / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(BIN / "triboka-api"),
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
                "--metrics-port",
                str(metrics_port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    wait_until_live(base, process, log)
    yield base, metrics_port, process, log
    if process.poll() is None:
        process.kill()
        process.wait()


def test_request_ids_are_echoed_or_generated(server) -> None:
    base, *_ = server
    given = httpx.get(f"{base}/api/health", headers={"X-Request-ID": "trace-me-123"})
    assert given.headers["x-request-id"] == "trace-me-123"
    generated = httpx.get(f"{base}/api/health")
    assert len(generated.headers["x-request-id"]) == 32


def test_logs_are_json_with_request_user_and_route_but_no_token(server) -> None:
    base, _, _, log = server
    token = httpx.post(
        f"{base}/api/auth/login", json={"email": "ops@example.com", "password": "pw-for-serve"}
    ).json()["access_token"]
    response = httpx.get(
        f"{base}/api/lots/999/traceability",
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "log-check-1"},
    )
    assert response.status_code == 404
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "log-check-1" not in log.read_text():
        time.sleep(0.1)
    lines = log_lines(log.read_text())
    for line in lines:
        assert_schema(line)
    entry = next(e for e in lines if e.get("request_id") == "log-check-1")
    assert_schema(entry, request=True)
    assert entry["route"] == "/api/lots/{lot_id}/traceability"
    assert entry["status"] == 404
    assert entry["user_id"] == 1
    assert token not in log.read_text()
    assert "pw-for-serve" not in log.read_text()


def test_probes_are_counted_but_not_access_logged_at_info(server) -> None:
    base, metrics_port, _, log = server
    for path in ("/api/health", "/health", "/api/health/live"):
        assert httpx.get(f"{base}{path}", headers={"X-Request-ID": "probe-call"}).status_code == 200
    httpx.get(f"{base}/api/companies", headers={"X-Request-ID": "after-the-probes"})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "after-the-probes" not in log.read_text():
        time.sleep(0.1)
    assert "after-the-probes" in log.read_text()
    assert "probe-call" not in log.read_text()
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
    assert 'triboka_api_requests_total{method="GET",route="/api/health/live",status="200"}' in text


def test_metrics_are_summed_over_workers(server) -> None:
    base, metrics_port, *_ = server
    for _ in range(40):
        httpx.get(f"{base}/api/companies")  # 401: no token
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
    counted = [
        line
        for line in text.splitlines()
        if line.startswith('triboka_api_requests_total{method="GET",route="/api/companies",status="401"}')
    ]
    assert counted
    assert float(counted[0].rsplit(" ", 1)[1]) >= 40
    assert "triboka_api_request_duration_seconds_bucket" in text
    assert "triboka_api_requests_in_flight" in text


def test_head_and_the_body_limit_through_the_real_server(server) -> None:
    """Issue 11 through uvicorn: HEAD answered without a body, and a chunked body (no Content-Length) refused
    with 413 once it passes TRIBOKA_MAX_BODY_BYTES (1 MiB by default)."""
    base, *_ = server
    get, head = httpx.get(f"{base}/api/health"), httpx.head(f"{base}/api/health")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]

    def chunks() -> Iterator[bytes]:
        yield b'{"farm_name": "'
        for _ in range(1100):  # 1.1 MiB
            yield b"x" * 1024

    response = httpx.post(f"{base}/api/auth/login", content=chunks(), timeout=30)
    assert response.status_code == 413, response.text
    assert set(response.json()) == {"error"}


def test_an_idle_connection_stays_open_for_the_proxy_in_front(server) -> None:
    """A proxy pools its connections to the pods for longer than uvicorn's default 5 s keep-alive (ingress-nginx
    60 s): a POST it sends just as the server closes one is lost, a 502 (it failed a rollback under load once).
    The server keeps idle connections for TRIBOKA_KEEP_ALIVE_SECONDS (100 s) instead."""
    base, *_ = server
    assert connection_kept_while_idle(f"{base}/api/health/live", idle_seconds=6)


def test_connections_opened_at_once_are_spread_over_the_workers(server) -> None:
    """Issue 16, goal 2: each worker listens on a socket of its own in the port's SO_REUSEPORT group, and the
    kernel spreads new connections over them. On uvicorn's one shared socket the worker that woke first took
    most of a burst (35/65 of wrk's 100, all 60 of this one), and its requests waited about twice as long."""
    base, _, process, _ = server
    held = burst_per_worker(process.pid, int(base.rsplit(":", 1)[1]), "/api/health/live")
    assert sum(held.values()) == 60, held
    # a fair split of 60 is 30 each; a share below 12 has a chance of about 1 in a million under even hashing
    assert sorted(held.values())[-2] >= 12, held


def test_a_second_server_on_the_port_is_refused(server, tmp_path: Path) -> None:
    """With SO_REUSEPORT on the workers' sockets, a second `serve` of the same user could join the port's group
    and take a share of its connections without a word: it must fail at start, as on any port in use."""
    base, *_ = server
    port = base.rsplit(":", 1)[1]
    env = _env(tmp_path / "second.sqlite")
    assert _cli("migrate", env=env).returncode == 0
    second = _cli("serve", "--port", port, "--workers", "2", env=env)
    assert second.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr


def test_sigterm_stops_cleanly(server) -> None:
    _, _, process, log = server
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert "Traceback" not in log.read_text()


def test_check_schema_waits_for_the_migration(tmp_path: Path) -> None:
    env = _env(tmp_path / "db.sqlite")
    waiting = _cli("check-schema", "--wait", "1", env=env)
    assert waiting.returncode != 0
    assert "this release needs" in waiting.stderr
    assert _cli("migrate", env=env).returncode == 0
    assert _cli("check-schema", env=env).returncode == 0
