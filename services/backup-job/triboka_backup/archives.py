"""Directories in a backup as one tar stream each (files are usually compressed already: no gzip): the static
directory, and the API's deal-room file store, which `restore --files-dir` puts back."""

from __future__ import annotations

import os
import shutil
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from triboka_backup.errors import RestoreError, StorageError
from triboka_backup.filesio import READ_SIZE, SealedWriter

# Never archived: the API's files being written (`.tmp-<uuid>`, renamed when complete), a restore's staging folder
# (`.restore-<hex>`) and ext4's `lost+found` at a volume's root (root-only: unreadable by the job's user).
SKIPPED_PREFIXES = (".tmp-", ".restore-")
SKIPPED_NAMES = {"lost+found"}


def _skipped(name: str) -> bool:
    return name in SKIPPED_NAMES or name.startswith(SKIPPED_PREFIXES)


def archive(directory: Path, writer: SealedWriter, arcname: str) -> None:
    def keep(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
        return None if _skipped(member.name.rsplit("/", 1)[-1]) else member

    # a SealedWriter has the write() a "w|" stream needs, but typeshed wants a whole file object
    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        try:
            tar.add(directory, arcname=arcname, filter=keep)
        except OSError as exc:
            raise StorageError(f"cannot archive {directory}: {exc}") from exc


def is_empty(directory: Path) -> bool:
    return not directory.exists() or all(_skipped(p.name) for p in directory.iterdir())


class ChunkReader:
    """A read()-able view of an iterator of byte chunks, for tarfile's stream mode ("r|")."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        taken = bytes(self._buffer if size < 0 else self._buffer[:size])
        del self._buffer[: len(taken)]
        return taken


class ForeignMemberError(tarfile.TarError):
    """A member the job never writes: outside the archive's folder, or neither a file nor a directory."""

    def __init__(self, member: tarfile.TarInfo) -> None:
        super().__init__(f"{member.name!r} is not a file or folder under the archive's folder")


def _member_path(staging: Path, member: tarfile.TarInfo, arcname: str) -> Path:
    """Where a member goes, for regular files and folders under `arcname` only: absolute names, `..`, links,
    devices and FIFOs are refused. (The images' Python 3.11.2 predates tarfile's extraction filters.)"""
    parts = PurePosixPath(member.name).parts
    if not parts or parts[0] != arcname or ".." in parts or not (member.isfile() or member.isdir()):
        raise ForeignMemberError(member)
    return staging.joinpath(*parts)


def staged_extract(chunks: Iterator[bytes], into: Path, arcname: str) -> Path:
    """Unpack the archive's `arcname` folder into a new hidden staging folder inside `into` (same file system, so
    `publish_staged` only renames). Only the bytes of regular files are written, each to a new file (`x` mode: a
    repeated name fails); no owner, mode, link or time is taken from the archive. Returns the staging folder."""
    into.mkdir(parents=True, exist_ok=True)
    staging = into / f".restore-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        with tarfile.open(fileobj=ChunkReader(chunks), mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                target = _member_path(staging, member, arcname)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                with target.open("xb") as out:
                    shutil.copyfileobj(source, out, READ_SIZE)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def publish_staged(staging: Path, arcname: str, into: Path) -> int:
    """Move every file of the staging folder to its place in `into` (replacing a file of the same name, leaving
    others alone), then remove the staging folder. Returns the number of files."""
    root = staging / arcname
    moved = 0
    try:
        for folder, _, names in os.walk(root):
            target_folder = into / Path(folder).relative_to(root)
            target_folder.mkdir(parents=True, exist_ok=True)
            for name in names:
                os.replace(Path(folder) / name, target_folder / name)
                moved += 1
    except OSError as exc:
        raise RestoreError(f"cannot move restored files into {into}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return moved
