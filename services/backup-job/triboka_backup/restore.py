"""Restoring a backup into a database, after checking its checksums and key."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from triboka_backup.crypto import key_fingerprint
from triboka_backup.engines import Engine
from triboka_backup.errors import ConfigError, RestoreError, VerifyError
from triboka_backup.filesio import hash_stream, plain_chunks
from triboka_backup.manifest import Manifest
from triboka_backup.stores import Store, check_backup_id
from triboka_backup.verify import survey

log = logging.getLogger("triboka_backup")


def resolve(store: Store, backup_id: str) -> str:
    """`latest` is the newest backup that passes the quick check."""
    if backup_id != "latest":
        return check_backup_id(backup_id)
    for entry in survey(store):
        if entry.ok:
            return entry.backup_id
    raise RestoreError(f"no usable backup in {store.name}")


def check_key(manifest: Manifest, key: bytes | None) -> None:
    if manifest.encryption is None:
        return
    if key is None:
        raise ConfigError(f"backup {manifest.backup_id} is encrypted: set TRIBOKA_BACKUP_ENCRYPTION_KEY")
    if key_fingerprint(key) != manifest.encryption.key_fingerprint:
        raise VerifyError(
            f"backup {manifest.backup_id} was encrypted with key {manifest.encryption.key_fingerprint}, "
            f"the configured key is {key_fingerprint(key)}: wrong encryption key"
        )


def restore(store: Store, backup_id: str, engine: Engine, key: bytes | None, force: bool) -> Manifest:
    manifest = store.read_manifest(backup_id)
    check_key(manifest, key)
    dump = manifest.file("database")
    if dump is None:
        raise VerifyError(f"backup {backup_id} has no database file")
    with tempfile.TemporaryDirectory(prefix="triboka-restore-") as scratch:
        path = store.local_path(backup_id, dump.name, Path(scratch))
        with path.open("rb") as stream:
            if hash_stream(stream) != (dump.size, dump.sha256):
                raise VerifyError(f"{store.name} {backup_id}/{dump.name}: checksum mismatch, not restoring")
        log.info(
            "restoring %s into %s",
            backup_id,
            engine.describe(),
            extra={"event": "restore", "backup_id": backup_id},
        )
        if manifest.encryption is None:
            engine.restore(path, None, force)
        else:
            with path.open("rb") as stream:
                engine.restore(None, plain_chunks(stream, key), force)
    log.info(
        "restored %s into %s",
        backup_id,
        engine.describe(),
        extra={"event": "restored", "backup_id": backup_id},
    )
    return manifest


def compare_counts(manifest: Manifest, actual: dict[str, int]) -> None:
    """Exact row counts of the restored database against the manifest (a full scan of every table)."""
    if actual != manifest.row_counts:
        diff = {
            t: (manifest.row_counts.get(t), actual.get(t))
            for t in sorted(set(actual) | set(manifest.row_counts))
            if actual.get(t) != manifest.row_counts.get(t)
        }
        raise VerifyError(
            f"row counts after restore differ from the manifest (table: (manifest, restored)): {diff}"
        )


def summary(manifest: Manifest, target: str, counted: bool) -> list[str]:
    checked = "counted after the restore, equal to the manifest" if counted else "as recorded in the manifest"
    lines = [
        f"restored backup {manifest.backup_id} (taken {manifest.started_at.isoformat()}, "
        f"{manifest.database.engine} {manifest.database.server_version}, schema revision "
        f"{manifest.schema_revision or 'none'}) into {target}",
        f"{len(manifest.row_counts)} tables, {sum(manifest.row_counts.values())} rows ({checked}):",
    ]
    lines += [f"  {table}: {count}" for table, count in manifest.row_counts.items()]
    return lines
