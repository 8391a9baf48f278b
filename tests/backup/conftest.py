"""Fixtures for the backup job: the CLI run in-process as users call it, seeded databases, SeaweedFS S3."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from triboka_backup.cli import main
from triboka_backup.stores import backup_id_for

from tests.support.postgres import pg_url_for as support_pg_url_for
from tests.support.seaweedfs import S3Endpoint, running_seaweedfs

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


@dataclass
class S3Server(S3Endpoint):
    """The shared SeaweedFS with the backup job's environment variables for a bucket."""

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        return {
            "TRIBOKA_BACKUP_S3_ENDPOINT_URL": self.endpoint,
            "TRIBOKA_BACKUP_S3_BUCKET": bucket,
            "TRIBOKA_BACKUP_S3_PREFIX": prefix,
            "TRIBOKA_BACKUP_S3_ACCESS_KEY_ID": self.access_key,
            "TRIBOKA_BACKUP_S3_SECRET_ACCESS_KEY": self.secret_key,
            "TRIBOKA_BACKUP_S3_PART_SIZE": str(5 * 1024 * 1024),
        }


@pytest.fixture(scope="session")
def s3_server(seaweedfs: S3Endpoint) -> S3Server:
    return S3Server(seaweedfs.endpoint, seaweedfs.access_key, seaweedfs.secret_key)


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


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    """A real SeaweedFS S3 server for the session (tests/support/seaweedfs.py), started on first use."""
    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server
