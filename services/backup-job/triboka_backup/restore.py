"""Restoring a backup into a database, checking its key, size and checksum on the way."""

from __future__ import annotations

import inspect
import logging
import shutil
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from triboka_backup import archives
from triboka_backup.crypto import key_fingerprint
from triboka_backup.engines import Engine
from triboka_backup.engines.postgres import PostgresEngine
from triboka_backup.errors import ConfigError, RestoreError, VerifyError
from triboka_backup.filesio import plain_chunks, read_chunks, verified_chunks
from triboka_backup.manifest import FileEntry, Manifest
from triboka_backup.stores import Store, check_backup_id
from triboka_backup.stores.directory import DirStore
from triboka_backup.verify import check_file, survey

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


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    files: int | None  # files put back into --files-target, None when not asked to


@contextmanager
def checked_plain_chunks(
    store: Store, backup_id: str, entry: FileEntry, key: bytes | None
) -> Iterator[Iterator[bytes]]:
    """The original bytes of one stored file, read once and checked on the way: the SHA-256 is computed as the
    consumer reads and the last chunk held back until it matches (see `verified_chunks`), so a consumer that needs
    the end of the file never completes from a corrupt one. When the consumer fails (RestoreError) after reading
    some, the rest is still hashed, to tell a damaged backup (exit 5) from a failing restore (exit 7)."""
    where = f"{store.name} {backup_id}/{entry.name}"
    stored_size = store.sizes(backup_id).get(entry.name)
    if stored_size != entry.size:
        raise VerifyError(f"{where} has {stored_size} bytes, manifest says {entry.size}: not restoring")
    with store.open(backup_id, entry.name) as stream:
        verified = verified_chunks(read_chunks(stream), entry, where)
        try:
            yield plain_chunks(verified, key)
        except RestoreError as exc:
            if inspect.getgeneratorstate(verified) != inspect.GEN_CREATED:  # refused before reading: no need
                for _ in verified:  # a VerifyError here says the backup, not the restore, is at fault
                    pass
            raise exc from None


def _stage_files(store: Store, manifest: Manifest, key: bytes | None, files_dir: Path, force: bool) -> Path:
    """Unpack the file store archive into a hidden folder of `files_dir`, checked to its last byte before
    anything is moved into place."""
    entry = manifest.file("files")
    if entry is None:
        raise RestoreError(f"backup {manifest.backup_id} has no file store archive (taken without FILES_DIR)")
    if not force and not archives.is_empty(files_dir):
        raise RestoreError(
            f"{files_dir} is not empty: restore the files into an empty folder or pass --force"
        )
    with checked_plain_chunks(store, manifest.backup_id, entry, key) as chunks:
        try:
            staging = archives.staged_extract(chunks, files_dir, arcname="files")
        except (tarfile.TarError, OSError) as exc:
            raise RestoreError(f"cannot unpack {entry.name} into {files_dir}: {exc}") from exc
        try:
            for _ in chunks:  # tar stops at its end marker: read on, so the whole file is checked
                pass
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return staging


def _parallel_source(
    store: Store, manifest: Manifest, dump: FileEntry, engine: Engine, jobs: int
) -> tuple[PostgresEngine, Path] | None:
    """The engine and the dump as a file `pg_restore --jobs` can seek in, or None for the streaming restore."""
    if jobs == 1:
        return None
    if (
        not isinstance(store, DirStore)
        or manifest.encryption is not None
        or not isinstance(engine, PostgresEngine)
    ):
        raise ConfigError(
            "--jobs needs an unencrypted PostgreSQL backup in the directory store: pg_restore --jobs seeks in "
            "the archive file, and an encrypted or S3 backup is read as a stream (restore it without --jobs)"
        )
    return engine, store.path(manifest.backup_id, dump.name)


def restore(
    store: Store,
    backup_id: str,
    engine: Engine,
    key: bytes | None,
    force: bool,
    files_dir: Path | None = None,
    jobs: int = 1,
) -> Restored:
    """Stream the stored dump into the engine while checking it: one read, no copy on disk. With `files_dir`, the
    file store archive is unpacked and checked first, and moved into place only after the database restore
    succeeded, so a failure of either leaves both targets as they were (new files aside, with --force).

    With `jobs` > 1 (PostgreSQL, unencrypted, directory store), the whole dump is hashed first and then given to
    `pg_restore --jobs` as a file: a damaged dump still restores nothing, but a failure of the restore itself
    leaves a partial one (no single transaction)."""
    manifest = store.read_manifest(backup_id)
    check_key(manifest, key)
    dump = manifest.file("database")
    if dump is None:
        raise VerifyError(f"backup {backup_id} has no database file")
    parallel = _parallel_source(store, manifest, dump, engine, jobs)
    staging = _stage_files(store, manifest, key, files_dir, force) if files_dir else None
    log.info(
        "restoring %s into %s",
        backup_id,
        engine.describe(),
        extra={"event": "restore", "backup_id": backup_id},
    )
    try:
        if parallel is not None:
            # the whole dump is checked before pg_restore starts: it commits as it goes
            parallel[0].restore_file(parallel[1], force, jobs, lambda: check_file(store, backup_id, dump))
        else:
            with checked_plain_chunks(store, backup_id, dump, key) as chunks:
                engine.restore(chunks, force)
    except BaseException:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    files = archives.publish_staged(staging, "files", files_dir) if staging and files_dir else None
    log.info(
        "restored %s into %s",
        backup_id,
        engine.describe(),
        extra={"event": "restored", "backup_id": backup_id, "files": files},
    )
    return Restored(manifest, files)


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


def summary(restored: Restored, target: str, counted: bool) -> list[str]:
    manifest = restored.manifest
    checked = "counted after the restore, equal to the manifest" if counted else "as recorded in the manifest"
    lines = [
        f"restored backup {manifest.backup_id} (taken {manifest.started_at.isoformat()}, "
        f"{manifest.database.engine} {manifest.database.server_version}, schema revision "
        f"{manifest.schema_revision or 'none'}) into {target}",
        f"{len(manifest.row_counts)} tables, {sum(manifest.row_counts.values())} rows ({checked}):",
    ]
    lines += [f"  {table}: {count}" for table, count in manifest.row_counts.items()]
    if restored.files is not None:
        lines.append(f"file store: {restored.files} files put back")
    elif manifest.file("files"):
        lines.append("file store: in the backup, not restored (pass --files-target)")
    return lines
