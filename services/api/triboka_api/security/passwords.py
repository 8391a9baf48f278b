"""Password hashing: Argon2id for new hashes; Werkzeug's `pbkdf2:` and `scrypt:` formats verified for imported users.

The first generation stored Werkzeug hashes (`method$salt$hexdigest`). They are verified here with the standard
library and replaced by an Argon2 hash after the first successful login (`needs_rehash`). Its early versions
stored unsalted hex SHA-256: the importer wraps those in Argon2id (`wrap_legacy_sha256`), so the fast unsalted
hash is never stored here; the login verifies Argon2id(SHA-256(password)) once and replaces it the same way.
"""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_argon2 = PasswordHasher()
_WERKZEUG_PREFIXES = ("pbkdf2:", "scrypt:")
_WRAPPED_SHA256 = "sha256-in-argon2:"


def hash_password(password: str) -> str:
    return _argon2.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    if stored.startswith(_WERKZEUG_PREFIXES):
        return _verify_werkzeug(password, stored)
    if stored.startswith(_WRAPPED_SHA256):
        stored, password = stored.removeprefix(_WRAPPED_SHA256), hashlib.sha256(password.encode()).hexdigest()
    try:
        return _argon2.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return stored.startswith((*_WERKZEUG_PREFIXES, _WRAPPED_SHA256)) or _argon2.check_needs_rehash(stored)


def wrap_legacy_sha256(hex_digest: str) -> str:
    """An imported unsalted hex SHA-256 hash, kept only inside Argon2id (verified by `verify_password`)."""
    return _WRAPPED_SHA256 + _argon2.hash(hex_digest.lower())


def _verify_werkzeug(password: str, stored: str) -> bool:
    try:
        method, salt, expected = stored.split("$", 2)
        digest = _werkzeug_digest(method, salt.encode(), password.encode())
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def _werkzeug_digest(method: str, salt: bytes, password: bytes) -> str:
    kind, *args = method.split(":")
    if kind == "scrypt":
        n, r, p = (int(a) for a in args) if args else (32768, 8, 1)
        return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64).hex()
    if kind == "pbkdf2":
        algorithm = args[0] if args else "sha256"
        iterations = int(args[1]) if len(args) > 1 else 600000
        return hashlib.pbkdf2_hmac(algorithm, password, salt, iterations).hex()
    raise ValueError(f"unsupported hash method {method}")
