"""Encryption at rest, one mechanism for every secret the API keeps (DID private keys, ERP credentials; Δ 197).

The key ring is `TRIBOKA_ENCRYPTION_KEYS`: one or more keys, comma-separated, each `<key id>:<32 bytes in
base64url>`. The first one encrypts; every one listed decrypts, so a key is rotated by putting a new one first and
keeping the old one after it until every secret has been sealed again under the new one (each is re-sealed the
next time it is used: `refreshed`). A sealed secret is one self-describing string, the envelope
`v1:<key id>:<base64url(12-byte nonce + AES-256-GCM ciphertext and tag)>`. The caller's `context` (a DID, an ERP
connection id) is the GCM associated data: an envelope copied onto another row does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
VERSION = "v1"
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class UnreadableSecretError(Exception):
    """A sealed secret that this ring cannot open: its key id is not configured (removed too early), or it was
    tampered with, truncated, copied from another row, or is not an envelope at all."""


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


# `make run` and the tests without a ring of their own use this fixed, public key, which production refuses (as the
# development JWT secret): nothing sealed under it is secret
DEVELOPMENT_KEY = hashlib.sha256(b"triboka development encryption key").digest()
DEVELOPMENT_KEYS = f"dev:{b64url(DEVELOPMENT_KEY)}"


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

    @property
    def is_development(self) -> bool:
        return DEVELOPMENT_KEY in self.keys.values()

    def seal(self, plaintext: bytes, context: str) -> str:
        """The envelope of `plaintext` under the current key; `context` must be given again to open it."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current_id]).encrypt(nonce, plaintext, context.encode())
        return f"{VERSION}:{self.current_id}:{b64url(nonce + sealed)}"

    def open(self, envelope: str, context: str) -> bytes:
        version, _, rest = envelope.partition(":")
        key_id, _, token = rest.partition(":")
        if version != VERSION or not token:
            raise UnreadableSecretError("the stored secret is not an encrypted envelope")
        key = self.keys.get(key_id)
        if key is None:
            raise UnreadableSecretError(f"encryption key {key_id!r} is not configured")
        try:
            raw = from_b64url(token)
        except ValueError:
            raw = b""
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise UnreadableSecretError("the stored secret is truncated")
        try:
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except InvalidTag as exc:
            raise UnreadableSecretError(f"the stored secret does not decrypt under key {key_id!r}") from exc

    def refreshed(self, envelope: str, context: str) -> tuple[bytes, str]:
        """The plaintext, and the envelope to store: the same one under the current key, else sealed again under
        it (rotation happens as secrets are used)."""
        plaintext = self.open(envelope, context)
        if envelope.startswith(f"{VERSION}:{self.current_id}:"):
            return plaintext, envelope
        return plaintext, self.seal(plaintext, context)
