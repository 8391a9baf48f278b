"""Restoring a backup into a database, checking its key, size and checksum on the way."""

from __future__ import annotations

import inspect
import logging

from triboka_backup.crypto import key_fingerprint
from triboka_backup.engines import Engine
from triboka_backup.errors import ConfigError, RestoreError, VerifyError
from triboka_backup.filesio import plain_chunks, read_chunks, verified_chunks
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
    """Stream the stored dump into the engine while checking it: one read, no copy on disk.

    The SHA-256 is computed on the way and the last chunk held back until it matches (see
    `verified_chunks`), so a corrupt backup is rolled back before its restore can commit. When the
    engine fails first, the rest of the file is still hashed, to tell a damaged backup (exit 5) from a
    failing restore (exit 7).
    """
    manifest = store.read_manifest(backup_id)
    check_key(manifest, key)
    dump = manifest.file("database")
    if dump is None:
        raise VerifyError(f"backup {backup_id} has no database file")
    where = f"{store.name} {backup_id}/{dump.name}"
    stored_size = store.sizes(backup_id).get(dump.name)
    if stored_size != dump.size:
        raise VerifyError(f"{where} has {stored_size} bytes, manifest says {dump.size}: not restoring")
    log.info(
        "restoring %s into %s",
        backup_id,
        engine.describe(),
        extra={"event": "restore", "backup_id": backup_id},
    )
    with store.open(backup_id, dump.name) as stream:
        verified = verified_chunks(read_chunks(stream), dump, where)
        try:
            engine.restore(plain_chunks(verified, key), force)
        except RestoreError as exc:
            if inspect.getgeneratorstate(verified) != inspect.GEN_CREATED:  # refused before reading: no need
                for _ in verified:  # a VerifyError here says the backup, not the restore, is at fault
                    pass
            raise exc from None
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
