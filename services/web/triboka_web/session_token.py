"""The API token, sealed before it goes into the session cookie.

Starlette's session cookie is signed, not encrypted: anyone holding the cookie could read the bearer token out of
its base64 and call the API directly. The token is therefore encrypted (Fernet: AES-128-CBC + HMAC-SHA256) with a key
derived from `TRIBOKA_WEB_SECRET_KEY`, so it is readable only by the web service. Logout also revokes the token at the
API (`POST /api/auth/logout`), so a copied cookie is worthless afterwards.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# A distinct key for this purpose, so the cookie-signing key and the encryption key are never the same bytes.
_KEY_INFO = b"triboka-web session token v1"


class TokenSealer:
    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode("ascii")

    def unseal(self, sealed: object) -> str | None:
        """The token, or None for anything this service did not seal with its current key."""
        if not isinstance(sealed, str):
            return None
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            return None
