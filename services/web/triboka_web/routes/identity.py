"""Identidad digital (issue 14, S-43..S-49): the user's own DID (create it, its status and public key, KYC uploads,
signatures) and, for admins, the review of pending DIDs and KYC documents. The API decides every rule; these
pages show what it answers and pass the forms on."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from triboka_web.actions import run_action
from triboka_web.api_client import ApiClient
from triboka_web.auth import CurrentUser, SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.downloads import passed_through
from triboka_web.flash import flash
from triboka_web.i18n import _
from triboka_web.roles import Action
from triboka_web.templating import render
from triboka_web.urls import path_for

router = APIRouter()
Reviewer = Annotated[SessionUser, Depends(allowed_to(Action.REVIEW_IDENTITIES))]
DOCUMENT_TYPES = ("passport", "id_card", "license", "certificate")
KYC_FIELDS = ("document_type", "document_number", "issuing_country", "issue_date", "expiry_date", "notes")


async def _own(api: ApiClient, user: SessionUser) -> dict[str, Any] | None:
    """The user's DID with its documents and signatures, or None before it is created."""
    listed = await api.get("/api/did", limit=100)
    did = next((d for d in listed["dids"] if d["user_id"] == user.id), None)
    if did is None:
        return None
    base = f"/api/did/{did['id']}"
    view, documents, signatures = await asyncio.gather(
        api.get(base), api.get(f"{base}/kyc"), api.get(f"{base}/signatures", limit=20)
    )
    return {
        "did": view["did"],
        "documents": documents["kyc_documents"],
        "signatures": signatures["signatures"],
    }


async def _review_queue(api: ApiClient) -> dict[str, Any]:
    dids, documents = await asyncio.gather(
        api.get("/api/did", status="pending", limit=100), api.get("/api/did/kyc", status="pending")
    )
    return {"pending_dids": dids["dids"], "pending_documents": documents["kyc_documents"]}


def _back(request: Request, section: str = "") -> RedirectResponse:
    return RedirectResponse(
        f"{path_for(request, 'identity')}{'#' + section if section else ''}", status_code=303
    )


@router.get("/identity", name="identity")
async def identity_page(request: Request, user: CurrentUser, api: Api) -> Response:
    own = await _own(api, user)
    queue = await _review_queue(api) if user.can(Action.REVIEW_IDENTITIES) else None
    return render(
        request, "identity/page.html", {"own": own, "queue": queue, "document_types": DOCUMENT_TYPES}
    )


@router.post("/identity/create", name="identity_create")
async def create_identity(request: Request, user: CurrentUser, api: Api) -> Response:
    await run_action(request, api.post("/api/did/create", {}), _("Digital identity created."))
    return _back(request)


@router.post("/identity/{did_id}/kyc", name="identity_kyc_upload")
async def upload_document(request: Request, did_id: int, user: CurrentUser, api: Api) -> Response:
    """The browser's multipart upload, passed on to the API (which checks owner, fields, size, type, content)."""
    form = await request.form()
    upload = form.get("document_file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        flash(request, _("Choose a file to upload."), "danger")
        return _back(request, "kyc")
    fields = {name: str(form.get(name) or "") for name in KYC_FIELDS}
    files = {
        "document_file": (upload.filename, upload.file, upload.content_type or "application/octet-stream")
    }
    call = api.request("POST", f"/api/did/{did_id}/kyc", files=files, data=fields)
    await run_action(request, call, _("Document uploaded."))
    return _back(request, "kyc")


@router.get("/identity/kyc/{document_id}", name="identity_kyc_download")
async def download_document(document_id: int, user: CurrentUser, api: Api) -> Response:
    return await passed_through(api, f"/api/did/kyc/{document_id}/download")


@router.post("/identity/review/did/{did_id}", name="identity_review_did")
async def review_did(request: Request, did_id: int, user: Reviewer, api: Api) -> Response:
    form = await request.form()
    if form.get("decision") == "reject":
        call, done = api.post("/api/did/reject", {"did_id": did_id}), _("Digital identity rejected.")
    else:
        call, done = api.post("/api/did/verify", {"did_id": did_id}), _("Digital identity verified.")
    await run_action(request, call, done)
    return _back(request, "review")


@router.post("/identity/review/kyc/{document_id}", name="identity_review_kyc")
async def review_document(request: Request, document_id: int, user: Reviewer, api: Api) -> Response:
    form = await request.form()
    status = "rejected" if form.get("decision") == "reject" else "verified"
    body = {"status": status, "notes": str(form.get("notes") or "") or None}
    await run_action(request, api.post(f"/api/did/kyc/{document_id}/review", body), _("Document reviewed."))
    return _back(request, "review")
