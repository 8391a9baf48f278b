"""Where deal room files live (S-37..S-39): one interface, `FileStore`, and two implementations, a directory
(`make run`, or a volume every replica mounts) and an S3 bucket (SeaweedFS, MinIO, AWS). Keys are chosen by the
API (random, never the client's file name); the stores only check that a key cannot leave their root."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import BinaryIO, Protocol

from triboka_api.settings import FileStoreKind, Settings

CHUNK_BYTES = 256 * 1024
_KEY = re.compile(r"^[a-z0-9]+(/[a-z0-9]+)*\.[a-z0-9]+$")


class StoredFileMissingError(Exception):
    """The record names a key the store does not have (deleted behind the API's back)."""


class FileStore(Protocol):
    async def put(self, key: str, source: BinaryIO) -> None:
        """Store the whole of `source` (read from its start) under `key`."""

    def read(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes in chunks; the first step raises StoredFileMissingError for an unknown key."""

    async def delete(self, key: str) -> None: ...


def checked_key(key: str) -> str:
    """Keys are `deals/<id>/<hex>.<ext>` made by the API; anything else is a programming error."""
    if not _KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def file_store(settings: Settings) -> FileStore:
    """The store the settings name (imports are local: the S3 client is only loaded where it is used)."""
    if settings.file_store is FileStoreKind.S3:
        from triboka_api.storage.s3 import S3FileStore

        return S3FileStore.from_settings(settings)
    from triboka_api.storage.filesystem import FilesystemStore

    return FilesystemStore(settings.file_store_path)
