"""Ed25519 key pairs and signatures of the DIDs (S-43, S-47; Δ 182, 183). Pure functions, no database.

* **Canonical JSON**: keys sorted, no whitespace (`,` and `:`), UTF-8 without escaping non-ASCII characters,
  numbers as Python's `json` writes them (integers as digits, floats in their shortest round-trip form);
  NaN and infinities are refused. `event_hash` = hex SHA-256 of the canonical JSON of `event_data` (`{}` when
  absent).
* **What is signed**: `signed_message`, the canonical JSON of `{"did", "event_hash", "event_id", "event_type",
  "signed_at"}`, so a signature cannot be moved to another event or signer. The signature is Ed25519 (RFC 8032)
  over its UTF-8 bytes, written in base64url without padding, as is the raw 32-byte public key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from triboka_api.domain.key_ring import b64url, from_b64url

ALGORITHM = "Ed25519"


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def event_hash(event_data: Any) -> str:
    return hashlib.sha256(canonical_json(event_data)).hexdigest()


@dataclass(frozen=True)
class KeyPair:
    public_key: str  # base64url of the raw 32 bytes
    private_key: bytes  # the raw 32-byte seed: only ever stored sealed (domain/key_ring.py)


def new_key_pair() -> KeyPair:
    private = Ed25519PrivateKey.generate()
    return KeyPair(
        public_key=b64url(private.public_key().public_bytes_raw()), private_key=private.private_bytes_raw()
    )


def signed_message(did: str, event_type: str, event_id: str, digest: str, signed_at: str) -> str:
    statement = {
        "did": did,
        "event_hash": digest,
        "event_id": event_id,
        "event_type": event_type,
        "signed_at": signed_at,
    }
    return canonical_json(statement).decode()


def sign(private_key: bytes, message: str) -> str:
    return b64url(Ed25519PrivateKey.from_private_bytes(private_key).sign(message.encode()))


def signature_valid(public_key: str, message: str, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(from_b64url(public_key)).verify(
            from_b64url(signature), message.encode()
        )
    except (InvalidSignature, ValueError):
        return False
    return True
