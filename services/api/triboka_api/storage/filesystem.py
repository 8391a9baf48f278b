"""Files in a directory: written to a temporary name and renamed, so a reader never sees half a file."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from anyio import to_thread

from triboka_api.storage import CHUNK_BYTES, StoredFileMissingError, checked_key


class FilesystemStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    def _put(self, key: str, source: BinaryIO) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".tmp-{uuid.uuid4().hex}")
        try:
            source.seek(0)
            with partial.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK_BYTES)
                out.flush()
                os.fsync(out.fileno())
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)

    async def put(self, key: str, source: BinaryIO) -> None:
        await to_thread.run_sync(self._put, key, source)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        try:
            handle = await to_thread.run_sync(self._path(key).open, "rb")
        except FileNotFoundError as exc:
            raise StoredFileMissingError(key) from exc
        try:
            while chunk := await to_thread.run_sync(handle.read, CHUNK_BYTES):
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        await to_thread.run_sync(lambda: self._path(key).unlink(missing_ok=True))
