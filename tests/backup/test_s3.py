"""The S3 target against a real SeaweedFS: upload, list, verify, restore, prune, aborts and no overwrite."""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.client import BaseClient
from conftest import (
    KEY,
    PUBLIC_RELATIONS,
    Result,
    S3Server,
    fabricate,
    pg_dump_plain,
    psql,
    sqlite_dump,
    visible_backups,
)
from triboka_backup.errors import StorageError
from triboka_backup.stores.s3 import S3Store, make_client

PART = 5 * 1024 * 1024


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    name = f"backups-{uuid.uuid4().hex[:8]}"
    client(s3_server).create_bucket(Bucket=name)
    return name


@pytest.fixture
def store(s3_server: S3Server, bucket: str) -> S3Store:
    return S3Store(client(s3_server), bucket, "triboka/prod", PART)


def client(server: S3Server) -> BaseClient:
    return make_client(server.endpoint, server.access_key, server.secret_key, "us-east-1")


def keys(server: S3Server, bucket: str) -> list[str]:
    pages = client(server).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def read(server: S3Server, bucket: str, key: str) -> bytes:
    return client(server).get_object(Bucket=bucket, Key=key)["Body"].read()


def pending_uploads(server: S3Server, bucket: str) -> list[str]:
    return [u["Key"] for u in client(server).list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


@pytest.fixture
def env(seeded_sqlite: Path, tmp_path: Path, s3_server: S3Server, bucket: str) -> dict[str, str]:
    return {
        "TRIBOKA_BACKUP_DATABASE_URL": f"sqlite:///{seeded_sqlite}",
        "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups"),
        **s3_server.env(bucket, prefix="triboka/prod"),
    }


def test_upload_list_verify_restore_from_s3(
    env: dict[str, str],
    seeded_sqlite: Path,
    s3_server: S3Server,
    bucket: str,
    backup_cli: Callable[..., Result],
) -> None:
    run = backup_cli("run", env=env)
    assert run.code == 0, run.err
    backup_id = run.out.strip()
    assert keys(s3_server, bucket) == [
        f"triboka/prod/{backup_id}/database.sqlite3",
        f"triboka/prod/{backup_id}/manifest.json",
    ]
    listing = backup_cli("list", "--storage", "s3", env=env)
    assert backup_id in listing.out
    assert " ok" in listing.out
    assert backup_cli("verify", "--storage", "s3", env=env).code == 0

    before = sqlite_dump(seeded_sqlite)
    restored_path = seeded_sqlite.with_name("restored.db")
    local_copy = Path(env["TRIBOKA_BACKUP_TARGET_DIR"]) / backup_id
    for file in local_copy.iterdir():  # the local copy is gone: S3 alone must do
        file.unlink()
    local_copy.rmdir()
    restore = backup_cli(
        "restore", "latest", "--storage", "s3", "--target-url", f"sqlite:///{restored_path}", env=env
    )
    assert restore.code == 0, restore.err
    assert sqlite_dump(restored_path) == before


def test_corrupted_object_fails_verification(
    env: dict[str, str], s3_server: S3Server, bucket: str, backup_cli: Callable[..., Result]
) -> None:
    backup_id = backup_cli("run", env=env).out.strip()
    key = f"triboka/prod/{backup_id}/database.sqlite3"
    data = bytearray(read(s3_server, bucket, key))
    data[100] ^= 0xFF
    client(s3_server).put_object(Bucket=bucket, Key=key, Body=bytes(data))
    result = backup_cli("verify", "--storage", "s3", env=env)
    assert result.code == 5
    assert "checksum mismatch" in result.out


def test_prune_from_s3(
    env: dict[str, str], s3_server: S3Server, bucket: str, store: S3Store, backup_cli: Callable[..., Result]
) -> None:
    target = Path(env["TRIBOKA_BACKUP_TARGET_DIR"])
    real = backup_cli("run", env=env).out.strip()
    past = fabricate(target, real, [datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=i) for i in range(5)])
    for backup_id in past:
        store.publish(target / backup_id, backup_id)
    policy = {"TRIBOKA_BACKUP_KEEP_HOURLY": "0", "TRIBOKA_BACKUP_KEEP_DAILY": "3",
              "TRIBOKA_BACKUP_KEEP_WEEKLY": "0", "TRIBOKA_BACKUP_KEEP_MONTHLY": "0"}  # fmt: skip
    result = backup_cli("prune", env={**env, **policy})
    assert result.code == 0, result.err
    expected = [past[3], past[4], real]
    assert store.backup_ids() == expected
    assert visible_backups(target) == expected
    assert {k.split("/")[2] for k in keys(s3_server, bucket)} == set(expected), "no orphaned data objects"


