"""Writing backup files durably while hashing (and optionally encrypting) them on the way."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from triboka_backup.crypto import Decryptor, Encryptor
from triboka_backup.errors import StorageError, VerifyError
from triboka_backup.manifest import FileEntry, FileKind
from triboka_backup.progress import Progress

READ_SIZE = 1024 * 1024


class SealedWriter:
    """Writes a file in the backup folder: encrypts if a key is given, counts and hashes what is stored.

    Used with `with`: closed and fsynced on success, abandoned on error; then `entry()` describes it.
    """

    def __init__(self, path: Path, key: bytes | None, progress: Progress | None = None) -> None:
        self.path = path
        self._encryptor = Encryptor(key) if key else None
        self._hash = hashlib.sha256()
        self.size = 0
        self.sha256 = ""
        self._progress = progress
        try:
            self._file: BinaryIO = path.open("xb")
        except OSError as exc:
            raise StorageError(f"cannot create {path}: {exc}") from exc

    def __enter__(self) -> SealedWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self._file.close()

    def entry(self, kind: FileKind) -> FileEntry:
        return FileEntry(name=self.path.name, kind=kind, size=self.size, sha256=self.sha256)

    def write(self, data: bytes) -> None:
        if self._progress:
            self._progress.add(len(data))
        self._store(self._encryptor.update(data) if self._encryptor else data)

    def close(self) -> None:
        if self._encryptor:
            self._store(self._encryptor.finalize())
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise StorageError(f"cannot write {self.path}: {exc}") from exc
        finally:
            self._file.close()
        self.sha256 = self._hash.hexdigest()

    def _store(self, data: bytes) -> None:
        if not data:
            return
        try:
            self._file.write(data)
        except OSError as exc:
            raise StorageError(f"cannot write {self.path}: {exc}") from exc
        self._hash.update(data)
        self.size += len(data)


class ReadStream(Protocol):
    """What a stored file is read through: a local file, or an S3 object's streaming body."""

    def read(self, size: int = ..., /) -> bytes: ...


def read_chunks(stream: ReadStream) -> Iterator[bytes]:
    while chunk := stream.read(READ_SIZE):
        yield chunk


def hash_stream(stream: ReadStream) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for chunk in read_chunks(stream):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def verified_chunks(chunks: Iterable[bytes], entry: FileEntry, where: str) -> Generator[bytes, None, None]:
    """The stored bytes, hashed on the way, with the last chunk held back until size and SHA-256 match.

    A consumer therefore never sees the end of a file that fails its check: a restore that needs the
    file's last byte to finish (pg_restore does: the archive ends with the last data block's end marker)
    cannot complete from a corrupt, truncated or extended file, and is abandoned before it commits.
    """
    digest = hashlib.sha256()
    size = 0
    held = b""
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        if size > entry.size:
            break  # longer than recorded: stop feeding at once, never reach a consumer's end
        if held:
            yield held
        held = chunk
    else:
        if (size, digest.hexdigest()) == (entry.size, entry.sha256):
            if held:
                yield held
            return
    raise VerifyError(
        f"{where}: checksum mismatch ({'more than ' if size > entry.size else ''}{size} bytes, "
        f"manifest says {entry.size} bytes sha256 {entry.sha256[:12]}…): not restored"
    )


def plain_chunks(chunks: Iterable[bytes], key: bytes | None) -> Iterator[bytes]:
    """The original bytes of a stored file: decrypted and authenticated when a key is given."""
    if key is None:
        yield from chunks
        return
    decryptor = Decryptor(key)
    for chunk in chunks:
        if plain := decryptor.update(chunk):
            yield plain
    decryptor.finalize()


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_atomically(path: Path, data: bytes) -> None:
    """Replace a small file (marker, metrics) so readers never see it half-written."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
