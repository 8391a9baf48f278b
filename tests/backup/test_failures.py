"""Failure injection: each failure has its own exit code, keeps every backup, leaves nothing half-written."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import KEY, PUBLIC_RELATIONS, Result, leftovers, psql, visible_backups
from triboka_backup.filesio import READ_SIZE

OTHER_KEY = base64.b64encode(b"o" * 32).decode()

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_env(seeded_pg: str, tmp_path: Path) -> dict[str, str]:
    return {"TRIBOKA_BACKUP_DATABASE_URL": seeded_pg, "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups")}


@pytest.fixture
def first_backup(pg_env: dict[str, str], backup_cli: Callable[..., Result]) -> str:
    run = backup_cli("run", env=pg_env)
    assert run.code == 0, run.err
    return run.out.strip()


def assert_intact(
    target: Path, backup_id: str, backup_cli: Callable[..., Result], env: dict[str, str]
) -> None:
    """The earlier backup is still there and verifies; nothing half-written is left or visible."""
    assert visible_backups(target) == [backup_id]
    assert leftovers(target) == []
    assert backup_cli("verify", env={**env, "TRIBOKA_BACKUP_TARGET_DIR": str(target)}).code == 0


DIES_MIDWAY = "printf PGDMP; head -c 300000 /dev/urandom; echo 'pg_dump: error: connection lost' >&2; exit 1"


def fake_pg_dump(tmp_path: Path, body: str = DIES_MIDWAY, tool: str = "pg_dump") -> Path:
    """A pg_dump that starts like an archive, writes some bytes, then fails (the real one is not on PATH)."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    script = bin_dir / tool
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return bin_dir


def test_dump_command_failing_midway(
    first_backup: str, pg_env: dict[str, str], tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    target = Path(pg_env["TRIBOKA_BACKUP_TARGET_DIR"])
    failed = backup_cli(
        "run", "--prune", env={**pg_env, "TRIBOKA_BACKUP_PG_BIN_DIR": str(fake_pg_dump(tmp_path))}
    )
    assert failed.code == 3
    assert "connection lost" in failed.err
    assert_intact(target, first_backup, backup_cli, pg_env)
    last_run = json.loads((target / "last_run.json").read_text())
    assert (last_run["status"], last_run["exit_code"]) == ("failed", 3)
    success = json.loads((target / "last_success").read_text())
    assert success["backup_id"] == first_backup
    lines = (target / "metrics.prom").read_text().splitlines()
    metrics = dict(line.split() for line in lines if not line.startswith("#"))
    assert metrics["triboka_backup_last_run_success"] == "0"
    assert metrics["triboka_backup_last_run_exit_code"] == "3"
    first_end = datetime.fromisoformat(success["finished_at"]).timestamp()
    assert float(metrics["triboka_backup_last_success_timestamp_seconds"]) == first_end


def test_dump_command_writing_garbage_and_exiting_zero(
    first_backup: str, pg_env: dict[str, str], tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    bin_dir = fake_pg_dump(tmp_path, "echo 'this is not an archive'; exit 0")
    failed = backup_cli("run", env={**pg_env, "TRIBOKA_BACKUP_PG_BIN_DIR": str(bin_dir)})
    assert failed.code == 3
    assert "not a custom-format archive" in failed.err
    assert_intact(Path(pg_env["TRIBOKA_BACKUP_TARGET_DIR"]), first_backup, backup_cli, pg_env)


def test_bad_database(first_backup: str, pg_env: dict[str, str], backup_cli: Callable[..., Result]) -> None:
    env = {**pg_env, "TRIBOKA_BACKUP_DATABASE_URL": pg_env["TRIBOKA_BACKUP_DATABASE_URL"] + "_missing"}
    failed = backup_cli("run", env=env)
    assert failed.code == 3
    assert "does not exist" in failed.err
    assert_intact(Path(pg_env["TRIBOKA_BACKUP_TARGET_DIR"]), first_backup, backup_cli, pg_env)


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mountpoint = tmp_path / "small"
    mountpoint.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mountpoint)):
        pytest.skip("this machine does not allow mounting a tmpfs")
    yield mountpoint
    subprocess.run(["umount", "-l", str(mountpoint)], check=True)


