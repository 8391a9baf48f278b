"""S-49 and its review (Δ 185, 186): KYC documents in the object store, with deal room files' upload rules and
body limit (`api/uploads.py`, `UPLOAD_PATH`). Registered before `routes/identity.py`, so that `/api/did/kyc`
is not read as a DID id."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from triboka_api.api.deps import PrincipalDep, SessionDep, SettingsDep, require_roles
from triboka_api.api.openapi import binary, documented, json_body
from triboka_api.api.schemas.identity import (
    KYC_UPLOAD_DOC,
    KycDocumentObject,
    KycList,
    KycReviewed,
    KycUploaded,
    ReviewKycBody,
)
from triboka_api.api.uploads import (
    MULTIPART_ENVELOPE_BYTES,
    download,
    file_store_of,
    form_file,
    sha256_of,
    text_field,
)
from triboka_api.api.validation import parse_body, read_json
from triboka_api.domain import identity as identities
from triboka_api.domain import kyc, upload_policy
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import DigitalIdentity, KycDocument
from triboka_api.serializers.common import iso

router = APIRouter(tags=["identity"])

UPLOAD_PATH = re.compile(r"^/api/did/[^/]+/kyc$")
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
_TEXT_FIELDS = ("issuing_country", "issuing_authority", "issue_date", "expiry_date", "notes")


def kyc_object(document: KycDocument, did: str) -> KycDocumentObject:
    return KycDocumentObject(
        id=document.id,
        did_id=document.did_id,
        did=did,
        document_type=document.document_type,
        document_number=document.document_number,
        issuing_country=document.issuing_country,
        issuing_authority=document.issuing_authority,
        document_hash=document.document_hash,
        issued_at=iso(document.issued_at),
        expires_at=iso(document.expires_at),
        verification_status=document.verification_status,
        verified_at=iso(document.verified_at),
        verification_notes=document.verification_notes,
        notes=document.notes,
        filename=document.filename,
        file_size=document.file_size,
        file_type=document.file_type,
        download_url=f"/api/did/kyc/{document.id}/download",
        created_at=iso(document.created_at) or "",
    )


async def _dids(session: SessionDep, documents: list[KycDocument]) -> dict[int, str]:
    ids = {d.did_id for d in documents}
    rows = [await session.get(DigitalIdentity, i) for i in ids]
    return {row.id: row.did for row in rows if row is not None}


@router.get("/api/did/kyc", **documented(KycList, 400))
async def review_list(_: AdminDep, session: SessionDep, status: str | None = None) -> KycList:
    """Δ 186: every KYC document (or those of one `status`), oldest first, for an admin to review."""
    documents = list(await kyc.documents_for_review(session, status))
    dids = await _dids(session, documents)
    return KycList(kyc_documents=[kyc_object(d, dids[d.did_id]) for d in documents])


@router.post(
    "/api/did/kyc/{document_id}/review",
    openapi_extra=json_body(ReviewKycBody),
    **documented(KycReviewed, 404),
)
async def review_document(
    document_id: int, principal: AdminDep, request: Request, session: SessionDep
) -> KycReviewed:
    """Δ 186: `{status: verified|rejected, notes?}`; the DID's own status is S-44's (or Δ 184's) decision."""
    body = parse_body(ReviewKycBody, await read_json(request))
    document = await kyc.review_document(session, principal, document_id, body.status, body.notes)
    dids = await _dids(session, [document])
    return KycReviewed(
        message=f"KYC document {body.status}", kyc_document=kyc_object(document, dids[document.did_id])
    )


@router.get(
    "/api/did/kyc/{document_id}/download",
    response_class=StreamingResponse,
    **binary("application/octet-stream", "the document, as an attachment (its own media type)", 404),
)
async def download_document(
    document_id: int, principal: PrincipalDep, request: Request, session: SessionDep
) -> StreamingResponse:
    """Δ 185: the owner and admins download the file, streamed; to anyone else it does not exist (404)."""
    document = await kyc.readable_document(session, principal, document_id)
    return await download(
        file_store_of(request),
        document.storage_key,
        filename=document.filename,
        media_type=upload_policy.media_type(document.file_type),
        size=document.file_size,
    )


@router.post(
    "/api/did/{did_id}/kyc",
    openapi_extra=KYC_UPLOAD_DOC,
    **documented(KycUploaded, 400, 404, status=201),
)
async def upload_document(
    did_id: str, principal: PrincipalDep, request: Request, session: SessionDep, settings: SettingsDep
) -> KycUploaded:
    """S-49: the DID's owner uploads a document (deal room files' rules); refusals store nothing."""
    identity = await identities.visible_identity(session, principal, did_id)
    identities.require_owner(principal, identity)
    async with request.form(max_files=1, max_fields=9, max_part_size=MULTIPART_ENVELOPE_BYTES) as form:
        fields = kyc.KycFields(
            document_type=text_field(form, "document_type", column=True),
            document_number=text_field(form, "document_number", column=True),
            **{name: text_field(form, name, column=True) for name in _TEXT_FIELDS},
        )
        upload = form_file(form, "document_file", settings.max_upload_bytes)
        size = upload.size or 0
        head = await upload.read(upload_policy.SNIFF_BYTES)
        checked = kyc.check_kyc_upload(principal, identity, fields, upload.filename, size, head)
        digest = await sha256_of(upload)
        store = file_store_of(request)
        await store.put(checked.storage_key, upload.file)
    try:
        document = await kyc.record_kyc(session, principal, identity, checked, size, digest)
    except BaseException:
        await store.delete(checked.storage_key)  # no object without its record
        raise
    return KycUploaded(message="KYC document uploaded", kyc_document=kyc_object(document, identity.did))


@router.get("/api/did/{did_id}/kyc", **documented(KycList, 404))
async def list_documents(did_id: str, principal: PrincipalDep, session: SessionDep) -> KycList:
    """Δ 185: the DID's documents, newest first, for its owner and admins (404 to anyone else)."""
    identity = await identities.visible_identity(session, principal, did_id)
    documents = await kyc.identity_documents(session, principal, identity)
    return KycList(kyc_documents=[kyc_object(d, identity.did) for d in documents])
