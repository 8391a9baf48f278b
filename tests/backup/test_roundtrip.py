"""Round trips: back up, drop the database, restore latest, and compare whole dumps before and after."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import Result, pg_dump_plain, psql, sqlite_dump, visible_backups

KEY = base64.b64encode(bytes(range(32))).decode()

pytestmark = pytest.mark.postgres


def cli_subprocess(*argv: str, env: dict[str, str]) -> Result:
    """The installed console script, exactly as the CronJob runs it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRIBOKA_BACKUP_")}
    script = Path(sys.executable).with_name("triboka-backup")
    done = subprocess.run(
        [str(script), *argv], env={**clean, **env}, capture_output=True, text=True, check=False
    )
    return Result(done.returncode, done.stdout, done.stderr)


def test_postgres_round_trip_is_identical(
    seeded_pg: str, tmp_path: Path, pg_url_for: Callable[..., str]
) -> None:
    target = tmp_path / "backups"
    env = {
        "TRIBOKA_BACKUP_DATABASE_URL": seeded_pg.replace("postgresql://", "postgresql+asyncpg://"),
        "TRIBOKA_BACKUP_TARGET_DIR": str(target),
        "TRIBOKA_BACKUP_APP_VERSION": "2.0.0-test",
    }
    before = pg_dump_plain(seeded_pg)

    run = cli_subprocess("run", env=env)
    assert run.code == 0, run.err
    backup_id = run.out.strip()
    manifest = json.loads((target / backup_id / "manifest.json").read_text())
    assert manifest["schema_revision"] == "3f2a9c1d0b7e"
    assert manifest["app_version"] == "2.0.0-test"
    assert manifest["database"]["engine"] == "postgresql"
    assert manifest["row_counts"] == {
        "public.alembic_version": 1,
        "public.lots": 500,
        "public.producers": 3,
        "public.trace_events": 2000,
    }
    assert [f["name"] for f in manifest["files"]] == ["database.pgdump"]
    assert manifest["notes"] == ["configuration skipped: not running inside a Kubernetes cluster"]
    assert all(json.loads(line)["level"] for line in run.err.splitlines()), "every log line is JSON"

    name = seeded_pg.rsplit("/", 1)[1]
    admin = pg_url_for("postgres")
    psql(admin, f'DROP DATABASE "{name}" WITH (FORCE); CREATE DATABASE "{name}";')
    restored = cli_subprocess("restore", "latest", "--target-url", seeded_pg, "--check-counts", env=env)
    assert restored.code == 0, restored.err
    assert f"restored backup {backup_id}" in restored.out
    assert "(counted after the restore, equal to the manifest)" in restored.out
    assert "public.trace_events: 2000" in restored.out
    assert pg_dump_plain(seeded_pg) == before


