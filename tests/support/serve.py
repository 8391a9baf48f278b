"""Waiting for a real API process (`triboka-api serve`) to answer, shared by the tiers that start one."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest


def wait_until_live(base: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    """Until `GET /api/health/live` answers 200; kills the process and fails the test with its log if not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"serve did not start:\n{log.read_text()[-3000:]}")
