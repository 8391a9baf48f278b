"""First-generation password hash formats: which one a user's row holds, what the login does with it, and the
value to store. Unsalted hex SHA-256 (an early first-generation format) is stored wrapped in Argon2id; formats the
login cannot verify are kept as they are (nothing is lost) and their users are listed for a password reset."""

from __future__ import annotations

import re

from triboka_api.security.passwords import wrap_legacy_sha256

RESET = (
    'cannot log in until an admin sets a new password (PUT /api/users/{id} with {"password": ...}, '
    "or the dashboard's user form); the old hash is kept"
)
LOGIN_BEHAVIOUR = {
    "argon2": "verified at login",
    "werkzeug-scrypt": "verified once at login, then replaced by Argon2id",
    "werkzeug-pbkdf2": "verified once at login, then replaced by Argon2id",
    "sha256-hex": (
        "unsalted SHA-256, stored wrapped in Argon2id; accepted once at login, then replaced by Argon2id"
    ),
    "none": "no password: " + RESET,
    "bcrypt": "bcrypt: " + RESET,
    "md5-hex": "unsalted MD5: " + RESET,
    "sha1-hex": "unsalted SHA-1: " + RESET,
    "werkzeug-legacy": "Werkzeug's pre-2.3 salted digests: " + RESET,
    "unknown": "unrecognised format: " + RESET,
}
# Formats whose users the report names: someone has to act (reset a password, or tell them to change it).
SHOW_EMAILS = frozenset(LOGIN_BEHAVIOUR) - {"argon2", "werkzeug-scrypt", "werkzeug-pbkdf2"}
_HEX = {64: "sha256-hex", 40: "sha1-hex", 32: "md5-hex"}


def hash_format(stored: str | None) -> str:
    if not stored:
        return "none"
    if stored.startswith("$argon2"):
        return "argon2"
    if stored.startswith("scrypt:"):
        return "werkzeug-scrypt"
    if stored.startswith("pbkdf2:"):
        return "werkzeug-pbkdf2"
    if re.fullmatch(r"\$2[aby]\$\d\d\$.{53}", stored):
        return "bcrypt"
    if re.fullmatch(r"(plain|md5|sha1|sha224|sha256|sha384|sha512)\$[^$]*\$.*", stored):
        return "werkzeug-legacy"
    if re.fullmatch(r"[0-9a-fA-F]+", stored) and len(stored) in _HEX:
        return _HEX[len(stored)]
    return "unknown"


def stored_hash(stored: str | None) -> str | None:
    """The value this schema keeps for a first-generation hash."""
    if hash_format(stored) == "sha256-hex":
        assert stored is not None
        return wrap_legacy_sha256(stored)
    return stored or None
