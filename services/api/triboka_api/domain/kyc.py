"""KYC documents (S-49, Δ 185, 186): uploaded by the DID's owner under the same file rules as deal room files
(`domain/upload_policy.py`), stored in the same object store, read only by the owner and admins, reviewed by
admins. Every refusal runs before anything is stored."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.bounds import OutOfBoundsError, check_moment, parse_iso_datetime
from triboka_api.domain.errors import NotFoundError, RuleViolationError
from triboka_api.domain.identity import require_owner
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.domain.upload_policy import check_file
from triboka_api.models import DigitalIdentity, KycDocument, utcnow

DOCUMENT_TYPES = ("passport", "id_card", "license", "certificate")
REVIEW_DECISIONS = ("verified", "rejected")


@dataclass(frozen=True)
class KycFields:
    """The form's text fields as sent (blank ones None); bounds of their columns are already checked."""

    document_type: str | None
    document_number: str | None
    issuing_country: str | None = None
    issuing_authority: str | None = None
    issue_date: str | None = None
    expiry_date: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class KycUpload:
    fields: KycFields
    issued_at: date | None
    expires_at: date | None
    filename: str
    extension: str
    storage_key: str


def _date(name: str, raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        moment = parse_iso_datetime(raw)
        check_moment(name, moment)
    except (ValueError, OutOfBoundsError) as exc:
        raise RuleViolationError(f"Invalid date for '{name}' (use YYYY-MM-DD)") from exc
    return moment.date()


def check_kyc_upload(
    principal: Principal,
    identity: DigitalIdentity,
    fields: KycFields,
    filename: str | None,
    size: int,
    head: bytes,
) -> KycUpload:
    """S-49's refusals, in order: owner (403), required fields, document type, dates (400), then the file's
    own rules (name, extension, emptiness, content: 400)."""
    require_owner(principal, identity)
    for name in ("document_type", "document_number"):
        if not getattr(fields, name):
            raise RuleViolationError(f"Field '{name}' is required")
    if fields.document_type not in DOCUMENT_TYPES:
        raise RuleViolationError(f"Invalid document_type; use one of: {', '.join(DOCUMENT_TYPES)}")
    issued_at = _date("issue_date", fields.issue_date)
    expires_at = _date("expiry_date", fields.expiry_date)
    if issued_at and expires_at and expires_at < issued_at:
        raise RuleViolationError("expiry_date is before issue_date")
    checked = check_file(filename, size, head)
    # random, from the API: neither the client's name nor the content's hash reaches the store's key
    key = f"kyc/{identity.id}/{uuid.uuid4().hex}.{checked.extension}"
    return KycUpload(fields, issued_at, expires_at, checked.filename, checked.extension, key)


async def record_kyc(
    session: AsyncSession,
    principal: Principal,
    identity: DigitalIdentity,
    upload: KycUpload,
    size: int,
    sha256: str,
) -> KycDocument:
    document = KycDocument(
        did_id=identity.id,
        document_type=upload.fields.document_type,
        document_number=upload.fields.document_number,
        issuing_country=upload.fields.issuing_country,
        issuing_authority=upload.fields.issuing_authority,
        document_hash=sha256,
        filename=upload.filename,
        storage_key=upload.storage_key,
        file_size=size,
        file_type=upload.extension,
        issued_at=upload.issued_at,
        expires_at=upload.expires_at,
        notes=upload.fields.notes,
        uploaded_by=principal.id,
    )
    session.add(document)
    await session.commit()
    return document


async def identity_documents(
    session: AsyncSession, principal: Principal, identity: DigitalIdentity
) -> Sequence[KycDocument]:
    """Δ 185: the DID's documents, newest first, for its owner and admins; to others the DID is not found
    (its company's parties read the DID itself, S-45, but not its documents)."""
    if identity.user_id != principal.id and principal.role != Role.ADMIN:
        raise NotFoundError("DID")
    return (
        await session.scalars(
            select(KycDocument)
            .where(KycDocument.did_id == identity.id)
            .order_by(KycDocument.created_at.desc(), KycDocument.id.desc())
        )
    ).all()


async def documents_for_review(session: AsyncSession, status: str | None) -> Sequence[KycDocument]:
    """Δ 186: the admin's review list, oldest first (first come, first reviewed), optionally of one status."""
    query = select(KycDocument)
    if status:
        if status not in (*REVIEW_DECISIONS, "pending"):
            raise RuleViolationError("Invalid status; use one of: pending, verified, rejected")
        query = query.where(KycDocument.verification_status == status)
    return (await session.scalars(query.order_by(KycDocument.created_at, KycDocument.id))).all()


async def readable_document(session: AsyncSession, principal: Principal, document_id: int) -> KycDocument:
    """Δ 185: only the DID's owner and admins read a KYC document; to anyone else it does not exist (404)."""
    document = await session.get(KycDocument, document_id)
    if document is not None and principal.role != Role.ADMIN:
        owner = await session.scalar(
            select(DigitalIdentity.user_id).where(DigitalIdentity.id == document.did_id)
        )
        if owner != principal.id:
            document = None
    if document is None:
        raise NotFoundError("KYC document")
    return document


async def review_document(
    session: AsyncSession, principal: Principal, document_id: int, decision: str, notes: str | None
) -> KycDocument:
    """Δ 186: an admin marks a document verified or rejected (again if need be: the last decision holds)."""
    if decision not in REVIEW_DECISIONS:
        raise RuleViolationError(f"Invalid status; use one of: {', '.join(REVIEW_DECISIONS)}")
    document = await session.get(KycDocument, document_id)
    if document is None:
        raise NotFoundError("KYC document")
    document.verification_status = decision
    document.verified_by = principal.id
    document.verified_at = utcnow()
    document.verification_notes = notes
    await session.commit()
    return document
