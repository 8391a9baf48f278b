"""The API's deal-room file store (directory store) in backups: archived as files.tar with the database, checked by
verify, put back by `restore --files-target` only when the whole archive checks out and the database restore succeeded;
an S3 file store is protected by bucket versioning, which every run checks (real SeaweedFS)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import KEY, Result, S3Server, pg_dump_plain, sqlite_dump, visible_backups
from triboka_backup.stores.s3 import make_client


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path, hidden and lost+found included: what a restore left behind."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def file_store(tmp_path: Path) -> Path:
    """A directory store as the API writes it: deals/<id>/<hex>.<ext>, plus what must never be archived."""
    root = tmp_path / "files"
    for deal, name, size in [
        (1, "a1b2.pdf", 5000),
        (1, "c3d4.png", 70000),
        (42, "e5f6.jpg", 2 * 1024 * 1024),
    ]:
        (root / "deals" / str(deal)).mkdir(parents=True, exist_ok=True)
        (root / "deals" / str(deal) / name).write_bytes(os.urandom(size))
    (root / "deals" / "1" / ".tmp-0123abcd").write_bytes(b"an upload still being written")
    (root / "lost+found").mkdir()
    return root


def stored(root: Path) -> dict[str, bytes]:
    return {name: data for name, data in tree(root).items() if ".tmp-" not in name}


def database_env(seeded_sqlite: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "TRIBOKA_BACKUP_DATABASE_URL": f"sqlite:///{seeded_sqlite}",
        "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups"),
    }


def sqlite_env(seeded_sqlite: Path, tmp_path: Path, files: Path) -> dict[str, str]:
    return {**database_env(seeded_sqlite, tmp_path), "TRIBOKA_BACKUP_FILES_DIR": str(files)}


def restore_into(
    backup_cli: Callable[..., Result], env: dict[str, str], database: Path, files: Path, *extra: str
) -> Result:
    """`restore latest` (or extra's options) into a SQLite file and a files folder."""
    return backup_cli(
        "restore",
        "latest",
        "--target-url",
        f"sqlite:///{database}",
        "--files-target",
        str(files),
        *extra,
        env=env,
    )


def test_encrypted_postgres_backup_restores_database_and_files(
    seeded_pg: str,
    file_store: Path,
    tmp_path: Path,
    backup_cli: Callable[..., Result],
    pg_database_factory: Callable[[str], str],
    pg_url_for: Callable[..., str],
) -> None:
    env = {
        "TRIBOKA_BACKUP_DATABASE_URL": seeded_pg,
        "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups"),
        "TRIBOKA_BACKUP_ENCRYPTION_KEY": KEY,
        "TRIBOKA_BACKUP_FILES_DIR": str(file_store),
    }
    run = backup_cli("run", env=env)
    assert run.code == 0, run.err
    folder = tmp_path / "backups" / run.out.strip()
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["kind"] == "files")
    archive = (folder / "files.tar.enc").read_bytes()
    assert entry["name"] == "files.tar.enc"
    assert entry["sha256"] == hashlib.sha256(archive).hexdigest()
    assert stored(file_store)["deals/42/e5f6.jpg"][:4096] not in archive, "the archive is encrypted"
    assert backup_cli("verify", env=env).code == 0

    fresh = pg_url_for(pg_database_factory("triboka_backup_files"))
    target = tmp_path / "restored-files"
    restored = backup_cli("restore", "latest", "--target-url", fresh, "--files-target", str(target), env=env)
    assert restored.code == 0, restored.err
    assert "file store: 3 files put back" in restored.out
    assert tree(target) == stored(file_store), "same files, same bytes; no partial upload, no lost+found"
    name = fresh.rsplit("/", 1)[1]
    assert pg_dump_plain(fresh).replace(name, "DB") == pg_dump_plain(seeded_pg).replace(
        seeded_pg.rsplit("/", 1)[1], "DB"
    )

    again = pg_url_for(pg_database_factory("triboka_backup_nofiles"))
    without = backup_cli("restore", "latest", "--target-url", again, env=env)
    assert without.code == 0, without.err
    assert "file store: in the backup, not restored (pass --files-target)" in without.out


