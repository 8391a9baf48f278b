"""scripts/restore-drill, as an operator runs it: a real backup restored into a throw-away database on a real
PostgreSQL server, verified against its manifest, timed, and the database dropped again, also on failure."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import psql
from test_roundtrip import cli_subprocess

DRILL = Path(__file__).resolve().parents[2] / "scripts" / "restore-drill"
SUMMARY = re.compile(
    r"^restore drill: backup (\S+) restored and verified in ([0-9.]+) s into (triboka_drill_\d+) \("
)

pytestmark = pytest.mark.postgres


def _drill(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TRIBOKA_BACKUP_", "DRILL_"))}
    return subprocess.run(
        [str(DRILL), *args], env={**clean, **env}, capture_output=True, text=True, check=False
    )


def _drill_databases(admin: str) -> list[str]:
    return psql(admin, "SELECT datname FROM pg_database WHERE datname LIKE 'triboka_drill_%'").split()


def test_the_drill_restores_verifies_times_and_drops(
    seeded_pg: str, tmp_path: Path, pg_url_for: Callable[..., str]
) -> None:
    env = {"TRIBOKA_BACKUP_DATABASE_URL": seeded_pg, "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups")}
    backup = cli_subprocess("run", env=env)
    assert backup.code == 0, backup.err
    admin = pg_url_for("postgres")
    before = _drill_databases(admin)

    drill = _drill(env={**env, "DRILL_ADMIN_URL": admin})
    assert drill.returncode == 0, drill.stderr
    assert "public.trace_events: 2000" in drill.stdout  # counted after the restore, equal to the manifest
    summary = SUMMARY.match(drill.stdout.strip().splitlines()[-1])
    assert summary, drill.stdout
    assert summary.group(1) == backup.out.strip()
    assert float(summary.group(2)) > 0
    assert _drill_databases(admin) == before  # dropped


def test_a_failed_restore_fails_the_drill_and_still_drops_its_database(
    seeded_pg: str, tmp_path: Path, pg_url_for: Callable[..., str]
) -> None:
    target = tmp_path / "backups"
    env = {"TRIBOKA_BACKUP_DATABASE_URL": seeded_pg, "TRIBOKA_BACKUP_TARGET_DIR": str(target)}
    backup = cli_subprocess("run", env=env)
    assert backup.code == 0, backup.err
    dump = target / backup.out.strip() / "database.pgdump"
    dump.write_bytes(dump.read_bytes()[:-100] + b"\0" * 100)  # damaged: its checksum no longer matches
    admin = pg_url_for("postgres")
    before = _drill_databases(admin)

    drill = _drill(env={**env, "DRILL_ADMIN_URL": admin})
    assert drill.returncode != 0
    assert "restore drill:" not in drill.stdout
    assert _drill_databases(admin) == before
