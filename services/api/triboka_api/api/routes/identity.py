"""S-43..S-48: digital identities and their signatures (§5.7, Δ 180-184).

Literal paths (`/api/did/create`, `/verify`, `/reject`, `/signatures/…`, and `/kyc/…` in `routes/kyc.py`, which is
registered first) come before `/api/did/{did_id}`, whose `did_id` is the DID's row id or its `did:triboka:…`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from triboka_api.api.deps import PrincipalDep, SessionDep, key_ring, require_roles
from triboka_api.api.errors import ApiError
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.identity import (
    CheckSignatureBody,
    DidCreated,
    DidList,
    DidObject,
    DidReviewed,
    DidView,
    DidWithProfile,
    ProfileData,
    ReviewDidBody,
    SignatureCheck,
    SignatureList,
    SignatureObject,
    SignBody,
    SignResponse,
)
from triboka_api.api.schemas.matching import MatchPagination
from triboka_api.api.validation import parse_body, read_json
from triboka_api.domain import identity as identities
from triboka_api.domain.key_ring import UnreadableSecretError
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import DigitalIdentity, DigitalSignature, User
from triboka_api.serializers.common import iso

router = APIRouter(tags=["identity"])

AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
LimitQuery = Annotated[int, Query(ge=1, le=100)]
OffsetQuery = Annotated[int, Query(ge=0)]
NO_CHAIN_WARNING = (
    "No blockchain in this build: no wallet address. The DID's Ed25519 private key is kept encrypted by the "
    "platform and signs only on the owner's request."
)


def _pagination(total: int, page: identities.Page, shown: int) -> MatchPagination:
    return MatchPagination(
        total=total, limit=page.limit, offset=page.offset, has_more=page.offset + shown < total
    )


def did_object(identity: DigitalIdentity) -> DidObject:
    return DidObject(
        id=identity.id,
        did=identity.did,
        user_id=identity.user_id,
        company_id=identity.company_id,
        kyc_status=identity.kyc_status,
        kyc_verified_at=iso(identity.kyc_verified_at),
        blockchain_address=None,
        public_key=identity.public_key,
        key_algorithm="Ed25519",
        reputation_score=float(identity.reputation_score),
        is_active=identity.is_active,
        created_at=iso(identity.created_at) or "",
        updated_at=iso(identity.updated_at) or "",
    )


async def _with_profile(session: SessionDep, identity: DigitalIdentity) -> DidWithProfile:
    """S-45's `profile_data` (for the owner and admins): the owner's account as it is now (Δ 182)."""
    user = await session.get(User, identity.user_id)
    profile = ProfileData(
        name=user.name if user else None,
        email=user.email if user else None,
        company_name=user.company.name if user and user.company else None,
    )
    return DidWithProfile(**did_object(identity).model_dump(), profile_data=profile)


def signature_object(record: DigitalSignature) -> SignatureObject:
    return SignatureObject(
        id=record.id,
        did_id=record.did_id,
        signer_did=record.signer_did,
        signer_id=record.signer_id,
        signer_name=record.signer_name,
        document_type=record.document_type,
        document_id=record.document_id,
        document_hash=record.document_hash,
        signed_message=record.signed_message,
        signature=record.signature,
        signature_algorithm="Ed25519",
        public_key=record.public_key,
        status=record.status,
        blockchain_tx_hash=None,
        signed_at=iso(record.signed_at) or "",
        created_at=iso(record.created_at) or "",
    )


@router.post("/api/did/create", **documented(DidCreated, 400, status=201))
async def create_did(
    principal: PrincipalDep, request: Request, session: SessionDep
) -> DidCreated | JSONResponse:
    """S-43: the caller's DID with a new Ed25519 key pair (Δ 181, 182); 400 `{error, did}` when it has one."""
    ring = key_ring(request)
    try:
        identity = await identities.create_identity(session, principal, ring)
    except identities.IdentityExistsError as exc:
        return JSONResponse({"error": exc.message, "did": exc.did}, status_code=400)
    return DidCreated(
        message="DID created",
        did=await _with_profile(session, identity),
        wallet_address=None,
        warning=NO_CHAIN_WARNING,
    )


async def _review(principal: Principal, request: Request, session: SessionDep, status: str) -> DidReviewed:
    body = parse_body(ReviewDidBody, await read_json(request))
    identity = await identities.review_identity(session, principal, str(body.did_id), status, body.notes)
    return DidReviewed(message=f"DID {status}", did=did_object(identity))


