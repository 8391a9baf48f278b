"""`prune` through the CLI on real backups re-dated into the past."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import Result, fabricate, visible_backups
from triboka_backup.stores import backup_id_for


@pytest.fixture
def env(seeded_sqlite: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "TRIBOKA_BACKUP_DATABASE_URL": f"sqlite:///{seeded_sqlite}",
        "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups"),
        "TRIBOKA_BACKUP_KEEP_HOURLY": "2",
        "TRIBOKA_BACKUP_KEEP_DAILY": "2",
        "TRIBOKA_BACKUP_KEEP_WEEKLY": "0",
        "TRIBOKA_BACKUP_KEEP_MONTHLY": "3",
    }


@pytest.fixture
def history(env: dict[str, str], backup_cli: Callable[..., Result]) -> tuple[Path, str, list[str]]:
    """One real backup now, plus copies dated every 6 hours from 2026-01-29 to 2026-02-02."""
    target = Path(env["TRIBOKA_BACKUP_TARGET_DIR"])
    real = backup_cli("run", env=env).out.strip()
    start = datetime(2026, 1, 29, 0, 0, tzinfo=UTC)
    past = fabricate(target, real, [start + timedelta(hours=6 * i) for i in range(17)])
    return target, real, past


def test_dry_run_prints_the_plan_and_deletes_nothing(
    history: tuple[Path, str, list[str]], env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    target, real, past = history
    before = visible_backups(target)
    result = backup_cli("prune", "--dry-run", env=env)
    assert result.code == 0
    assert f"keep   {real}  newest, hourly, daily, monthly" in result.out
    assert f"delete {past[0]}  -" in result.out
    assert visible_backups(target) == before


def test_prune_keeps_exactly_the_policy(
    history: tuple[Path, str, list[str]], env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    target, real, _ = history
    result = backup_cli("prune", env=env)
    assert result.code == 0, result.err
    kept = {
        real,  # newest, hourly, daily, monthly (this month)
        backup_id_for(datetime(2026, 2, 2, 0, 0, tzinfo=UTC)),  # hourly #2, daily #2, monthly for February
        backup_id_for(datetime(2026, 1, 31, 18, 0, tzinfo=UTC)),  # monthly for January: its last backup
    }
    assert set(visible_backups(target)) == kept
    assert backup_cli("verify", env=env).code == 0


def test_damaged_backups_are_neither_counted_nor_deleted(
    history: tuple[Path, str, list[str]], env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    target, _, past = history
    (target / past[-1] / "database.sqlite3").write_bytes(b"truncated")  # the Feb 2 00:00 copy
    (target / past[0] / "manifest.json").write_text("{not json")
    assert backup_cli("prune", env=env).code == 0
    survivors = set(visible_backups(target))
    assert {past[-1], past[0]} <= survivors, "what does not check out is left for a human"
    assert backup_id_for(datetime(2026, 2, 1, 18, 0, tzinfo=UTC)) in survivors, (
        "next best takes the damaged one's place"
    )


def test_newest_backup_failing_its_checksum_is_set_aside(
    history: tuple[Path, str, list[str]], env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    target, real, past = history
    dump = target / real / "database.sqlite3"
    data = bytearray(dump.read_bytes())
    data[-1] ^= 0x01  # same size: only the full checksum notices
    dump.write_bytes(bytes(data))
    nothing = {f"TRIBOKA_BACKUP_KEEP_{period}": "0" for period in ("HOURLY", "DAILY", "MONTHLY")}
    result = backup_cli("prune", env={**env, **nothing})
    assert result.code == 0, result.err
    assert f"ignore {real}" in result.out
    assert set(visible_backups(target)) == {real, past[-1]}, "the newest backup that verifies is kept"
