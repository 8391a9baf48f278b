"""Streaming AES-GCM: round trips at chunk boundaries, and every kind of tampering is caught."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from triboka_backup.crypto import CHUNK_SIZE, Decryptor, Encryptor
from triboka_backup.errors import VerifyError

KEY = bytes(range(32))


def seal(data: bytes, piece: int = 65536) -> bytes:
    enc = Encryptor(KEY)
    out = b"".join(enc.update(data[i : i + piece]) for i in range(0, len(data), piece))
    return out + enc.finalize()


def unseal(blob: bytes, key: bytes = KEY, piece: int = 70001) -> bytes:
    dec = Decryptor(key)
    out = b"".join(dec.update(blob[i : i + piece]) for i in range(0, len(blob), piece))
    dec.finalize()
    return out


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 17])
def test_round_trip_at_chunk_boundaries(size: int) -> None:
    data = os.urandom(size)
    assert unseal(seal(data)) == data


def test_memory_stays_bounded_by_the_chunk_size() -> None:
    enc = Encryptor(KEY)
    for _ in range(8):
        enc.update(os.urandom(CHUNK_SIZE // 2 + 3))
        assert len(enc._buffer) <= CHUNK_SIZE


def test_wrong_key_fails() -> None:
    with pytest.raises(VerifyError, match="wrong key or corrupted data"):
        unseal(seal(b"cacao"), key=b"\x01" * 32)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda b: b[:-1], id="truncated-inside-record"),
        pytest.param(lambda b: b[: 16 + 5 + CHUNK_SIZE + 16], id="final-record-dropped"),
        pytest.param(lambda b: b + b"\0" * 9, id="trailing-data"),
        pytest.param(lambda b: b[:40] + bytes([b[40] ^ 1]) + b[41:], id="bit-flip"),
        pytest.param(lambda b: b"XXXXXXXX" + b[8:], id="bad-magic"),
    ],
)
def test_tampering_is_detected(tamper: Callable[[bytes], bytes]) -> None:
    blob = seal(os.urandom(CHUNK_SIZE + 100))
    with pytest.raises(VerifyError):
        unseal(tamper(blob))