@pytest.mark.parametrize("damage", ["flipped-byte", "truncated"])
def test_damaged_file_archive_restores_nothing(
    damage: str, seeded_sqlite: Path, file_store: Path, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    env = sqlite_env(seeded_sqlite, tmp_path, file_store)
    run = backup_cli("run", env=env)
    assert run.code == 0, run.err
    archive = tmp_path / "backups" / run.out.strip() / "files.tar"
    data = bytearray(archive.read_bytes())
    if damage == "flipped-byte":
        data[len(data) // 3] ^= 0xFF
    else:
        del data[-1:]
    archive.write_bytes(bytes(data))

    verify = backup_cli("verify", env=env)
    assert verify.code == 5
    assert "files.tar" in verify.out
    target_db = tmp_path / "restored.db"
    target = tmp_path / "restored-files"
    restore = backup_cli(
        "restore",
        run.out.strip(),
        "--target-url",
        f"sqlite:///{target_db}",
        "--files-target",
        str(target),
        env=env,
    )
    assert restore.code == 5, restore.err
    assert not target_db.exists(), "the database is not restored either"
    assert list(target.glob("*")) == [], "no file, no staging folder left behind"


@pytest.fixture
def backed_up(
    seeded_sqlite: Path, file_store: Path, tmp_path: Path, backup_cli: Callable[..., Result]
) -> dict:
    """The environment of a SQLite database and a file store with one backup taken."""
    env = sqlite_env(seeded_sqlite, tmp_path, file_store)
    run = backup_cli("run", env=env)
    assert run.code == 0, run.err
    return env


def test_files_dir_must_be_empty_unless_forced(
    backed_up: dict, seeded_sqlite: Path, file_store: Path, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    env = backed_up
    target_db = tmp_path / "restored.db"
    target = tmp_path / "restored-files"
    (target / "deals" / "1").mkdir(parents=True)
    (target / "deals" / "1" / "a1b2.pdf").write_bytes(b"a newer version")
    (target / "deals" / "7").mkdir()
    (target / "deals" / "7" / "beef.pdf").write_bytes(b"not in the backup")

    refused = restore_into(backup_cli, env, target_db, target)
    assert refused.code == 7
    assert "is not empty" in refused.err
    assert not target_db.exists()
    assert (target / "deals" / "1" / "a1b2.pdf").read_bytes() == b"a newer version"

    forced = restore_into(backup_cli, env, target_db, target, "--force")
    assert forced.code == 0, forced.err
    after = tree(target)
    assert after["deals/1/a1b2.pdf"] == stored(file_store)["deals/1/a1b2.pdf"], "same name: replaced"
    assert after["deals/7/beef.pdf"] == b"not in the backup", "not in the backup: left alone"
    assert sqlite_dump(target_db) == sqlite_dump(seeded_sqlite)


def test_failed_database_restore_puts_no_file_in_place(
    backed_up: dict, seeded_sqlite: Path, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    env = backed_up
    target = tmp_path / "restored-files"
    # the database target is not empty: refused after the files were unpacked and checked
    restore = restore_into(backup_cli, env, seeded_sqlite, target)
    assert restore.code == 7
    assert list(target.glob("*")) == [], "the staged files are removed"


def test_backup_without_file_store_refuses_files_dir(
    seeded_sqlite: Path, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    env = {
        **database_env(seeded_sqlite, tmp_path),
    }
    assert backup_cli("run", env=env).code == 0
    target_db = tmp_path / "restored.db"
    restore = restore_into(backup_cli, env, target_db, tmp_path / "f")
    assert restore.code == 7
    assert "has no file store archive" in restore.err
    assert not target_db.exists()


def test_missing_files_dir_is_a_configuration_error(
    seeded_sqlite: Path, tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    run = backup_cli("run", env=sqlite_env(seeded_sqlite, tmp_path, tmp_path / "absent"))
    assert run.code == 2
    assert "TRIBOKA_BACKUP_FILES_DIR" in run.err


def _member(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"x", link: str = "") -> tuple:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, len(data) if kind == tarfile.REGTYPE else 0, link
    return info, io.BytesIO(data) if kind == tarfile.REGTYPE else None


@pytest.mark.parametrize(
    "hostile",
    [
        _member("files/../../escaped"),
        _member("/tmp/absolute-escape"),
        _member("files/deals/1/link", tarfile.SYMTYPE, link="/etc/passwd"),
        _member("files/deals/1/hard", tarfile.LNKTYPE, link="../../../outside"),
        _member("files/deals/1/fifo", tarfile.FIFOTYPE),
        _member("other/top-level"),
        _member("files/deals/1/fine.pdf", data=b"a second file of the same name"),
    ],
    ids=["dotdot", "absolute", "symlink", "hardlink", "fifo", "other-folder", "repeated-name"],
)
def test_forged_archive_with_a_checksum_to_match_is_refused(
    hostile: tuple,
    seeded_sqlite: Path,
    file_store: Path,
    tmp_path: Path,
    backup_cli: Callable[..., Result],
) -> None:
    """Someone who can write the backup storage replaces files.tar and its manifest entry: the checksum matches,
    the members do not belong to a file store, and nothing lands anywhere."""
    env = sqlite_env(seeded_sqlite, tmp_path, file_store)
    run = backup_cli("run", env=env)
    folder = tmp_path / "backups" / run.out.strip()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(*_member("files/deals/1/fine.pdf"))
        tar.addfile(*hostile)
    (folder / "files.tar").write_bytes(buffer.getvalue())
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["kind"] == "files":
            entry.update(size=len(buffer.getvalue()), sha256=hashlib.sha256(buffer.getvalue()).hexdigest())
    (folder / "manifest.json").write_text(json.dumps(manifest))
    target_db = tmp_path / "restored.db"
    target = tmp_path / "deep" / "restored-files"

    restore = restore_into(backup_cli, env, target_db, target)
    assert restore.code == 7, restore.err
    assert "cannot unpack files.tar" in restore.err
    assert list(target.glob("*")) == []
    assert not (tmp_path / "escaped").exists()
    assert not Path("/tmp/absolute-escape").exists()
    assert not target_db.exists()


def test_file_store_comes_back_from_the_backup_bucket(
    seeded_sqlite: Path,
    file_store: Path,
    tmp_path: Path,
    s3_server: S3Server,
    backup_cli: Callable[..., Result],
) -> None:
    bucket = f"backups-{uuid.uuid4().hex[:8]}"
    s3 = make_client(s3_server.endpoint, s3_server.access_key, s3_server.secret_key, "us-east-1")
    s3.create_bucket(Bucket=bucket)
    env = {**sqlite_env(seeded_sqlite, tmp_path, file_store), **s3_server.env(bucket)}
    run = backup_cli("run", env=env)
    assert run.code == 0, run.err
    shutil.rmtree(tmp_path / "backups")  # the directory copy is gone: only the bucket has the backup
    target_db = tmp_path / "restored.db"
    target = tmp_path / "restored-files"
    restored = backup_cli(
        "restore", "latest", "--storage", "s3", "--target-url", f"sqlite:///{target_db}",
        "--files-target", str(target), env=env,
    )  # fmt: skip
    assert restored.code == 0, restored.err
    assert tree(target) == stored(file_store)


def versioned_bucket_env(server: S3Server, versioning: str | None) -> dict[str, str]:
    """A file store bucket with versioning Enabled, Suspended or never set, as the backup job's settings."""
    name = f"files-{uuid.uuid4().hex[:8]}"
    s3 = make_client(server.endpoint, server.access_key, server.secret_key, "us-east-1")
    s3.create_bucket(Bucket=name)
    if versioning is not None:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
    return {
        "TRIBOKA_BACKUP_FILES_S3_ENDPOINT_URL": server.endpoint,
        "TRIBOKA_BACKUP_FILES_S3_BUCKET": name,
        "TRIBOKA_BACKUP_FILES_S3_ACCESS_KEY_ID": server.access_key,
        "TRIBOKA_BACKUP_FILES_S3_SECRET_ACCESS_KEY": server.secret_key,
    }


def test_versioned_file_store_bucket_passes(
    seeded_sqlite: Path, tmp_path: Path, s3_server: S3Server, backup_cli: Callable[..., Result]
) -> None:
    env = {
        **database_env(seeded_sqlite, tmp_path),
        **versioned_bucket_env(s3_server, "Enabled"),
    }
    run = backup_cli("run", env=env)
    assert run.code == 0, run.err
    assert any(e.get("event") == "files_bucket_versioned" for e in run.events())


@pytest.mark.parametrize("versioning", [None, "Suspended"], ids=["never-enabled", "suspended"])
def test_unversioned_file_store_bucket_fails_the_run_after_the_backup(
    versioning: str | None,
    seeded_sqlite: Path,
    tmp_path: Path,
    s3_server: S3Server,
    backup_cli: Callable[..., Result],
) -> None:
    env = {
        **database_env(seeded_sqlite, tmp_path),
        **versioned_bucket_env(s3_server, versioning),
    }
    run = backup_cli("run", "--prune", env=env)
    assert run.code == 4
    assert "is not versioned" in run.err
    assert len(visible_backups(tmp_path / "backups")) == 1, "the database backup is kept"
    assert backup_cli("verify", env=env).code == 0
    last = json.loads((tmp_path / "backups" / "last_run.json").read_text())
    assert (last["status"], last["exit_code"]) == ("failed", 4)
    assert "triboka_backup_last_run_success 0" in (tmp_path / "backups" / "metrics.prom").read_text()


@pytest.mark.parametrize(
    ("bucket_env", "code", "message"),
    [
        (
            {"TRIBOKA_BACKUP_FILES_S3_BUCKET": "no-such-bucket"},
            4,
            "cannot read the versioning of the file store bucket",
        ),
        (
            {"TRIBOKA_BACKUP_FILES_S3_ENDPOINT_URL": ""},
            2,
            "needs both FILES_S3_ENDPOINT_URL and FILES_S3_BUCKET",
        ),
    ],
    ids=["missing-bucket", "no-endpoint"],
)
def test_file_store_bucket_that_cannot_be_checked_fails_the_run(
    bucket_env: dict[str, str],
    code: int,
    message: str,
    seeded_sqlite: Path,
    tmp_path: Path,
    s3_server: S3Server,
    backup_cli: Callable[..., Result],
) -> None:
    env = {
        **database_env(seeded_sqlite, tmp_path),
        **versioned_bucket_env(s3_server, "Enabled"),
        **bucket_env,
    }
    run = backup_cli("run", env=env)
    assert run.code == code
    assert message in run.err
