"""The streaming checksum check: a consumer never receives the end of a file that fails it."""

from __future__ import annotations

import hashlib

import pytest
from triboka_backup.errors import VerifyError
from triboka_backup.filesio import verified_chunks
from triboka_backup.manifest import FileEntry

CHUNKS = [b"a" * 10, b"b" * 10, b"c" * 10]


def entry_for(data: bytes) -> FileEntry:
    return FileEntry(
        name="database.pgdump", kind="database", size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )


def received_before_failure(chunks: list[bytes], entry: FileEntry) -> list[bytes]:
    received: list[bytes] = []
    with pytest.raises(VerifyError, match="checksum mismatch"):
        received.extend(verified_chunks(chunks, entry, "test"))
    return received


def test_a_sound_file_passes_whole() -> None:
    assert list(verified_chunks(CHUNKS, entry_for(b"".join(CHUNKS)), "test")) == CHUNKS


@pytest.mark.parametrize(
    "stored",
    [
        [b"a" * 10, b"X" + b"b" * 9, b"c" * 10],  # damaged
        [b"a" * 10, b"b" * 10, b"c" * 9],  # truncated
    ],
    ids=["damaged", "truncated"],
)
def test_the_last_chunk_is_held_back_until_the_checksum_matches(stored: list[bytes]) -> None:
    assert received_before_failure(stored, entry_for(b"".join(CHUNKS))) == stored[:-1]


def test_a_longer_file_stops_at_the_recorded_size() -> None:
    """Never more than the recorded size minus the held chunk, however much more is stored."""
    longer = [*CHUNKS, b"d" * 10, b"e" * 10]
    assert received_before_failure(longer, entry_for(b"".join(CHUNKS))) == CHUNKS[:2]
