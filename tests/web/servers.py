"""Start the real API and web processes for the web tests, and talk to them like a browser would."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.net import free_port

BIN = Path(sys.executable).parent
JWT_SECRET = "web-tests-jwt-secret-0123456789abcdef"
WEB_SECRET = "web-tests-session-secret-0123456789abcdef"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Process:
    url: str
    proc: subprocess.Popen
    log: Path

    def wait_until_healthy(self, timeout: float = 60.0) -> Process:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.url} exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.url} did not become healthy:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _launch(args: list[str], env: dict[str, str], port: int, log: Path) -> Process:
    """Start a server without waiting for it (call `wait_until_healthy`), so several can boot at once."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Process(f"http://127.0.0.1:{port}", proc, log)


# The web tests sign in hundreds of times from one address; the rate-limit tests tighten these again.
GENEROUS_LIMITS = {
    "TRIBOKA_RATE_LIMIT_DEFAULT": "100000/minute",
    "TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT": "10000/minute",
    "TRIBOKA_RATE_LIMIT_AUTH_IP": "10000/minute",
}


def api_env(workdir: Path, **overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "TRIBOKA_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'api.db'}",
        "TRIBOKA_JWT_SECRET": JWT_SECRET,
        "TRIBOKA_LOG_LEVEL": "warning",
        "TRIBOKA_FILE_STORE_PATH": str(workdir / "files"),  # deal room files, never under the checkout
        "TRIBOKA_ENCRYPTION_KEYS": "test:" + "A" * 43,  # a fixed test key: DIDs (Identidad digital)
        "TRIBOKA_ERP_ALLOWED_NETWORKS": "127.0.0.1/32",  # the ERP page's test runs a fake ERP on loopback
        "TRIBOKA_ERP_RETRY_BACKOFF_SECONDS": "0.05",
        **GENEROUS_LIMITS,
        **overrides,
    }


def api_command(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "triboka-api"), *args], env=env, check=True, capture_output=True)


def launch_api(workdir: Path, admin_email: str, admin_password: str, **env_overrides: str) -> Process:
    env = api_env(workdir, **env_overrides)
    api_command(env, "migrate")
    api_command(env, "create-admin", "--email", admin_email, "--password", admin_password)
    return serve_api(workdir, env)


def serve_api(workdir: Path, env: dict[str, str]) -> Process:
    port = free_port()
    args = [str(BIN / "triboka-api"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return _launch(args, env, port, workdir / "api.log")


def launch_web(
    workdir: Path, api_url: str, name: str = "web", extra_args: tuple[str, ...] = (), **env_overrides: str
) -> Process:
    env = {
        **os.environ,
        "TRIBOKA_WEB_API_URL": api_url,
        "TRIBOKA_WEB_SECRET_KEY": WEB_SECRET,
        "TRIBOKA_WEB_API_TIMEOUT_SECONDS": "5",
        "TRIBOKA_WEB_SOCKET_URL": api_url,  # browsers reach the API's Socket.IO directly (another port)
        **env_overrides,
    }
    port = free_port()
    args = [str(BIN / "triboka-web"), "serve", "--host", "127.0.0.1", "--port", str(port), *extra_args]
    return _launch(args, env, port, workdir / f"{name}.log")


def start_web(workdir: Path, api_url: str, name: str = "web", extra_args: tuple[str, ...] = ()) -> Process:
    return launch_web(workdir, api_url, name, extra_args).wait_until_healthy()


def add_company(db: Path, name: str, company_type: str, country: str) -> int:
    """The API has no company-creation endpoint (contract §4.4): companies come from seeding."""
    with sqlite3.connect(db) as conn:
        cursor = conn.execute(
            "INSERT INTO companies (name, email, company_type, country, is_active, created_at)"
            " VALUES (?, ?, ?, ?, 1, CURRENT_TIMESTAMP)",
            (name, f"contact@{company_type}.example", company_type, country),
        )
        return int(cursor.lastrowid)


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def web_client(base_url: str, language: str = "es") -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Accept-Language": language}, timeout=15)


def sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def post_form(client: httpx.Client, page: str, action: str, data: dict[str, object]) -> httpx.Response:
    """Submit a form the way a browser does: read the CSRF token from the page that shows the form."""
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})
