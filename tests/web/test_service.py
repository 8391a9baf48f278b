"""The service contract the Helm chart relies on: settings validation, multi-worker metrics on their own port."""

from __future__ import annotations

import os
import subprocess
import time

import httpx
import pytest
from pydantic import ValidationError
from triboka_web.settings import Settings

from tests.support.logschema import assert_same_implementation
from tests.support.net import burst_per_worker, connection_kept_while_idle
from tests.web.servers import BIN, free_port, start_web


def test_production_refuses_the_default_or_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", secret_key="too-short")
    assert Settings(environment="production", secret_key="x" * 32).cookie_secure is False


def test_serve_exits_with_a_clear_message_on_bad_configuration() -> None:
    env = {**os.environ, "TRIBOKA_WEB_ENVIRONMENT": "production", "TRIBOKA_WEB_SECRET_KEY": "short"}
    done = subprocess.run(
        [str(BIN / "triboka-web"), "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "TRIBOKA_WEB_SECRET_KEY" in done.stderr


def _health_requests_counted(metrics_url: str) -> float:
    for line in httpx.get(metrics_url).text.splitlines():
        if line.startswith("triboka_web_http_requests_total{") and 'route="/health"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.slow
def test_metrics_of_all_workers_are_served_by_the_supervisor(tmp_path, stack) -> None:
    metrics_url = f"http://127.0.0.1:{free_port()}/metrics"
    port = metrics_url.split(":")[2].split("/")[0]
    web = start_web(
        tmp_path, stack.api.url, name="web-metrics", extra_args=("--workers", "2", "--metrics-port", port)
    )
    try:
        for _ in range(6):
            httpx.get(f"{web.url}/health")
        deadline = time.monotonic() + 10
        while _health_requests_counted(metrics_url) < 6 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _health_requests_counted(metrics_url) >= 6
    finally:
        web.stop()


@pytest.mark.slow
def test_connections_opened_at_once_are_spread_over_the_workers(tmp_path, stack) -> None:
    """As the API's (tests/api/test_serve.py): each worker listens on a socket of its own in the port's
    SO_REUSEPORT group; on uvicorn's one shared socket one worker took a whole burst of connections."""
    assert_same_implementation("web", "serving.py")
    web = start_web(tmp_path, stack.api.url, name="web-spread", extra_args=("--workers", "2"))
    try:
        held = burst_per_worker(web.proc.pid, int(web.url.rsplit(":", 1)[1]), "/health")
    finally:
        web.stop()
    assert sum(held.values()) == 60, held
    assert sorted(held.values())[-2] >= 12, held  # 30 each is fair; below 12: about 1 in a million


def test_an_idle_connection_stays_open_for_the_proxy_in_front(stack) -> None:
    """As the API's: the ingress pools connections to the pods longer than uvicorn's default 5 s keep-alive, so
    the dashboard keeps idle ones for TRIBOKA_WEB_KEEP_ALIVE_SECONDS (100 s) and no form post meets a closing one."""
    assert connection_kept_while_idle(f"{stack.web.url}/health", idle_seconds=6)