def test_database_given_as_components(
    seeded_pg: str, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    """The chart passes host, port, name, user and password from a Secret instead of a URL."""
    parts = urlsplit(seeded_pg)
    env = {
        "TRIBOKA_BACKUP_DATABASE_HOST": parts.hostname or "",
        "TRIBOKA_BACKUP_DATABASE_PORT": str(parts.port),
        "TRIBOKA_BACKUP_DATABASE_NAME": parts.path.lstrip("/"),
        "TRIBOKA_BACKUP_DATABASE_USER": parts.username or "",
        "TRIBOKA_BACKUP_DATABASE_PASSWORD": parts.password or "",
        "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path),
    }
    run = backup_cli("run", env=env)
    assert run.code == 0, run.err
    assert backup_cli("verify", "--restore-test", env=env).code == 0
    wrong = backup_cli("run", env={**env, "TRIBOKA_BACKUP_DATABASE_PASSWORD": "wrong"})
    assert wrong.code == 3
    assert "password authentication failed" in wrong.err


def test_progress_is_logged_during_the_dump(
    seeded_pg: str, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    env = {"TRIBOKA_BACKUP_DATABASE_URL": seeded_pg, "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path),
           "TRIBOKA_BACKUP_PROGRESS_INTERVAL_SECONDS": "0.000001"}  # fmt: skip
    run = backup_cli("run", env=env)
    assert run.code == 0, run.err
    progress = [e for e in run.events() if e.get("event") == "progress"]
    assert progress
    assert all(e["bytes"] > 0 and e["elapsed_s"] >= 0 for e in progress)


def test_sqlite_round_trip_is_identical(
    seeded_sqlite: Path, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    env = {
        "TRIBOKA_BACKUP_DATABASE_URL": f"sqlite+aiosqlite:///{seeded_sqlite}",
        "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups"),
    }
    before = sqlite_dump(seeded_sqlite)
    assert backup_cli("run", env=env).code == 0
    seeded_sqlite.unlink()

    restored = backup_cli("restore", "latest", "--target-url", f"sqlite:///{seeded_sqlite}", env=env)
    assert restored.code == 0, restored.err
    assert "lots: 300" in restored.out
    assert sqlite_dump(seeded_sqlite) == before


def test_encrypted_postgres_backup_with_static_files(
    seeded_pg: str,
    tmp_path: Path,
    backup_cli: Callable[..., Result],
    pg_database_factory: Callable[[str], str],
    pg_url_for: Callable[..., str],
) -> None:
    static = tmp_path / "uploads"
    (static / "lots").mkdir(parents=True)
    (static / "lots" / "foto-ñ.jpg").write_bytes(os.urandom(3000))
    target = tmp_path / "backups"
    env = {
        "TRIBOKA_BACKUP_DATABASE_URL": seeded_pg,
        "TRIBOKA_BACKUP_TARGET_DIR": str(target),
        "TRIBOKA_BACKUP_ENCRYPTION_KEY": KEY,
        "TRIBOKA_BACKUP_STATIC_DIR": str(static),
    }
    run = backup_cli("run", env=env)
    assert run.code == 0, run.err
    folder = target / run.out.strip()
    assert sorted(p.name for p in folder.iterdir()) == [
        "database.pgdump.enc",
        "manifest.json",
        "static.tar.enc",
    ]
    assert b"LOT-00001" not in (folder / "database.pgdump.enc").read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["encryption"]["algorithm"] == "AES-256-GCM-chunked"

    verify = backup_cli("verify", "--restore-test", env=env)
    assert verify.code == 0, verify.err
    assert "row counts match the manifest" in verify.out

    fresh = pg_url_for(pg_database_factory("triboka_backup_restored"))
    restored = backup_cli("restore", "latest", "--target-url", fresh, env=env)
    assert restored.code == 0, restored.err
    assert pg_dump_plain(fresh).replace(fresh.rsplit("/", 1)[1], "DB") == pg_dump_plain(seeded_pg).replace(
        seeded_pg.rsplit("/", 1)[1], "DB"
    )


def test_restore_refuses_a_non_empty_database_unless_forced(
    seeded_pg: str, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    env = {"TRIBOKA_BACKUP_DATABASE_URL": seeded_pg, "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path)}
    assert backup_cli("run", env=env).code == 0
    psql(seeded_pg, "DELETE FROM trace_events WHERE id > 1000")

    refused = backup_cli("restore", "latest", "--target-url", seeded_pg, env=env)
    assert refused.code == 7
    assert "is not empty" in refused.err
    assert psql(seeded_pg, "SELECT count(*) FROM trace_events").strip() == "1000"

    forced = backup_cli("restore", "latest", "--target-url", seeded_pg, "--force", env=env)
    assert forced.code == 0, forced.err
    assert psql(seeded_pg, "SELECT count(*) FROM trace_events").strip() == "2000"


def test_list_shows_time_size_status_and_retention(
    seeded_sqlite: Path, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    target = tmp_path / "backups"
    env = {
        "TRIBOKA_BACKUP_DATABASE_URL": f"sqlite:///{seeded_sqlite}",
        "TRIBOKA_BACKUP_TARGET_DIR": str(target),
    }
    ids = [backup_cli("run", env=env).out.strip() for _ in range(2)]
    assert visible_backups(target) == sorted(ids)
    listing = json.loads(backup_cli("list", "--json", env=env).out)
    assert [row["id"] for row in listing] == sorted(ids, reverse=True)
    assert [row["status"] for row in listing] == ["ok", "ok"]
    assert listing[0]["retention"] == "newest,hourly,daily,weekly,monthly"
    assert listing[1]["retention"] == "prune"  # same hour, day, week and month as the newer one
    assert all(row["size_bytes"] > 0 and row["taken_at"] for row in listing)
    table = backup_cli("list", env=env).out.splitlines()
    assert table[0].split()[:2] == ["ID", "TAKEN"]
    assert ids[1] in table[1]