def test_target_directory_full(
    small_tmpfs: Path, pg_env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    env = {**pg_env, "TRIBOKA_BACKUP_TARGET_DIR": str(small_tmpfs)}
    first = backup_cli("run", env=env)
    assert first.code == 0, first.err
    with (small_tmpfs / "filler").open("wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 4096)
    failed = backup_cli("run", "--prune", env=env)
    assert failed.code == 4
    assert "No space left on device" in failed.err
    (small_tmpfs / "filler").unlink()
    assert_intact(small_tmpfs, first.out.strip(), backup_cli, env)


@pytest.fixture
def read_only_view(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A directory and a read-only bind mount of it (chmod would not stop root)."""
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    writable, read_only = tmp_path / "backups", tmp_path / "read-only"
    writable.mkdir()
    read_only.mkdir()
    if not _mount("--bind", str(writable), str(read_only)):
        pytest.skip("this machine does not allow bind mounts")
    if not _mount("-o", "remount,bind,ro", str(read_only)):
        subprocess.run(["umount", str(read_only)], check=True)
        pytest.skip("this machine does not allow read-only remounts")
    yield writable, read_only
    subprocess.run(["umount", "-l", str(read_only)], check=True)


def test_target_directory_read_only(
    read_only_view: tuple[Path, Path], pg_env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    writable, read_only = read_only_view
    first = backup_cli("run", env={**pg_env, "TRIBOKA_BACKUP_TARGET_DIR": str(writable)})
    assert first.code == 0
    env = {**pg_env, "TRIBOKA_BACKUP_TARGET_DIR": str(read_only)}
    failed = backup_cli("run", "--prune", env=env)
    assert failed.code == 4
    assert "Read-only file system" in failed.err
    assert backup_cli("prune", env=env).code == 4
    assert backup_cli("list", env=env).code == 0, "reading backups still works"
    assert_intact(writable, first.out.strip(), backup_cli, pg_env)


def test_verify_latest_checks_the_newest_backup(
    first_backup: str, pg_env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    verify = backup_cli("verify", "latest", env=pg_env)
    assert verify.code == 0, verify.err
    assert verify.out.splitlines() == [f"ok      {first_backup}"]


def test_corrupted_file_fails_verification_and_restore(
    first_backup: str,
    pg_env: dict[str, str],
    backup_cli: Callable[..., Result],
    pg_database_factory: Callable[[str], str],
    pg_url_for: Callable[..., str],
) -> None:
    dump = Path(pg_env["TRIBOKA_BACKUP_TARGET_DIR"]) / first_backup / "database.pgdump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    verify = backup_cli("verify", first_backup, env=pg_env)
    assert verify.code == 5
    assert f"FAILED  {first_backup}: " in verify.out
    assert "checksum mismatch" in verify.out
    target = pg_url_for(pg_database_factory("triboka_backup_untouched"))
    restore = backup_cli("restore", first_backup, "--target-url", target, env=pg_env)
    assert restore.code == 5
    assert psql(target, PUBLIC_RELATIONS).strip() == "0"


@pytest.fixture
def large_backup(seeded_pg: str, pg_env: dict[str, str], backup_cli: Callable[..., Result]) -> Path:
    """A dump of several read chunks, so pg_restore is already restoring when a late check fails."""
    psql(seeded_pg, "CREATE TABLE filler AS SELECT g, md5(g::text) || md5((-g)::text) AS h "
                    "FROM generate_series(1, 100000) g")  # fmt: skip
    run = backup_cli("run", env=pg_env)
    assert run.code == 0, run.err
    dump = Path(pg_env["TRIBOKA_BACKUP_TARGET_DIR"]) / run.out.strip() / "database.pgdump"
    assert dump.stat().st_size > 3 * READ_SIZE
    return dump


@pytest.mark.parametrize("where", ["compressed-data", "header-dbname", "last-byte"])
def test_damage_found_while_restoring_rolls_everything_back(
    large_backup: Path, where: str, seeded_pg: str, pg_env: dict[str, str], backup_cli: Callable[..., Result],
    pg_database_factory: Callable[[str], str], pg_url_for: Callable[..., str],
) -> None:  # fmt: skip
    """The checksum is checked while pg_restore runs. Damaged compressed data makes pg_restore fail first;
    a changed database name in the archive header is restored without complaint, so only the checksum,
    checked before the last chunk reaches pg_restore, stops its COMMIT. Either way: exit 5, empty target."""
    data = bytearray(large_backup.read_bytes())
    offsets = {
        "compressed-data": len(data) // 2,
        "header-dbname": data.index(urlsplit(seeded_pg).path.lstrip("/").encode()),
        "last-byte": len(data) - 1,
    }
    data[offsets[where]] ^= 0x01
    large_backup.write_bytes(bytes(data))
    target = pg_url_for(pg_database_factory("triboka_backup_untouched"))
    restore = backup_cli("restore", large_backup.parent.name, "--target-url", target, env=pg_env)
    assert restore.code == 5, restore.err
    assert "checksum mismatch" in restore.err
    assert psql(target, PUBLIC_RELATIONS).strip() == "0"


def test_truncated_backup_named_by_id_restores_nothing(
    large_backup: Path, pg_env: dict[str, str], backup_cli: Callable[..., Result],
    pg_database_factory: Callable[[str], str], pg_url_for: Callable[..., str],
) -> None:  # fmt: skip
    size = large_backup.stat().st_size
    with large_backup.open("r+b") as handle:
        handle.truncate(size - 1)
    target = pg_url_for(pg_database_factory("triboka_backup_untouched"))
    restore = backup_cli("restore", large_backup.parent.name, "--target-url", target, env=pg_env)
    assert restore.code == 5
    assert f"has {size - 1} bytes, manifest says {size}" in restore.err
    assert psql(target, PUBLIC_RELATIONS).strip() == "0"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("head -c 1000 >/dev/null; echo 'pg_restore: error: out of memory' >&2; exit 1", "out of memory"),
        ("exit 0", "stopped reading its input before the end"),
    ],
    ids=["fails", "exits-0-early"],
)
def test_restore_tool_failing_on_a_sound_backup(
    large_backup: Path, body: str, message: str, pg_env: dict[str, str], tmp_path: Path,
    backup_cli: Callable[..., Result], pg_database_factory: Callable[[str], str], pg_url_for: Callable[..., str],
) -> None:  # fmt: skip
    """The backup is sound, so the failure is the restore's (exit 7), also when the tool claims success."""
    env = {**pg_env, "TRIBOKA_BACKUP_PG_BIN_DIR": str(fake_pg_dump(tmp_path, body, tool="pg_restore"))}
    target = pg_url_for(pg_database_factory("triboka_backup_untouched"))
    restore = backup_cli("restore", large_backup.parent.name, "--target-url", target, env=env)
    assert restore.code == 7, restore.err
    assert message in restore.err


def test_verify_fails_when_there_is_nothing_to_verify(
    pg_env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    result = backup_cli("verify", env=pg_env)
    assert result.code == 5
    assert "no backups" in result.err


def test_restored_row_counts_differing_from_the_manifest(
    first_backup: str, pg_env: dict[str, str], backup_cli: Callable[..., Result],
    pg_database_factory: Callable[[str], str], pg_url_for: Callable[..., str],
) -> None:  # fmt: skip
    manifest_path = Path(pg_env["TRIBOKA_BACKUP_TARGET_DIR"]) / first_backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["row_counts"]["public.lots"] = 501
    manifest_path.write_text(json.dumps(manifest))
    target = pg_url_for(pg_database_factory("triboka_backup_counts"))
    result = backup_cli("restore", first_backup, "--target-url", target, "--check-counts", env=pg_env)
    assert result.code == 5
    assert "'public.lots': (501, 500)" in result.err
    assert backup_cli("verify", "--restore-test", env=pg_env).code == 5


def test_truncated_file_is_listed_as_damaged_and_never_pruned(
    first_backup: str, pg_env: dict[str, str], backup_cli: Callable[..., Result]
) -> None:
    target = Path(pg_env["TRIBOKA_BACKUP_TARGET_DIR"])
    second = backup_cli("run", env=pg_env).out.strip()
    dump = target / first_backup / "database.pgdump"
    dump.write_bytes(dump.read_bytes()[:100])
    listing = {row["id"]: row for row in json.loads(backup_cli("list", "--json", env=pg_env).out)}
    assert listing[first_backup]["status"].startswith("damaged: database.pgdump has 100 bytes")
    assert listing[first_backup]["retention"] == "-"
    prune = backup_cli("prune", env=pg_env)
    assert prune.code == 0
    assert f"ignore {first_backup}" in prune.out
    assert visible_backups(target) == [first_backup, second]


def write_lock(target: Path, pid: int, host: str, started: float) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    lock = target / ".triboka-backup.lock"
    lock.write_text(json.dumps({"pid": pid, "host": host, "started": started, "token": "someone-else"}))
    return lock


def test_held_lock(first_backup: str, pg_env: dict[str, str], backup_cli: Callable[..., Result]) -> None:
    target = Path(pg_env["TRIBOKA_BACKUP_TARGET_DIR"])
    lock = write_lock(target, os.getpid(), socket.gethostname(), time.time())
    for command in ("run", "prune"):
        held = backup_cli(command, env=pg_env)
        assert held.code == 6
        assert f"held by pid {os.getpid()}" in held.err
    assert lock.exists(), "someone else's live lock is left alone"
    assert_intact(target, first_backup, backup_cli, pg_env)


def test_stale_locks_are_recovered(pg_env: dict[str, str], backup_cli: Callable[..., Result]) -> None:
    target = Path(pg_env["TRIBOKA_BACKUP_TARGET_DIR"])
    gone = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True, check=True).stdout.strip()
    write_lock(target, int(gone), socket.gethostname(), time.time())
    run = backup_cli("run", env=pg_env)
    assert run.code == 0, run.err
    assert any(e.get("event") == "stale_lock" and "is gone" in e["message"] for e in run.events())

    write_lock(target, 1, "backup-job-28893412-xk2p9", time.time() - 7 * 3600)  # a killed pod, 7 hours ago
    run = backup_cli("run", env=pg_env)
    assert run.code == 0, run.err
    assert any(e.get("event") == "stale_lock" and "older than" in e["message"] for e in run.events())
    assert not (target / ".triboka-backup.lock").exists()

    write_lock(target, 1, "backup-job-28893412-xk2p9", time.time() - 60)  # another pod, still fresh
    assert backup_cli("run", env=pg_env).code == 6


def test_bad_encryption_key_on_restore(
    pg_env: dict[str, str],
    backup_cli: Callable[..., Result],
    pg_database_factory: Callable[[str], str],
    pg_url_for: Callable[..., str],
) -> None:
    assert backup_cli("run", env={**pg_env, "TRIBOKA_BACKUP_ENCRYPTION_KEY": KEY}).code == 0
    target = pg_url_for(pg_database_factory("triboka_backup_untouched"))

    wrong_key = {**pg_env, "TRIBOKA_BACKUP_ENCRYPTION_KEY": OTHER_KEY}
    wrong = backup_cli("restore", "latest", "--target-url", target, env=wrong_key)
    assert wrong.code == 5
    assert "wrong encryption key" in wrong.err
    missing = backup_cli("restore", "latest", "--target-url", target, env=pg_env)
    assert missing.code == 2
    assert "is encrypted" in missing.err
    malformed = backup_cli(
        "restore",
        "latest",
        "--target-url",
        target,
        env={**pg_env, "TRIBOKA_BACKUP_ENCRYPTION_KEY": "not-base64!"},
    )
    assert malformed.code == 2
    assert "TRIBOKA_BACKUP_ENCRYPTION_KEY" in malformed.err
    assert psql(target, PUBLIC_RELATIONS).strip() == "0"


def test_prune_never_follows_a_failed_run(
    first_backup: str, pg_env: dict[str, str], tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    target = Path(pg_env["TRIBOKA_BACKUP_TARGET_DIR"])
    second = backup_cli("run", env=pg_env).out.strip()  # same hour: retention would prune the first
    env = {**pg_env, "TRIBOKA_BACKUP_PG_BIN_DIR": str(fake_pg_dump(tmp_path))}
    assert backup_cli("run", "--prune", env=env).code == 3
    refused = backup_cli("prune", env=pg_env)
    assert refused.code == 8
    assert "did not succeed" in refused.err
    assert visible_backups(target) == [first_backup, second]

    assert backup_cli("run", "--prune", env=pg_env).code == 0
    assert len(visible_backups(target)) == 1, "after a successful run, retention applies again"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRIBOKA_BACKUP_KEEP_DAILY": "-1"}, "TRIBOKA_BACKUP_KEEP_DAILY / --keep-daily"),
        ({"TRIBOKA_BACKUP_DATABASE_URL": "mysql://x/y"}, "unsupported database URL scheme"),
        ({"TRIBOKA_BACKUP_DATABASE_URL": "sqlite:///a.db", "TRIBOKA_BACKUP_DATABASE_NAME": "x"}, "not both"),
        ({}, "no database configured"),
        ({"TRIBOKA_BACKUP_S3_BUCKET": "b", "TRIBOKA_BACKUP_DATABASE_NAME": "x"}, "S3_ENDPOINT_URL"),
        ({"TRIBOKA_BACKUP_DATABASE_NAME": "x", "TRIBOKA_BACKUP_DATABASE_PORT": "nope"}, "DATABASE_PORT"),
        ({"TRIBOKA_BACKUP_DATABASE_URL": "postgresql://h/db?foo=1"}, "unsupported PostgreSQL URL parameter"),
    ],
)
def test_bad_configuration(
    env: dict[str, str], message: str, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    result = backup_cli("run", env={"TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path), **env})
    assert result.code == 2
    assert message in result.err
    assert visible_backups(tmp_path) == []


def test_cli_flags_override_the_environment(
    seeded_sqlite: Path, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    env = {
        "TRIBOKA_BACKUP_DATABASE_URL": "sqlite:///nowhere.db",
        "TRIBOKA_BACKUP_TARGET_DIR": "/nonexistent/x",
    }
    target = tmp_path / "flags"
    run = backup_cli(
        "run", "--database-url", f"sqlite:///{seeded_sqlite}", "--target-dir", str(target), env=env
    )
    assert run.code == 0, run.err
    assert visible_backups(target) == [run.out.strip()]