@router.post("/api/did/verify", openapi_extra=json_body(ReviewDidBody), **documented(DidReviewed, 404))
async def verify_did(principal: AdminDep, request: Request, session: SessionDep) -> DidReviewed:
    """S-44: an admin verifies any DID (Δ 180); +10 reputation the first time (capped at 100)."""
    return await _review(principal, request, session, "verified")


@router.post("/api/did/reject", openapi_extra=json_body(ReviewDidBody), **documented(DidReviewed, 404))
async def reject_did(principal: AdminDep, request: Request, session: SessionDep) -> DidReviewed:
    """Δ 184: an admin rejects a DID's KYC (`kyc_status rejected`); it cannot sign until verified."""
    return await _review(principal, request, session, "rejected")


@router.get("/api/did", **documented(DidList, 400))
async def list_dids(
    principal: PrincipalDep,
    session: SessionDep,
    status: str | None = None,
    company_id: int | None = None,
    limit: LimitQuery = 20,
    offset: OffsetQuery = 0,
) -> DidList:
    """S-46: admins see every DID, others their own and their company's."""
    page = identities.Page(limit, offset)
    rows, total = await identities.list_identities(session, principal, status, company_id, page)
    return DidList(
        dids=[did_object(row) for row in rows],
        pagination=_pagination(total, page, len(rows)),
    )


@router.post(
    "/api/did/signatures/{signature_id}/verify",
    openapi_extra=json_body(CheckSignatureBody),
    **documented(SignatureCheck, 404),
)
async def check_signature(
    signature_id: int, _: PrincipalDep, request: Request, session: SessionDep
) -> SignatureCheck:
    """Δ 183: whether a stored signature holds for `event_data` (any signed-in user: a third party checks)."""
    body = parse_body(CheckSignatureBody, await read_json(request))
    result = await identities.verify_signature(
        session, signature_id, {} if body.event_data is None else body.event_data
    )
    return SignatureCheck(
        valid=result.valid,
        signature_valid=result.signature_valid,
        event_hash_matches=result.event_hash_matches,
        event_hash=result.event_hash,
        signature=signature_object(result.signature),
    )


@router.get("/api/did/{did_id}", **documented(DidView, 404))
async def get_did(did_id: str, principal: PrincipalDep, request: Request, session: SessionDep) -> DidView:
    """S-45: owner, a party of the same company, or an admin; others 404 (Δ 182)."""
    identity = await identities.visible_identity(session, principal, did_id)
    if identity.user_id == principal.id or principal.role == Role.ADMIN:
        return DidView(did=await _with_profile(session, identity))
    return DidView(did=did_object(identity))


@router.post(
    "/api/did/{did_id}/sign",
    openapi_extra=json_body(SignBody),
    **documented(SignResponse, 400, 404, status=201),
)
async def sign(did_id: str, principal: PrincipalDep, request: Request, session: SessionDep) -> SignResponse:
    """S-47: the owner signs an event with an active, verified DID (Δ 183 says what is signed)."""
    identity = await identities.visible_identity(session, principal, did_id)
    identities.require_owner(principal, identity)
    ring = key_ring(request)
    body = parse_body(SignBody, await read_json(request))
    sign_request = identities.SignRequest(
        body.event_type, str(body.event_id), {} if body.event_data is None else body.event_data
    )
    try:
        record = await identities.sign_event(session, principal, identity, ring, sign_request)
    except UnreadableSecretError as exc:  # its key id left the ring too early, or the row was altered
        raise ApiError(503, f"This DID's private key cannot be used: {exc}") from exc
    return SignResponse(
        message="Event signed", signature=signature_object(record), event_hash=record.document_hash
    )


@router.get("/api/did/{did_id}/signatures", **documented(SignatureList, 400, 404))
async def list_signatures(
    did_id: str,
    principal: PrincipalDep,
    session: SessionDep,
    event_type: str | None = None,
    limit: LimitQuery = 20,
    offset: OffsetQuery = 0,
) -> SignatureList:
    """S-48: as S-45."""
    identity = await identities.visible_identity(session, principal, did_id)
    page = identities.Page(limit, offset)
    rows, total = await identities.list_signatures(session, identity, event_type, page)
    return SignatureList(
        signatures=[signature_object(row) for row in rows],
        pagination=_pagination(total, page, len(rows)),
    )
