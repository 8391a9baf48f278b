"""The manifest: what a backup holds and how to check it. Written last; its presence commits a backup."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from triboka_backup.errors import VerifyError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
# The only file names a backup holds (with ENCRYPTED_SUFFIX when encrypted): the job writes these and nothing else.
DATABASE_NAMES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CONFIG_NAME = "config.json"
STATIC_NAME = "static.tar"
FILES_NAME = "files.tar"  # the API's deal-room file store (directory store)
ENCRYPTED_SUFFIX = ".enc"


FileKind = Literal["database", "config", "static", "files"]


class FileEntry(BaseModel):
    name: str
    kind: FileKind
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class DatabaseInfo(BaseModel):
    engine: Literal["postgresql", "sqlite"]
    server_version: str
    name: str


class Encryption(BaseModel):
    algorithm: Literal["AES-256-GCM-chunked"] = "AES-256-GCM-chunked"
    key_fingerprint: str


class Manifest(BaseModel):
    format_version: int
    backup_id: str
    tool_version: str
    app_version: str
    schema_revision: str | None
    database: DatabaseInfo
    started_at: datetime
    finished_at: datetime
    encryption: Encryption | None
    files: list[FileEntry]
    row_counts: dict[str, int]
    notes: list[str] = []

    @model_validator(mode="after")
    def _only_the_jobs_file_names(self) -> Manifest:
        """A manifest read back from storage is untrusted: its names are joined to the backup folder (reads) and
        to a restore's scratch folder (writes), so `/abs/path` or `../x` would reach outside both. Only the
        names the job writes pass, before any file is touched."""
        suffix = ENCRYPTED_SUFFIX if self.encryption else ""
        own = {
            "database": DATABASE_NAMES[self.database.engine],
            "config": CONFIG_NAME,
            "static": STATIC_NAME,
            "files": FILES_NAME,
        }
        for entry in self.files:
            if entry.name != own[entry.kind] + suffix:
                raise ValueError(
                    f"file {entry.name!r} is not this job's {entry.kind} file {own[entry.kind] + suffix!r}"
                )
        return self

    def file(self, kind: str) -> FileEntry | None:
        return next((f for f in self.files if f.kind == kind), None)

    def dump(self) -> bytes:
        return self.model_dump_json(indent=2).encode() + b"\n"


def parse_manifest(raw: bytes, where: str) -> Manifest:
    try:
        manifest = Manifest.model_validate_json(raw)
    except ValidationError as exc:
        raise VerifyError(f"{where}: unreadable manifest: {exc.errors()[0]['msg']}") from None
    if manifest.format_version != FORMAT_VERSION:
        raise VerifyError(f"{where}: manifest format {manifest.format_version} is not {FORMAT_VERSION}")
    return manifest
