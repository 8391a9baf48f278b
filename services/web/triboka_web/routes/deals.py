"""Deal rooms (issue 13): the deals list for admins and operators, and one room per deal for its members. The
API decides who sees what (role in the deal, scopes); these pages show what it answers."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from triboka_web.actions import run_action
from triboka_web.api_client import ApiClient
from triboka_web.auth import CurrentUser, SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.downloads import passed_through
from triboka_web.flash import flash
from triboka_web.forms import FinanceForm, FormModel, MemberForm, TraceLinkForm, parse_form
from triboka_web.i18n import _
from triboka_web.roles import Action
from triboka_web.templating import render
from triboka_web.urls import path_for

router = APIRouter()
BrokerUser = Annotated[SessionUser, Depends(allowed_to(Action.BROKER_DEALS))]
SCOPES = ("PUBLIC", "PARTES", "SOLO_ADMIN")
MEMBER_ROLES = ("observer", "producer", "exporter")


@router.get("/deals")
async def deal_list(request: Request, user: BrokerUser, api: Api) -> Response:
    listing = await api.get("/api/deals", limit=200)
    return render(
        request, "deals/list.html", {"deals": listing["deals"], "total": listing["pagination"]["total"]}
    )


async def _room(api: ApiClient, deal_id: int, query: str) -> dict[str, Any]:
    base = f"/api/deals/{deal_id}"
    deal, notes, messages, files, trace = await asyncio.gather(
        api.get(base),
        api.get(f"{base}/notes"),
        api.get(f"{base}/messages"),
        api.get(f"{base}/files"),
        api.get(f"{base}/trace"),
    )
    ticket = await _socket_ticket(api, deal_id)  # after the deal's read, which answers a non-member first
    is_admin = deal["role_in_deal"] == "admin"
    broker = await _broker_lists(api, base) if is_admin else {}
    found = await api.get(f"{base}/messages/search", q=query) if query else None
    scopes = (
        SCOPES if is_admin else SCOPES[:2] if deal["role_in_deal"] in ("producer", "exporter") else SCOPES[:1]
    )
    return {
        "deal": deal,
        "notes": notes,
        "messages": messages,
        "files": files,
        "trace": trace,
        "finance": broker.get("finance"),
        "broker": broker,
        "member_roles": MEMBER_ROLES,
        "found": found,
        "query": query,
        "scopes": scopes,
        "socket_ticket": ticket,
    }


async def _broker_lists(api: ApiClient, base: str) -> dict[str, Any]:
    """What only the deal's admins get: the finance sheet, and the choices of the members and trace forms
    (companies and users to add, the lots and batches the caller may see to link)."""
    finance, companies, users, lots, batches = await asyncio.gather(
        api.get(f"{base}/finance"),
        api.get("/api/companies"),
        api.get("/api/users"),
        api.get("/api/lots"),
        api.get("/api/batches"),
    )
    return {"finance": finance, "companies": companies, "users": users, "lots": lots, "batches": batches}


@router.get("/deals/{deal_id}")
async def deal_room(request: Request, deal_id: int, user: CurrentUser, api: Api, q: str = "") -> Response:
    room = await _room(api, deal_id, q.strip())
    return render(request, "deals/room.html", room | {"socket_url": request.app.state.settings.socket_url})


async def _socket_ticket(api: ApiClient, deal_id: int) -> str:
    """A one-minute ticket for this deal's socket (Δ 112): what the page's script may hold, unlike the session's
    API token, which never leaves the server."""
    answer = await api.post("/api/realtime/ticket", {"deal_id": deal_id})
    return str(answer["ticket"])


@router.get("/deals/{deal_id}/live")
async def deal_live(deal_id: int, user: CurrentUser, api: Api) -> JSONResponse:
    """A fresh socket ticket for the room's script when its socket reconnects. A GET that changes nothing: another
    site may make the browser call it but cannot read the answer (same origin only, no CORS), and `no-store` keeps
    it out of caches."""
    body = {"deal_id": deal_id, "ticket": await _socket_ticket(api, deal_id)}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def _post(request: Request, api: ApiClient, path: str, fields: tuple[str, ...], done: str) -> None:
    form = await request.form()
    payload = {name: str(form.get(name) or "") for name in fields}
    await run_action(request, api.post(path, payload), done)


def _back_to(request: Request, deal_id: int, section: str) -> RedirectResponse:
    """303 to the deal room, scrolled to the section the form was in."""
    return RedirectResponse(f"{path_for(request, 'deal_room', deal_id=deal_id)}#{section}", status_code=303)


@router.post("/deals/{deal_id}/notes")
async def add_note(request: Request, deal_id: int, user: CurrentUser, api: Api) -> Response:
    await _post(request, api, f"/api/deals/{deal_id}/notes", ("content", "scope"), _("Note added."))
    return _back_to(request, deal_id, "notes")


@router.post("/deals/{deal_id}/messages")
async def add_message(request: Request, deal_id: int, user: CurrentUser, api: Api) -> Response:
    await _post(request, api, f"/api/deals/{deal_id}/messages", ("content",), _("Message sent."))
    return _back_to(request, deal_id, "messages")


async def _submit(
    request: Request,
    api: ApiClient,
    path: str,
    model: type[FormModel],
    done: str,
    lists: tuple[str, ...] = (),
) -> None:
    """A broker form posted to the API's `path`: a value that does not convert, or the API's refusal, is flashed;
    success too."""
    parsed = parse_form(model, await request.form(), lists)
    if parsed.model is None:
        flash(request, next(iter(parsed.errors.values())), "danger")
        return
    await run_action(request, api.post(path, parsed.model.payload()), done)


@router.post("/deals/{deal_id}/finance")
async def save_finance(request: Request, deal_id: int, user: CurrentUser, api: Api) -> Response:
    """S-34 for the deal's admins; anyone else gets the API's 403 (the page never offers them the form)."""
    await _submit(request, api, f"/api/deals/{deal_id}/finance", FinanceForm, _("Finance saved."))
    return _back_to(request, deal_id, "finance")


@router.post("/deals/{deal_id}/members")
async def add_member(request: Request, deal_id: int, user: CurrentUser, api: Api) -> Response:
    await _submit(request, api, f"/api/deals/{deal_id}/members", MemberForm, _("Member added."))
    return _back_to(request, deal_id, "members")


@router.post("/deals/{deal_id}/members/{member_id}/remove")
async def remove_member(
    request: Request, deal_id: int, member_id: int, user: CurrentUser, api: Api
) -> Response:
    call = api.delete(f"/api/deals/{deal_id}/members/{member_id}")
    await run_action(request, call, _("Member removed."))
    return _back_to(request, deal_id, "members")


@router.post("/deals/{deal_id}/trace")
async def link_trace(request: Request, deal_id: int, user: CurrentUser, api: Api) -> Response:
    path, done = f"/api/deals/{deal_id}/trace", _("Linked to the deal's trace.")
    await _submit(request, api, path, TraceLinkForm, done, ("lote_ids", "batch_ids"))
    return _back_to(request, deal_id, "trace")


@router.post("/deals/{deal_id}/files")
async def upload_file(request: Request, deal_id: int, user: CurrentUser, api: Api) -> Response:
    """The browser's multipart upload, passed on to the API (which checks it all: size, type, content, scope)."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        flash(request, _("Choose a file to upload."), "danger")
        return _back_to(request, deal_id, "files")
    fields = {name: str(form.get(name) or "") for name in ("confidentiality", "description")}
    files = {"file": (upload.filename, upload.file, upload.content_type or "application/octet-stream")}
    call = api.request("POST", f"/api/deals/{deal_id}/upload", files=files, data=fields)
    await run_action(request, call, _("File uploaded."))
    return _back_to(request, deal_id, "files")


@router.get("/deals/{deal_id}/export")
async def export_trace(deal_id: int, user: CurrentUser, api: Api) -> Response:
    return await passed_through(api, f"/api/deals/{deal_id}/trace/export")


@router.get("/deals/{deal_id}/files/{file_id}")
async def download_file(deal_id: int, file_id: str, user: CurrentUser, api: Api) -> Response:
    return await passed_through(api, f"/api/deals/{deal_id}/files/{file_id}/download")
