"""Digital identities (S-43..S-46) and their signatures (S-47, S-48, Δ 183): who may create, read, verify and
sign, and the reputation rules. The private keys are only ever handled sealed (`domain/key_ring.py`); the
signatures themselves are `domain/signing.py`'s."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain import signing
from triboka_api.domain.access import identities_listed_to, identity_visible_to
from triboka_api.domain.bounds import OutOfBoundsError, check_text, row_id
from triboka_api.domain.errors import NotFoundError, PermissionDeniedError, RuleViolationError
from triboka_api.domain.key_ring import KeyRing
from triboka_api.domain.principal import Principal
from triboka_api.models import DigitalIdentity, DigitalSignature, User, utcnow

DID_PREFIX = "did:triboka:"
KYC_STATUSES = ("pending", "verified", "rejected")
MAX_REPUTATION = Decimal("100")
VERIFY_REPUTATION = Decimal("10")
SIGN_REPUTATION = Decimal("0.1")
T = TypeVar("T")
EVENT_ID_MAX_CHARS = 100  # digital_signatures.document_id


class IdentityExistsError(RuleViolationError):
    """S-43: the caller already has a DID; the answer names it."""

    def __init__(self, did: str) -> None:
        super().__init__("User already has a DID")
        self.did = did


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


async def _paged(
    session: AsyncSession, query: Select[T], page: Page, *order: ColumnElement[Any]
) -> tuple[Sequence[T], int]:
    """One page of `query` in `order`, and how many rows the whole query has."""
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(*order).offset(page.offset).limit(page.limit))
    return rows.all(), total


def did_of(user_id: int) -> str:
    return f"{DID_PREFIX}{user_id}"


def _add_reputation(identity: DigitalIdentity, amount: Decimal) -> None:
    identity.reputation_score = min(MAX_REPUTATION, (identity.reputation_score or Decimal(0)) + amount)


async def create_identity(session: AsyncSession, principal: Principal, ring: KeyRing) -> DigitalIdentity:
    """S-43: one DID per user, with a fresh Ed25519 key pair whose private half is sealed under the ring's
    current key (the DID string is the associated data)."""
    did = did_of(principal.id)
    if await session.scalar(select(DigitalIdentity.id).where(DigitalIdentity.user_id == principal.id)):
        raise IdentityExistsError(did)
    pair = signing.new_key_pair()
    identity = DigitalIdentity(
        did=did,
        user_id=principal.id,
        company_id=principal.company_id,
        public_key=pair.public_key,
        encrypted_private_key=ring.seal(pair.private_key, did),
        reputation_score=Decimal(0),
    )
    session.add(identity)
    try:
        await session.commit()
    except IntegrityError as exc:  # a concurrent create of the same user's DID won the unique index
        await session.rollback()
        raise IdentityExistsError(did) from exc
    return identity


async def find_identity(session: AsyncSession, ref: str) -> DigitalIdentity | None:
    """`ref` is the DID's row id or its `did:triboka:…` string (the first generation's paths used either)."""
    number = row_id(ref)
    column: ColumnElement[bool] = (
        DigitalIdentity.id == number if number is not None else DigitalIdentity.did == ref
    )
    return await session.scalar(select(DigitalIdentity).where(column))


async def visible_identity(session: AsyncSession, principal: Principal, ref: str) -> DigitalIdentity:
    """S-45: a DID the caller may not read is as missing as one that does not exist (404)."""
    identity = await find_identity(session, ref)
    if identity is None or not identity_visible_to(principal, identity):
        raise NotFoundError("DID")
    return identity


async def list_identities(
    session: AsyncSession, principal: Principal, status: str | None, company_id: int | None, page: Page
) -> tuple[Sequence[DigitalIdentity], int]:
    """S-46: newest first, filtered by KYC status and company, within what the caller may see."""
    query = select(DigitalIdentity).where(identities_listed_to(principal))
    if status:
        if status not in KYC_STATUSES:
            raise RuleViolationError(f"Invalid status; use one of: {', '.join(KYC_STATUSES)}")
        query = query.where(DigitalIdentity.kyc_status == status)
    if company_id is not None:
        query = query.where(DigitalIdentity.company_id == company_id)
    return await _paged(session, query, page, DigitalIdentity.created_at.desc(), DigitalIdentity.id.desc())


async def review_identity(
    session: AsyncSession, principal: Principal, ref: str, status: str, notes: str | None
) -> DigitalIdentity:
    """S-44 (`verified`, Δ 180: any DID, not only the admin's own) and its counterpart `rejected` (Δ 184). The
    +10 reputation is given once, when a DID becomes verified, not on every repeated call."""
    identity = await find_identity(session, ref)
    if identity is None:
        raise NotFoundError("DID")
    if status == "verified" and identity.kyc_status != "verified":
        _add_reputation(identity, VERIFY_REPUTATION)
    identity.kyc_status = status
    identity.kyc_verified_at = utcnow() if status == "verified" else None
    identity.kyc_verified_by = principal.id
    identity.kyc_notes = notes
    await session.commit()
    return identity


def require_owner(principal: Principal, identity: DigitalIdentity) -> None:
    """S-47, S-49: only the DID's owner acts with it (admins too are refused: a signature is the owner's act)."""
    if identity.user_id != principal.id:
        raise PermissionDeniedError("Only the DID's owner may do this")


@dataclass(frozen=True)
class SignRequest:
    event_type: str
    event_id: str
    event_data: Any


async def sign_event(
    session: AsyncSession,
    principal: Principal,
    identity: DigitalIdentity,
    ring: KeyRing,
    request: SignRequest,
) -> DigitalSignature:
    """S-47: the owner signs with an active, KYC-verified DID (400 otherwise). A private key sealed under an
    older ring key is sealed again under the current one (rotation, Δ 181)."""
    if not request.event_type.strip() or not request.event_id.strip():
        raise RuleViolationError("Fields 'event_type' and 'event_id' must not be empty")
    try:
        check_text("event_id", request.event_id, EVENT_ID_MAX_CHARS)
    except OutOfBoundsError as exc:
        raise RuleViolationError(str(exc)) from exc
    if not identity.is_active:
        raise RuleViolationError("DID is not active")
    if identity.kyc_status != "verified":
        raise RuleViolationError("DID is not KYC-verified")
    private_key, identity.encrypted_private_key = ring.refreshed(identity.encrypted_private_key, identity.did)
    signed_at = utcnow()
    digest = signing.event_hash(request.event_data)
    message = signing.signed_message(
        identity.did, request.event_type, request.event_id, digest, signed_at.isoformat()
    )
    signer = await session.get(User, principal.id)
    record = DigitalSignature(
        did_id=identity.id,
        signer_did=identity.did,
        signer_id=principal.id,
        signer_name=signer.name if signer else None,
        document_type=request.event_type,
        document_id=request.event_id,
        document_hash=digest,
        signed_message=message,
        signature=signing.sign(private_key, message),
        signature_algorithm=signing.ALGORITHM,
        public_key=identity.public_key,
        signed_at=signed_at,
    )
    session.add(record)
    _add_reputation(identity, SIGN_REPUTATION)
    await session.commit()
    return record


async def list_signatures(
    session: AsyncSession, identity: DigitalIdentity, event_type: str | None, page: Page
) -> tuple[Sequence[DigitalSignature], int]:
    """S-48: the DID's signatures, newest first, optionally of one event type."""
    query = select(DigitalSignature).where(DigitalSignature.did_id == identity.id)
    if event_type:
        query = query.where(DigitalSignature.document_type == event_type)
    return await _paged(session, query, page, DigitalSignature.signed_at.desc(), DigitalSignature.id.desc())


