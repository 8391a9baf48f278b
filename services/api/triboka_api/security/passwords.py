"""Password hashing: Argon2id for new hashes; Werkzeug's `pbkdf2:` and `scrypt:` formats verified for imported users.

The first generation stored Werkzeug hashes (`method$salt$hexdigest`). They are verified here with the standard
library and replaced by an Argon2 hash after the first successful login (`needs_rehash`). Its early versions
stored unsalted hex SHA-256: the importer wraps those in Argon2id (`wrap_legacy_sha256`), so the fast unsalted
hash is never stored here; the login verifies Argon2id(SHA-256(password)) once and replaces it the same way.

The server never runs these on its event loop: an Argon2 hash takes a large fraction of a second of CPU, and every
other request of the worker (liveness probes included) would wait behind it. `PasswordHashing` runs them in a
bounded set of threads (argon2-cffi and hashlib release the GIL while they compute).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from anyio import CapacityLimiter, to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_argon2 = PasswordHasher()
_WERKZEUG_PREFIXES = ("pbkdf2:", "scrypt:")
_WRAPPED_SHA256 = "sha256-in-argon2:"


def hash_password(password: str) -> str:
    return _argon2.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a random password nobody knows, with the hasher's own parameters (so it costs what a real one
    does): verified in place of a missing hash, so that an unknown e-mail takes as long as a known one."""
    return hasher.hash(secrets.token_urlsafe(32))


def verify_password(password: str, stored: str | None) -> bool:
    """Exactly one hash verification on every path: without a stored hash (an unknown user, a user without a
    password) the dummy hash is verified and the answer is False."""
    if not stored:
        _verify_argon2(password, _dummy_hash(_argon2))
        return False
    if stored.startswith(_WERKZEUG_PREFIXES):
        return _verify_werkzeug(password, stored)
    if stored.startswith(_WRAPPED_SHA256):
        stored, password = stored.removeprefix(_WRAPPED_SHA256), hashlib.sha256(password.encode()).hexdigest()
    return _verify_argon2(password, stored)


def _verify_argon2(password: str, stored: str) -> bool:
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


class PasswordHashing:
    """`hash_password` and `verify_password` in worker threads, at most `threads` at a time per process: a login
    flood queues here instead of starving the event loop, and the CPU it takes stays bounded."""

    def __init__(self, threads: int) -> None:
        self._limiter = CapacityLimiter(threads)

    async def hash(self, password: str) -> str:
        return await to_thread.run_sync(hash_password, password, limiter=self._limiter)

    async def verify(self, password: str, stored: str | None) -> bool:
        return await to_thread.run_sync(verify_password, password, stored, limiter=self._limiter)