class FailingReader(io.RawIOBase):
    """A source that breaks after `limit` bytes, like a disk error in the middle of an upload."""

    def __init__(self, limit: int) -> None:
        self.remaining = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.remaining <= 0:
            raise OSError("read error in the middle of the upload")
        count = min(len(buffer), self.remaining)
        buffer[:count] = b"x" * count
        self.remaining -= count
        return count


def test_aborted_multipart_upload_leaves_nothing(s3_server: S3Server, bucket: str, store: S3Store) -> None:
    source = io.BufferedReader(FailingReader(3 * PART))
    with pytest.raises(StorageError, match="read error"):
        store.upload("triboka/prod/20260101T000000.000Z/database.pgdump", source, 4 * PART)
    assert keys(s3_server, bucket) == []
    assert pending_uploads(s3_server, bucket) == [], "the multipart upload was aborted, not left half-written"


@pytest.mark.parametrize("size", [PART // 2, 2 * PART + 1], ids=["single-put", "multipart"])
def test_conditional_write_refuses_an_existing_key(
    s3_server: S3Server, bucket: str, store: S3Store, size: int
) -> None:
    """If-None-Match: the server itself refuses the second write (412), whatever a check before it saw."""
    key = "triboka/prod/20260101T000000.000Z/database.pgdump"
    store.upload(key, io.BytesIO(b"a" * size), size)
    with pytest.raises(StorageError, match="already exists"):
        store.upload(key, io.BytesIO(b"b" * size), size)
    assert read(s3_server, bucket, key) == b"a" * size
    assert pending_uploads(s3_server, bucket) == [], "the refused multipart upload was aborted"


def test_no_overwrite_of_an_existing_backup_id(
    env: dict[str, str], s3_server: S3Server, bucket: str, store: S3Store, backup_cli: Callable[..., Result]
) -> None:
    target = Path(env["TRIBOKA_BACKUP_TARGET_DIR"])
    backup_id = backup_cli("run", env=env).out.strip()
    manifest_key = f"triboka/prod/{backup_id}/manifest.json"
    manifest_before = read(s3_server, bucket, manifest_key)
    (target / backup_id / "database.sqlite3").write_bytes(b"something else")
    with pytest.raises(StorageError, match="already exists"):
        store.publish(target / backup_id, backup_id)
    assert read(s3_server, bucket, manifest_key) == manifest_before
    assert backup_cli("verify", "--storage", "s3", env=env).code == 0


def test_publish_racing_another_writer_keeps_its_objects_and_removes_its_own(
    env: dict[str, str],
    s3_server: S3Server,
    bucket: str,
    store: S3Store,
    backup_cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another writer's object appears after the existence check: the conditional write still refuses it."""
    target = Path(env["TRIBOKA_BACKUP_TARGET_DIR"])
    local_only = {name: value for name, value in env.items() if "_S3_" not in name}
    backup_id = backup_cli("run", env=local_only).out.strip()
    (target / backup_id / "config.json").write_text("{}")  # uploaded before database.sqlite3
    theirs = f"triboka/prod/{backup_id}/database.sqlite3"
    client(s3_server).put_object(Bucket=bucket, Key=theirs, Body=b"the other writer's bytes")
    monkeypatch.setattr(store, "_objects", lambda under="": {})  # the check saw nothing yet
    with pytest.raises(StorageError, match="already exists"):
        store.publish(target / backup_id, backup_id)
    assert keys(s3_server, bucket) == [theirs], "its own config.json removed, the other writer's object kept"
    assert read(s3_server, bucket, theirs) == b"the other writer's bytes"


def test_unreachable_bucket_fails_the_run_and_uploads_nothing(
    env: dict[str, str], s3_server: S3Server, bucket: str, backup_cli: Callable[..., Result]
) -> None:
    result = backup_cli("run", "--prune", env={**env, "TRIBOKA_BACKUP_S3_BUCKET": "no-such-bucket"})
    assert result.code == 4
    assert "NoSuchBucket" in result.err or "does not exist" in result.err
    assert keys(s3_server, bucket) == []
    assert backup_cli("prune", env=env).code == 8, "the failed copy blocks pruning until a run succeeds"


def _retarget_database_file(manifest: bytes, name: str) -> bytes:
    document = json.loads(manifest)
    [database] = [f for f in document["files"] if f["kind"] == "database"]
    database["name"] = name
    return json.dumps(document).encode()


@pytest.mark.parametrize("hostile", ["absolute", "parent"])
def test_restore_from_s3_refuses_manifest_names_outside_the_scratch_folder(
    hostile: str,
    env: dict[str, str],
    s3_server: S3Server,
    bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    backup_cli: Callable[..., Result],
) -> None:
    """A tampered manifest names the dump `/abs/path` or `../x`: the restore must not write there (it did, before
    any checksum check), and must refuse the backup."""
    scratch_root = tmp_path / "scratch-root"
    scratch_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_root))  # the restore's scratch folder goes in here
    outside = tmp_path / "outside" / "planted" if hostile == "absolute" else scratch_root / "planted"
    outside.parent.mkdir(exist_ok=True)
    name = str(outside) if hostile == "absolute" else "../planted"
    backup_id = backup_cli("run", env=env).out.strip()
    prefix = f"triboka/prod/{backup_id}/"
    s3 = client(s3_server)
    if (
        hostile == "absolute"
    ):  # SeaweedFS refuses keys with `..` (AWS S3 stores them): the manifest check must hold
        dump = read(s3_server, bucket, prefix + "database.sqlite3")
        s3.put_object(Bucket=bucket, Key=prefix + name, Body=dump)
    manifest = read(s3_server, bucket, prefix + "manifest.json")
    s3.put_object(Bucket=bucket, Key=prefix + "manifest.json", Body=_retarget_database_file(manifest, name))
    target = tmp_path / "restored.db"
    restore = backup_cli(
        "restore", backup_id, "--storage", "s3", "--target-url", f"sqlite:///{target}", env=env
    )
    assert restore.code == 5, (restore.out, restore.err)
    assert "not this job's database file" in restore.err + restore.out
    assert not outside.exists()
    assert not target.exists()
    assert backup_cli("verify", backup_id, "--storage", "s3", env=env).code == 5


def test_restore_from_the_local_store_refuses_a_manifest_naming_a_file_outside_the_backup(
    env: dict[str, str], tmp_path: Path, backup_cli: Callable[..., Result]
) -> None:
    """The local store read `/abs/path` as the dump: a valid-looking file planted anywhere could be restored."""
    local = {k: v for k, v in env.items() if not k.startswith("TRIBOKA_BACKUP_S3_")}
    backup_id = backup_cli("run", env=local).out.strip()
    folder = Path(local["TRIBOKA_BACKUP_TARGET_DIR"]) / backup_id
    planted = tmp_path / "elsewhere.sqlite3"
    shutil.copyfile(folder / "database.sqlite3", planted)  # same bytes: the checksum would match
    manifest = (folder / "manifest.json").read_bytes()
    (folder / "manifest.json").write_bytes(_retarget_database_file(manifest, str(planted)))
    target = tmp_path / "restored.db"
    restore = backup_cli("restore", backup_id, "--target-url", f"sqlite:///{target}", env=local)
    assert restore.code == 5, (restore.out, restore.err)
    assert not target.exists()


@pytest.mark.postgres
def test_encrypted_postgresql_backup_streams_from_s3_into_pg_restore(
    seeded_pg: str, tmp_path: Path, s3_server: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch,
    backup_cli: Callable[..., Result], pg_database_factory: Callable[[str], str], pg_url_for: Callable[..., str],
) -> None:  # fmt: skip
    """Read from the bucket, hashed and decrypted on the way into pg_restore: no copy on disk; a damaged object
    (the last byte, found only at the end of the stream) restores nothing."""
    env = {
        "TRIBOKA_BACKUP_DATABASE_URL": seeded_pg,
        "TRIBOKA_BACKUP_TARGET_DIR": str(tmp_path / "backups"),
        "TRIBOKA_BACKUP_ENCRYPTION_KEY": KEY,
        **s3_server.env(bucket, prefix="triboka/prod"),
    }
    backup_id = backup_cli("run", env=env).out.strip()
    shutil.rmtree(tmp_path / "backups" / backup_id)  # S3 alone must do
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_root))

    fresh = pg_url_for(pg_database_factory("triboka_backup_from_s3"))
    restored = backup_cli(
        "restore", backup_id, "--storage", "s3", "--target-url", fresh, "--check-counts", env=env
    )
    assert restored.code == 0, restored.err
    assert "(counted after the restore, equal to the manifest)" in restored.out
    assert pg_dump_plain(fresh).replace(fresh.rsplit("/", 1)[1], "DB") == pg_dump_plain(seeded_pg).replace(
        seeded_pg.rsplit("/", 1)[1], "DB"
    )
    assert list(scratch_root.iterdir()) == [], "nothing written to the scratch folder"

    key = f"triboka/prod/{backup_id}/database.pgdump.enc"
    data = bytearray(read(s3_server, bucket, key))
    data[-1] ^= 0x01
    client(s3_server).put_object(Bucket=bucket, Key=key, Body=bytes(data))
    untouched = pg_url_for(pg_database_factory("triboka_backup_untouched"))
    damaged = backup_cli("restore", backup_id, "--storage", "s3", "--target-url", untouched, env=env)
    assert damaged.code == 5
    assert "checksum mismatch" in damaged.err
    assert psql(untouched, PUBLIC_RELATIONS).strip() == "0"
