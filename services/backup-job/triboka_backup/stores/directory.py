"""Backups as folders in a directory. A folder is staged under a hidden name and renamed into place."""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from contextlib import AbstractContextManager
from pathlib import Path

from triboka_backup.errors import StorageError
from triboka_backup.filesio import ReadStream, fsync_dir
from triboka_backup.manifest import MANIFEST_NAME, Manifest, parse_manifest

log = logging.getLogger("triboka_backup")
STAGING_PREFIX = ".tmp-"
TRASH_PREFIX = ".trash-"


class DirStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = f"dir:{root}"

    def ensure_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create target directory {self.root}: {exc}") from exc

    def backup_ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if not p.name.startswith(".") and (p / MANIFEST_NAME).is_file()
        )

    def read_manifest(self, backup_id: str) -> Manifest:
        path = self.root / backup_id / MANIFEST_NAME
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc
        return parse_manifest(raw, f"{self.name}/{backup_id}")

    def sizes(self, backup_id: str) -> dict[str, int]:
        folder = self.root / backup_id
        return {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}

    def open(self, backup_id: str, name: str) -> AbstractContextManager[ReadStream]:
        return self.path(backup_id, name).open("rb")

    def path(self, backup_id: str, name: str) -> Path:
        """A stored file as a path (seekable: what `pg_restore --jobs` needs)."""
        return self.root / backup_id / name

    def staging(self, backup_id: str) -> Path:
        folder = self.root / f"{STAGING_PREFIX}{backup_id}-{uuid.uuid4().hex[:6]}"
        try:
            folder.mkdir()
        except OSError as exc:
            raise StorageError(f"cannot create {folder}: {exc}") from exc
        return folder

    def publish(self, folder: Path, backup_id: str) -> None:
        """Rename a complete staged folder into place; never over an existing backup."""
        target = self.root / backup_id
        try:
            fsync_dir(folder)
            if target.exists():
                raise StorageError(f"backup {backup_id} already exists in {self.name}: not overwriting")
            os.rename(folder, target)
            fsync_dir(self.root)
        except OSError as exc:
            raise StorageError(f"cannot publish {target}: {exc}") from exc

    def delete(self, backup_id: str) -> None:
        """Rename out of sight first, so a half-deleted backup is never listed."""
        trash = self.root / f"{TRASH_PREFIX}{backup_id}-{uuid.uuid4().hex[:6]}"
        try:
            os.rename(self.root / backup_id, trash)
            fsync_dir(self.root)
            shutil.rmtree(trash)
        except OSError as exc:
            raise StorageError(f"cannot delete {backup_id} from {self.name}: {exc}") from exc

    def discard(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    def sweep(self) -> None:
        """Remove what crashed runs or prunes left behind (called while holding the lock)."""
        for leftover in self.root.iterdir():
            if leftover.is_dir() and leftover.name.startswith((STAGING_PREFIX, TRASH_PREFIX)):
                log.warning(
                    "removing leftover %s from an interrupted run",
                    leftover.name,
                    extra={"event": "sweep", "path": str(leftover)},
                )
                shutil.rmtree(leftover, ignore_errors=True)
