"""Company API keys (§5.9, Δ 157): issued, rotated and revoked by an admin; stored hashed, never in clear.

A key reads `tbk_<prefix>_<secret>`: the prefix (12 hex characters, unique) finds the stored row, the secret (32
random bytes) is what proves possession. Only the SHA-256 of the whole key is stored; a plain, unsalted digest is
enough because the secret is random and long (no dictionary to try), and it makes the lookup one indexed read.
The digests are compared in constant time, so a caller with a valid prefix learns nothing from the timing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.errors import NotFoundError
from triboka_api.models import Company, CompanyApiKey, utcnow

KEY_SCHEME = "tbk"
_PREFIX_BYTES = 6
_SECRET_BYTES = 32


@dataclass(frozen=True)
class IssuedKey:
    """A new key: the stored row and the key itself, which is shown to the admin once and never again."""

    row: CompanyApiKey
    key: str


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _prefix_of(key: str) -> str | None:
    scheme, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != KEY_SCHEME or len(prefix) != 2 * _PREFIX_BYTES or not secret:
        return None
    return prefix


async def issue_key(
    session: AsyncSession, company_id: int, *, label: str | None, issued_by: int, replace_existing: bool
) -> IssuedKey:
    """A new key for the company; `replace_existing` (rotation) revokes its other keys in the same commit."""
    if await session.get(Company, company_id) is None:
        raise NotFoundError("Company")
    if replace_existing:
        await session.execute(
            update(CompanyApiKey)
            .where(CompanyApiKey.company_id == company_id, CompanyApiKey.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    prefix = secrets.token_hex(_PREFIX_BYTES)
    key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    row = CompanyApiKey(
        company_id=company_id,
        prefix=prefix,
        secret_hash=_digest(key),
        label=label,
        created_by_user_id=issued_by,
    )
    session.add(row)
    await session.commit()
    return IssuedKey(row=row, key=key)


async def company_keys(session: AsyncSession, company_id: int) -> list[CompanyApiKey]:
    if await session.get(Company, company_id) is None:
        raise NotFoundError("Company")
    return list(
        await session.scalars(
            select(CompanyApiKey).where(CompanyApiKey.company_id == company_id).order_by(CompanyApiKey.id)
        )
    )


async def revoke_key(session: AsyncSession, company_id: int, key_id: int) -> CompanyApiKey:
    """Revoking is idempotent; a key of another company is not found (ids do not cross companies)."""
    row = await session.get(CompanyApiKey, key_id)
    if row is None or row.company_id != company_id:
        raise NotFoundError("API key")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.commit()
    return row


async def authenticate(session: AsyncSession, key: str) -> CompanyApiKey | None:
    """The live key row of `key`, or None: unknown prefix, wrong secret, revoked key or inactive company."""
    prefix = _prefix_of(key)
    if prefix is None:
        return None
    row = await session.scalar(
        select(CompanyApiKey)
        .join(Company, Company.id == CompanyApiKey.company_id)
        .where(CompanyApiKey.prefix == prefix, CompanyApiKey.revoked_at.is_(None), Company.is_active)
    )
    if row is None or not hmac.compare_digest(row.secret_hash, _digest(key)):
        return None
    return row
