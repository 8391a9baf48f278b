"""Loopback helpers shared by the tiers that start servers."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the tests never use fixed ports)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_live(base: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    """Wait for a started `triboka-api serve` to answer its liveness probe; fail with its log's tail (and kill
    it) when it does not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"serve did not start:\n{log.read_text()[-3000:]}")


def connection_kept_while_idle(url: str, idle_seconds: float) -> bool:
    """Whether the server keeps a keep-alive connection open through `idle_seconds` of silence after an answer,
    as a proxy's pooled connection to it needs: the second GET of `url` goes out on the first one's connection
    (httpx opens a new one, from another local port, once the server has closed it)."""

    def local_address(client: httpx.Client) -> object:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.extensions["network_stream"].get_extra_info("client_addr")

    # httpx itself drops connections idle for 5 s unless told otherwise
    limits = httpx.Limits(max_connections=1, keepalive_expiry=idle_seconds + 60)
    with httpx.Client(limits=limits) as client:
        first = local_address(client)
        time.sleep(idle_seconds)
        return local_address(client) == first
