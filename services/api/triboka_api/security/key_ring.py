"""Encryption at rest of the DIDs' private keys (issue 14, Δ 181): AES-256-GCM under a key from the environment.

`TRIBOKA_DID_KEY_ENCRYPTION_KEY` holds one or more keys, comma-separated, each `<key id>:<32 bytes in base64url>`.
The first one encrypts; every one listed decrypts, so a key is rotated by putting a new one first and keeping the
old one after it until every private key has been sealed again under the new one (each is re-sealed the next time
it signs). The key id is stored beside each ciphertext; the DID string is the GCM associated data, so a ciphertext
copied onto another identity's row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class KeyUnavailableError(Exception):
    """A ciphertext names a key id the ring does not hold (removed too early), or does not decrypt."""


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5, as JOSE writes keys and signatures)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    """The inverse of `b64url`; raises ValueError on anything that is not base64url."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """`id:key[,id:key...]`; a ValueError names what is wrong (never the key itself)."""
        keys: dict[str, bytes] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key_id, sep, encoded = part.partition(":")
            if not sep or not _KEY_ID.match(key_id):
                raise ValueError(
                    "each key must read <key id>:<base64url key>, the id of letters, digits, . _ -"
                )
            try:
                key = from_b64url(encoded)
            except ValueError:
                key = b""
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} must be {KEY_BYTES} random bytes in base64url")
            if key_id in keys:
                raise ValueError(f"key id {key_id!r} is listed twice")
            keys[key_id] = key
        if not keys:
            raise ValueError("no key given")
        return cls(current_id=next(iter(keys)), keys=keys)

    def seal(self, plaintext: bytes, context: str) -> str:
        """nonce + ciphertext, base64url, under the current key; `context` must be given again to open it."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current_id]).encrypt(nonce, plaintext, context.encode())
        return b64url(nonce + sealed)

    def open(self, key_id: str, token: str, context: str) -> bytes:
        key = self.keys.get(key_id)
        if key is None:
            raise KeyUnavailableError(f"encryption key {key_id!r} is not configured")
        raw = from_b64url(token)
        try:
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except InvalidTag as exc:
            raise KeyUnavailableError(f"the private key does not decrypt under key {key_id!r}") from exc
