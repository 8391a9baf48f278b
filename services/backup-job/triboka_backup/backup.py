"""Making one backup: dump, configuration, static files and manifest in a staged folder, then published."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from triboka_backup import __version__, archives, cluster_config, file_bucket
from triboka_backup.crypto import key_fingerprint
from triboka_backup.engines import Engine
from triboka_backup.errors import StorageError, VerifyError
from triboka_backup.filesio import SealedWriter, fsync_dir, hash_stream
from triboka_backup.manifest import (
    CONFIG_NAME,
    ENCRYPTED_SUFFIX,
    FILES_NAME,
    FORMAT_VERSION,
    MANIFEST_NAME,
    STATIC_NAME,
    Encryption,
    FileEntry,
    FileKind,
    Manifest,
)
from triboka_backup.progress import Progress
from triboka_backup.settings import Settings
from triboka_backup.stores import Store, backup_id_for
from triboka_backup.stores.directory import DirStore

log = logging.getLogger("triboka_backup")


def archived_directories(settings: Settings) -> list[tuple[FileKind, str, Path]]:
    """The configured directories a backup archives: (kind, file name, directory)."""
    configured: list[tuple[FileKind, str, Path | None]] = [
        ("static", STATIC_NAME, settings.static_dir),
        ("files", FILES_NAME, settings.files_dir),
    ]
    return [(kind, name, directory) for kind, name, directory in configured if directory is not None]


def create_backup(settings: Settings, engine: Engine, local: DirStore, remotes: list[Store]) -> Manifest:
    started = datetime.now(UTC)
    backup_id = backup_id_for(started)
    key = settings.key_bytes
    suffix = ENCRYPTED_SUFFIX if key else ""
    log.info(
        "backup %s of %s started",
        backup_id,
        engine.describe(),
        extra={"event": "start", "backup_id": backup_id},
    )
    staged = local.staging(backup_id)
    try:
        progress = Progress("dump", settings.progress_interval_seconds)
        with SealedWriter(staged / f"{engine.dump_name}{suffix}", key, progress) as writer:
            outcome = engine.dump(writer)
        progress.report("done")
        files = [writer.entry("database")]
        config, notes = cluster_config.snapshot(
            settings.kube_namespace, settings.release, key is not None, settings.secret_name_list
        )
        for note in notes:
            log.info(note, extra={"event": "skipped"})
        if config is not None:
            with SealedWriter(staged / f"{CONFIG_NAME}{suffix}", key) as writer:
                writer.write(config)
            files.append(writer.entry("config"))
        # after the dump: a file uploaded meanwhile is archived without its row (harmless), and only a file
        # deleted meanwhile is missing although the dump names it
        for kind, name, directory in archived_directories(settings):
            dir_progress = Progress(kind, settings.progress_interval_seconds)
            with SealedWriter(staged / f"{name}{suffix}", key, dir_progress) as writer:
                archives.archive(directory, writer, arcname=kind)
            files.append(writer.entry(kind))
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            backup_id=backup_id,
            tool_version=__version__,
            app_version=settings.app_version,
            schema_revision=outcome.schema_revision,
            database={
                "engine": engine.engine,
                "server_version": outcome.server_version,
                "name": outcome.database_name,
            },
            started_at=started,
            finished_at=datetime.now(UTC),
            encryption=Encryption(key_fingerprint=key_fingerprint(key)) if key else None,
            files=files,
            row_counts=outcome.row_counts,
            notes=notes,
        )
        with SealedWriter(staged / MANIFEST_NAME, None) as writer:
            writer.write(manifest.dump())
        _read_back(staged, files)
        fsync_dir(staged)
        local.publish(staged, backup_id)
    except BaseException:
        local.discard(staged)
        raise
    log.info(
        "backup %s written to %s",
        backup_id,
        local.name,
        extra={"event": "published", "backup_id": backup_id, "store": local.name},
    )
    for remote in remotes:
        remote.publish(local.root / backup_id, backup_id)
        log.info(
            "backup %s copied to %s",
            backup_id,
            remote.name,
            extra={"event": "published", "backup_id": backup_id, "store": remote.name},
        )
    file_bucket.check_versioned(
        settings
    )  # last: a bucket without versioning must not cost the database backup
    return manifest


def _read_back(staged: Path, files: list[FileEntry]) -> None:
    """Re-read what was written before publishing it: a backup that exists must check out."""
    for entry in files:
        try:
            with (staged / entry.name).open("rb") as stream:
                stored = hash_stream(stream)
        except OSError as exc:
            raise StorageError(f"cannot read back {entry.name}: {exc}") from exc
        if stored != (entry.size, entry.sha256):
            raise VerifyError(f"{entry.name} reads back differently from what was written")
