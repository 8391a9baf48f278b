"""Where backups live: a directory (the CronJob's volume) or an S3-compatible bucket, behind one interface."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Protocol

from triboka_backup.errors import ConfigError
from triboka_backup.filesio import ReadStream
from triboka_backup.manifest import Manifest

BACKUP_ID = re.compile(r"^\d{8}T\d{6}\.\d{3}Z$")
ID_FORMAT = "%Y%m%dT%H%M%S"


def backup_id_for(started_at: datetime) -> str:
    return f"{started_at.strftime(ID_FORMAT)}.{started_at.microsecond // 1000:03d}Z"


def check_backup_id(backup_id: str) -> str:
    if not BACKUP_ID.match(backup_id):
        raise ConfigError(f"{backup_id!r} is not a backup id (like 20260131T235900.123Z) or 'latest'")
    return backup_id


class Store(Protocol):
    name: str

    def backup_ids(self) -> list[str]:
        """Committed backups: those whose manifest is present."""
        ...

    def read_manifest(self, backup_id: str) -> Manifest: ...

    def sizes(self, backup_id: str) -> dict[str, int]: ...

    def open(self, backup_id: str, name: str) -> AbstractContextManager[ReadStream]: ...

    def publish(self, folder: Path, backup_id: str) -> None: ...

    def delete(self, backup_id: str) -> None: ...


def files_of(folder: Path) -> Iterator[Path]:
    """The files of a backup folder, manifest last: the manifest is the commit marker."""
    names = sorted(p for p in folder.iterdir() if p.name != "manifest.json")
    yield from names
    yield folder / "manifest.json"
