"""`restore --jobs N`: pg_restore --jobs on the stored dump file, for unencrypted PostgreSQL backups in the directory
store, with the whole dump hashed before pg_restore starts (it commits as it goes, so the check cannot wait)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import KEY, PUBLIC_RELATIONS, Result, pg_dump_plain, psql


def _same_database(restored: str, original: str) -> None:
    def dump(url: str) -> str:
        return pg_dump_plain(url).replace(url.rsplit("/", 1)[1], "DB")

    assert dump(restored) == dump(original)


def _flip(dump: Path, middle: bool) -> None:
    """One byte of the stored dump inverted (the size stays: only the checksum can tell)."""
    data = bytearray(dump.read_bytes())
    data[len(data) // 2 if middle else -1] ^= 0xFF
    dump.write_bytes(bytes(data))


@pytest.fixture
def env(seeded_pg: str, tmp_path: Path) -> dict[str, str]:
    return {"TRIBOKA_BACKUP_DATABASE_URL": seeded_pg, "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups")}


@pytest.fixture
def fresh(pg_database_factory: Callable[[str], str], pg_url_for: Callable[..., str]) -> str:
    return pg_url_for(pg_database_factory("triboka_backup_jobs"))


def test_parallel_restore_is_identical(
    seeded_pg: str, env: dict[str, str], fresh: str, backup_cli: Callable[..., Result]
) -> None:
    assert backup_cli("run", env=env).code == 0
    restored = backup_cli(
        "restore", "latest", "--target-url", fresh, "--jobs", "2", "--check-counts", env=env
    )
    assert restored.code == 0, restored.err
    assert "counted after the restore, equal to the manifest" in restored.out
    _same_database(fresh, seeded_pg)


@pytest.mark.parametrize("damage", ["flipped-byte", "last-byte"])
def test_damaged_dump_is_found_before_pg_restore_starts(
    damage: str, env: dict[str, str], fresh: str, backup_cli: Callable[..., Result]
) -> None:
    run = backup_cli("run", env=env)
    dump = Path(env["TRIBOKA_BACKUP_TARGET_DIR"]) / run.out.strip() / "database.pgdump"
    _flip(dump, middle=damage == "flipped-byte")
    restored = backup_cli("restore", "latest", "--target-url", fresh, "--jobs", "2", env=env)
    assert restored.code == 5
    assert "checksum mismatch" in restored.err
    assert psql(fresh, PUBLIC_RELATIONS).strip() == "0", "nothing restored"


def test_non_empty_target_is_refused_before_the_dump_is_read(
    seeded_pg: str, env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    run = backup_cli("run", env=env)
    _flip(Path(env["TRIBOKA_BACKUP_TARGET_DIR"]) / run.out.strip() / "database.pgdump", middle=True)
    refused = backup_cli("restore", "latest", "--target-url", seeded_pg, "--jobs", "2", env=env)
    assert refused.code == 7, "the target's refusal comes first, not the damaged dump's"
    assert "is not empty" in refused.err


def test_failing_parallel_restore_says_the_target_may_be_partial(
    env: dict[str, str], fresh: str, backup_cli: Callable[..., Result]
) -> None:
    assert backup_cli("run", env=env).code == 0
    # a view on a table of the dump: --clean cannot drop that table, and pg_restore stops (--exit-on-error)
    psql(fresh, "CREATE TABLE producers (id int); CREATE VIEW depends_on_it AS SELECT id FROM producers")
    failed = backup_cli("restore", "latest", "--target-url", fresh, "--jobs", "2", "--force", env=env)
    assert failed.code == 7
    assert "other objects depend on it" in failed.err
    assert "may hold a partial restore" in failed.err


def test_parallel_restore_needs_a_seekable_unencrypted_dump(
    env: dict[str, str], fresh: str, backup_cli: Callable[..., Result]
) -> None:
    encrypted = {**env, "TRIBOKA_BACKUP_ENCRYPTION_KEY": KEY}
    assert backup_cli("run", env=encrypted).code == 0
    refused = backup_cli("restore", "latest", "--target-url", fresh, "--jobs", "2", env=encrypted)
    assert refused.code == 2
    assert "--jobs needs an unencrypted PostgreSQL backup in the directory store" in refused.err
    assert psql(fresh, PUBLIC_RELATIONS).strip() == "0"
