"""Login cost against a real `triboka-api serve` (one worker, SQLite, production Argon2 parameters) on loopback:
logins per second with 6 concurrent clients, `GET /api/health/live` latency idle and during that flood, and the
answer time of an unknown e-mail against a known one (the account oracle). A measurement, never a test.

    .venv/bin/python bench/login_flood.py [--seconds 15] [--source DIR]

`--source` runs another checkout's API code (its `services/api` directory, e.g. one exported with `git archive`)
with this virtual environment, to compare before and after a change.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import start, stop, wait_http  # noqa: E402

CONCURRENT_LOGINS = 6
PROBE_INTERVAL_SECONDS = 0.02
EMAIL, PASSWORD = "flood@example.com", "Flood-passw0rd!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def _timed(client: httpx.AsyncClient, method: str, path: str, **kwargs: object) -> tuple[int, float]:
    started = time.perf_counter()
    response = await client.request(method, path, **kwargs)
    return response.status_code, time.perf_counter() - started


async def _measure(base: str, seconds: float) -> dict[str, object]:
    limits = httpx.Limits(max_connections=CONCURRENT_LOGINS + 2)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        idle = [(await _timed(client, "GET", "/api/health/live"))[1] for _ in range(200)]
        login = {"json": {"email": EMAIL, "password": PASSWORD}}
        assert (await _timed(client, "POST", "/api/auth/login", **login))[0] == 200
        deadline = time.monotonic() + seconds
        logins: list[float] = []
        probes: list[float] = []

        async def log_in() -> None:
            while time.monotonic() < deadline:
                status, elapsed = await _timed(client, "POST", "/api/auth/login", **login)
                assert status == 200, status
                logins.append(elapsed)

        async def probe() -> None:
            while time.monotonic() < deadline:
                probes.append((await _timed(client, "GET", "/api/health/live"))[1])
                await asyncio.sleep(PROBE_INTERVAL_SECONDS)

        started = time.monotonic()
        await asyncio.gather(probe(), *(log_in() for _ in range(CONCURRENT_LOGINS)))
        elapsed = time.monotonic() - started
        oracle = {}
        for label, email, password in (
            ("unknown_email", "nobody@example.com", PASSWORD),
            ("known_email_wrong_password", EMAIL, "wrong"),
        ):
            body = {"json": {"email": email, "password": password}}
            times = [(await _timed(client, "POST", "/api/auth/login", **body))[1] for _ in range(20)]
            oracle[label] = _ms(times)["p50_ms"]
    return {
        "logins_per_second": round(len(logins) / elapsed, 2),
        "login_latency": _ms(logins),
        "live_idle": _ms(idle),
        "live_during_flood": _ms(probes) | {"probes": len(probes)},
        "failed_login_p50_ms": oracle,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--source", type=Path, help="another checkout's services/api directory")
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("triboka-api"))
    with tempfile.TemporaryDirectory(prefix="login-flood-") as workdir:
        env = {
            "TRIBOKA_DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/flood.db",
            "TRIBOKA_JWT_SECRET": "login-flood-bench-secret-0123456789abcdef",
            "TRIBOKA_LOG_LEVEL": "WARNING",
        } | ({"PYTHONPATH": str(args.source.resolve())} if args.source else {})
        for command in (["migrate"], ["create-admin", "--email", EMAIL, "--password", PASSWORD]):
            subprocess.run([cli, *command], env=os.environ | env, check=True, capture_output=True)
        port = _free_port()
        server = start(
            [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env,
            Path(workdir) / "server.log",
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(f"{base}/api/health/live")
            print(json.dumps(asyncio.run(_measure(base, args.seconds)), indent=2))
        finally:
            stop(server)


if __name__ == "__main__":
    main()