@dataclass(frozen=True)
class Verification:
    signature: DigitalSignature
    event_hash: str
    event_hash_matches: bool
    signature_valid: bool

    @property
    def valid(self) -> bool:
        return self.event_hash_matches and self.signature_valid


async def verify_signature(session: AsyncSession, signature_id: int, event_data: Any) -> Verification:
    """Δ 183: does the stored signature hold for this `event_data`? Both halves are checked: the data's hash is
    the one signed, and the signature over the signed statement verifies with the DID's public key."""
    record = await session.get(DigitalSignature, signature_id)
    if record is None:
        raise NotFoundError("Signature")
    digest = signing.event_hash(event_data)
    return Verification(
        signature=record,
        event_hash=digest,
        # the hash inside the statement that was signed, not only the stored column
        event_hash_matches=digest == json.loads(record.signed_message).get("event_hash"),
        signature_valid=signing.signature_valid(record.public_key, record.signed_message, record.signature),
    )


@dataclass(frozen=True)
class CompanyIdentity:
    """What B2B matching shows of a company's DIDs (S-50..S-52, Δ 188)."""

    has_did: bool = False
    verified: bool = False
    reputation_score: float | None = None


NO_IDENTITY = CompanyIdentity()


async def company_identities(session: AsyncSession, company_ids: set[int]) -> dict[int, CompanyIdentity]:
    """Per company: whether it has an active DID, whether one is KYC-verified, and the best reputation."""
    if not company_ids:
        return {}
    rows = await session.execute(
        select(
            DigitalIdentity.company_id,
            func.max(DigitalIdentity.reputation_score),
            func.count(DigitalIdentity.id).filter(DigitalIdentity.kyc_status == "verified"),
        )
        .where(DigitalIdentity.company_id.in_(company_ids), DigitalIdentity.is_active)
        .group_by(DigitalIdentity.company_id)
    )
    return {
        company: CompanyIdentity(True, bool(verified), float(best))
        for company, best, verified in rows
        if company is not None
    }
