"""Secrets kept at rest (ERP credentials): Fernet (AES-128-CBC with HMAC-SHA256) under a key from the environment.

The key is derived with HKDF-SHA256 from `TRIBOKA_ERP_CREDENTIALS_KEY` (any secret of at least 32 characters, so
that a Kubernetes Secret can hold a random string), or from the JWT secret when that is unset: a deployment always
encrypts, and setting the dedicated key keeps the credentials readable across a JWT secret rotation.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from triboka_api.settings import Settings

_INFO = b"triboka erp credentials v1"


class UnreadableSecretError(Exception):
    """A stored secret that this key cannot decrypt (the key changed, or the row was edited)."""


class CredentialBox:
    def __init__(self, secret: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @classmethod
    def from_settings(cls, settings: Settings) -> CredentialBox:
        key = settings.erp_credentials_key or settings.jwt_secret
        return cls(key.get_secret_value())

    def seal(self, values: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(values, sort_keys=True).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        try:
            values = json.loads(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError) as exc:
            raise UnreadableSecretError("the stored credentials cannot be decrypted with this key") from exc
        return values if isinstance(values, dict) else {}
