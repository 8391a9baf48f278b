"""`TRIBOKA_BACKUP_DATABASE_REPLICA_HOST`: the backup dumps from the replica when it is one and answers; a
replica that does not answer, or a host that is not a replica (a primary, e.g. a Service pointed at a promoted
member), never fails the run: the dump comes from the primary and the log says why. The dump from a real
streaming replica is exercised on the chart's replicated database (tests/e2e/test_10_postgresql_ha.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.backup.conftest import Result, visible_backups


@pytest.fixture
def pg_env(seeded_pg: str, tmp_path: Path) -> dict[str, str]:
    """The seeded database given by components, as the chart passes it."""
    url = urlsplit(seeded_pg)
    return {
        "TRIBOKA_BACKUP_DATABASE_HOST": url.hostname or "",
        "TRIBOKA_BACKUP_DATABASE_PORT": str(url.port or 5432),
        "TRIBOKA_BACKUP_DATABASE_NAME": url.path.lstrip("/"),
        "TRIBOKA_BACKUP_DATABASE_USER": url.username or "",
        "TRIBOKA_BACKUP_DATABASE_PASSWORD": url.password or "",
        "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups"),
    }


def _source_event(run: Result) -> dict:
    (event,) = [e for e in run.events() if e.get("event") == "source"]
    return event


def _other_name_for(host: str) -> str:
    """The same server under another name: a primary where a replica was expected."""
    return {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}.get(host, "localhost")


def test_a_replica_that_does_not_answer_leaves_the_dump_to_the_primary(
    pg_env: dict[str, str], backup_cli: Callable[..., Result], tmp_path: Path
) -> None:
    run = backup_cli("run", env={**pg_env, "TRIBOKA_BACKUP_DATABASE_REPLICA_HOST": "replica.invalid"})
    assert run.code == 0, run.err
    event = _source_event(run)
    assert event["replica"] is False
    assert "does not answer" in event["reason"]
    assert event["source"].startswith(f"postgresql://{pg_env['TRIBOKA_BACKUP_DATABASE_HOST']}:")
    assert visible_backups(tmp_path / "backups") == [run.out.strip()]


def test_a_primary_named_as_replica_is_not_used_as_one(
    pg_env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    host = pg_env["TRIBOKA_BACKUP_DATABASE_HOST"]
    run = backup_cli("run", env={**pg_env, "TRIBOKA_BACKUP_DATABASE_REPLICA_HOST": _other_name_for(host)})
    assert run.code == 0, run.err
    event = _source_event(run)
    assert event["replica"] is False
    assert event["reason"] == "it is not a replica (not in recovery)"
    # and the backup it made verifies
    assert backup_cli("verify", env=pg_env).code == 0


def test_without_a_replica_host_nothing_is_probed(
    pg_env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    run = backup_cli("run", env=pg_env)
    assert run.code == 0, run.err
    assert [e for e in run.events() if e.get("event") == "source"] == []
