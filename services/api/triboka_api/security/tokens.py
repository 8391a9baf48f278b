"""Access tokens exactly as §2: HS256, `sub` = user id string, 7-day lifetime, Flask-JWT-Extended's claim set, plus
`tv` (Δ 27), the user's token version when the token was issued: a request whose `tv` is not the user's current one
is refused, which is how logout, password, role and company changes and deactivation revoke tokens.

Decoding follows OWASP ASVS V9: one allowed algorithm, `exp`/`iat`/`sub` required, signature always verified.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

ALGORITHM = "HS256"
ADMIN_ROLES = frozenset({"admin", "operator"})


class TokenError(Exception):
    """A JWT-layer rejection; answered as `{"msg": ...}` with 401 or 422 like Flask-JWT-Extended."""

    def __init__(self, status_code: int, msg: str) -> None:
        super().__init__(msg)
        self.status_code = status_code
        self.msg = msg


def default_context(role: str) -> dict[str, Any]:
    return {"type": "global", "deal_id": None, "permissions": ["admin"] if role in ADMIN_ROLES else ["user"]}


def issue_token(
    *,
    secret: str,
    lifetime_seconds: int,
    user_id: int,
    role: str,
    company_id: int | None,
    token_version: int,
    active_context: dict[str, Any] | None = None,
    scopes: list[str] | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "fresh": False,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=lifetime_seconds),
        "jti": str(uuid.uuid4()),
        "type": "access",
        "sub": str(user_id),
        "tv": token_version,
        "role": role,
        "company_id": company_id,
        "scopes": scopes if scopes is not None else ["read", "write"],
        "active_context": active_context or default_context(role),
        **(extra_claims or {}),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(token: str, secret: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "sub"]})
    except jwt.InvalidAudienceError as exc:
        # a socket ticket (the only tokens with an audience) is no credential for the REST routes
        raise TokenError(401, "Socket tickets are only accepted by the socket") from exc
    except jwt.InvalidTokenError as exc:
        raise _rejection(exc) from exc
    if claims.get("type", "access") != "access":
        raise TokenError(422, "Only access tokens are allowed")
    return claims


def _rejection(exc: jwt.InvalidTokenError) -> TokenError:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return TokenError(401, "Token has expired")
    if isinstance(exc, jwt.InvalidSignatureError):
        return TokenError(422, "Signature verification failed")
    return TokenError(422, str(exc) or "Invalid token")


# A socket ticket (Δ 112): what a browser page holds instead of the session's access token. It names the same user
# (and token version, and impersonation claims, so revocation and read-only still apply), one deal, the audience
# `socket` that only the Socket.IO connect handler accepts, and a lifetime of a minute.
SOCKET_AUDIENCE = "socket"
SOCKET_TICKET_SECONDS = 60
TICKET_CLAIMS = ("sub", "tv", "role", "company_id", "is_impersonating", "original_admin_id", "otv")


def issue_socket_ticket(secret: str, access_claims: dict[str, Any], deal_id: int) -> str:
    now = datetime.now(UTC)
    claims = {name: access_claims[name] for name in TICKET_CLAIMS if name in access_claims}
    claims |= {
        "aud": SOCKET_AUDIENCE,
        "type": "socket_ticket",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=SOCKET_TICKET_SECONDS),
        "jti": str(uuid.uuid4()),
        "deal_id": deal_id,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_socket_ticket(ticket: str, secret: str) -> dict[str, Any]:
    """A ticket's claims; an access token (no audience), an expired or a forged ticket is refused."""
    try:
        claims = jwt.decode(
            ticket,
            secret,
            algorithms=[ALGORITHM],
            audience=SOCKET_AUDIENCE,
            options={"require": ["exp", "iat", "sub", "aud"]},
        )
    except jwt.InvalidTokenError as exc:
        raise _rejection(exc) from exc
    if claims.get("type") != "socket_ticket" or not isinstance(claims.get("deal_id"), int):
        raise TokenError(422, "Not a socket ticket")
    return claims


class TokenVerifier:
    """`decode_token` with a small cache of tokens that already verified, so a client's repeated requests do not
    pay for the HMAC check each time. Only successfully verified tokens are kept, and expiry is re-checked on
    every hit."""

    def __init__(self, secret: str, max_entries: int = 4096) -> None:
        self._secret = secret
        self._max_entries = max_entries
        self._verified: dict[str, dict[str, Any]] = {}

    def claims(self, token: str) -> dict[str, Any]:
        claims = self._verified.get(token)
        if claims is None:
            claims = decode_token(token, self._secret)
            if len(self._verified) >= self._max_entries:
                self._verified.clear()
            self._verified[token] = claims
        elif claims["exp"] <= time.time():
            del self._verified[token]
            raise TokenError(401, "Token has expired")
        return claims


def bearer_token(authorization: str | None) -> str:
    """The token from an `Authorization` header, with Flask-JWT-Extended's messages for the failures."""
    if not authorization:
        raise TokenError(401, "Missing Authorization Header")
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token.strip():
        raise TokenError(
            401, "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'"
        )
    return token.strip()
