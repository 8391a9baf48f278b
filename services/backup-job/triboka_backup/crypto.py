"""Streaming AES-256-GCM: the input is sealed in chunks so memory stays bounded whatever the file size.

Format: MAGIC (8 bytes) + nonce prefix (8 random bytes), then records of
[4-byte big-endian ciphertext length][1-byte final flag][ciphertext + 16-byte tag]. Record i uses the nonce
prefix + i (4 bytes) and authenticates the header and the flag, so reordering, truncation (no final record)
and trailing data are all detected.
"""

from __future__ import annotations

import hashlib
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from triboka_backup.errors import VerifyError

MAGIC = b"TRBKAES1"
HEADER_SIZE = len(MAGIC) + 8
CHUNK_SIZE = 1024 * 1024
RECORD_HEAD = struct.Struct(">IB")
TAG_SIZE = 16


def key_fingerprint(key: bytes) -> str:
    """A public identifier of the key, recorded in the manifest to name a wrong key before decrypting."""
    return hashlib.sha256(b"triboka-backup key fingerprint\0" + key).hexdigest()[:16]


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + struct.pack(">I", counter)


class Encryptor:
    def __init__(self, key: bytes, chunk_size: int = CHUNK_SIZE) -> None:
        self._aead = AESGCM(key)
        self._prefix = os.urandom(8)
        self._header = MAGIC + self._prefix
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._counter = 0
        self._started = False

    def update(self, data: bytes) -> bytes:
        self._buffer += data
        out = bytearray(self._take_header())
        while len(self._buffer) > self._chunk_size:
            out += self._seal(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]
        return bytes(out)

    def finalize(self) -> bytes:
        out = self._take_header() + self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()
        return out

    def _take_header(self) -> bytes:
        if self._started:
            return b""
        self._started = True
        return self._header

    def _seal(self, plain: bytes, final: bool) -> bytes:
        flag = 1 if final else 0
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter), plain, self._header + bytes([flag]))
        self._counter += 1
        return RECORD_HEAD.pack(len(sealed), flag) + sealed


class Decryptor:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._buffer = bytearray()
        self._header: bytes | None = None
        self._counter = 0
        self._done = False

    def update(self, data: bytes) -> bytes:
        self._buffer += data
        out = bytearray()
        if self._header is None:
            if len(self._buffer) < HEADER_SIZE:
                return b""
            if not self._buffer.startswith(MAGIC):
                raise VerifyError("not an encrypted triboka-backup file (bad magic)")
            self._header = bytes(self._buffer[:HEADER_SIZE])
            del self._buffer[:HEADER_SIZE]
        while len(self._buffer) >= RECORD_HEAD.size:
            if self._done:
                raise VerifyError("encrypted file has data after its final record")
            length, flag = RECORD_HEAD.unpack_from(self._buffer)
            end = RECORD_HEAD.size + length
            if len(self._buffer) < end:
                break
            out += self._open(bytes(self._buffer[RECORD_HEAD.size : end]), flag)
            del self._buffer[:end]
        return bytes(out)

    def finalize(self) -> None:
        if not self._done or self._buffer:
            raise VerifyError("encrypted file is truncated")

    def _open(self, sealed: bytes, flag: int) -> bytes:
        assert self._header is not None
        nonce = _nonce(self._header[len(MAGIC) :], self._counter)
        try:
            plain = self._aead.decrypt(nonce, sealed, self._header + bytes([flag]))
        except InvalidTag:
            raise VerifyError(
                f"decryption failed at chunk {self._counter}: wrong key or corrupted data"
            ) from None
        self._counter += 1
        self._done = flag == 1
        return plain
