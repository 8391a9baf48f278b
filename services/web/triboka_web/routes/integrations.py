"""ERP connections (admin and operator: S-60..S-67) and company API keys (admin: Δ 157)."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from triboka_web.actions import run_action
from triboka_web.api_client import ApiClient, ApiError
from triboka_web.auth import SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.forms import ErpConnectionForm, ErpPushForm, api_refusal, parse_form, submit_form
from triboka_web.i18n import _
from triboka_web.roles import Action
from triboka_web.templating import render
from triboka_web.urls import redirect_to

router = APIRouter()
ErpUser = Annotated[SessionUser, Depends(allowed_to(Action.MANAGE_ERP))]
KeysUser = Annotated[SessionUser, Depends(allowed_to(Action.MANAGE_API_KEYS))]


async def _erp_page(
    request: Request, api: ApiClient, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    systems, connections, contracts = await asyncio.gather(
        api.get("/api/erp/systems"), api.get("/api/erp/connections"), api.get("/api/contracts")
    )
    context = {
        "systems": [(key, spec["name"]) for key, spec in systems["systems"].items()],
        "connections": connections["connections"],
        "contracts": [(c["id"], c["contract_code"]) for c in contracts],
        "values": values,
        "errors": errors,
    }
    return render(request, "integrations/erp.html", context, status_code=400 if errors else 200)


@router.get("/erp")
async def erp_connections(request: Request, api: Api, user: ErpUser) -> Response:
    return await _erp_page(request, api, {}, {})


@router.post("/erp")
async def add_erp_connection(request: Request, api: Api, user: ErpUser) -> Response:
    """The API runs the connectivity test: a connection is kept only when the ERP answers."""
    outcome = await submit_form(
        request,
        ErpConnectionForm,
        lambda form: api.post("/api/erp/connections", form.payload()),
        partial(_erp_page, request, api),
    )
    if isinstance(outcome, Response):
        return outcome
    flash(request, _("ERP connected: %(id)s.") % {"id": outcome[1]["connection_id"]})
    return redirect_to(request, "erp_connections")


@router.post("/erp/{connection_id}/test")
async def test_erp_connection(request: Request, connection_id: str, api: Api, user: ErpUser) -> Response:
    try:
        answer = await api.post(f"/api/erp/test-connection/{connection_id}", {})
    except ApiError as exc:
        flash(request, api_refusal(exc), "danger")
    else:
        connected = answer["status"] == "connected"
        flash(
            request,
            _("The ERP answers.") if connected else _("The ERP does not answer."),
            "success" if connected else "danger",
        )
    return redirect_to(request, "erp_connections")


@router.post("/erp/push-contract")
async def push_contract(request: Request, api: Api, user: ErpUser) -> Response:
    parsed = parse_form(ErpPushForm, await request.form())
    form = parsed.model
    if form is None or form.contract_id is None or not form.connection_id:
        flash(request, _("Choose a connection and a contract."), "danger")
        return redirect_to(request, "erp_connections")
    # the ERP's refusal or silence (502/504) is flashed with the API's words, like any refusal
    call = api.post(f"/api/erp/sync/contract/{form.contract_id}", {"connection_id": form.connection_id})
    await run_action(request, call, _("Contract sent to the ERP."))
    return redirect_to(request, "erp_connections")


async def _keys_page(
    request: Request, api: ApiClient, company_id: int | None, issued: str | None = None
) -> Response:
    companies = await api.get("/api/companies")
    keys = (await api.get(f"/api/companies/{company_id}/api-keys"))["keys"] if company_id else []
    context = {"companies": companies, "company_id": company_id, "keys": keys, "issued": issued}
    return render(request, "integrations/api_keys.html", context)


@router.get("/api-keys")
async def api_keys(request: Request, api: Api, user: KeysUser, company_id: int | None = None) -> Response:
    return await _keys_page(request, api, company_id)


async def _issue(request: Request, api: ApiClient, company_id: int, *, rotate: bool) -> Response:
    """The new key is rendered in this answer only (never flashed: the flash travels in the session cookie)."""
    form = await request.form()
    label = str(form.get("label") or "").strip() or None
    try:
        answer = await api.post(
            f"/api/companies/{company_id}/api-keys", {"label": label, "replace_existing": rotate}
        )
    except ApiError as exc:
        flash(request, api_refusal(exc), "danger")
        return redirect_to(request, "api_keys")
    return await _keys_page(request, api, company_id, issued=answer["api_key"])


@router.post("/api-keys/{company_id}/issue")
async def issue_api_key(request: Request, company_id: int, api: Api, user: KeysUser) -> Response:
    return await _issue(request, api, company_id, rotate=False)


@router.post("/api-keys/{company_id}/rotate")
async def rotate_api_key(request: Request, company_id: int, api: Api, user: KeysUser) -> Response:
    return await _issue(request, api, company_id, rotate=True)


@router.post("/api-keys/{company_id}/{key_id}/revoke")
async def revoke_api_key(
    request: Request, company_id: int, key_id: int, api: Api, user: KeysUser
) -> Response:
    await run_action(
        request, api.delete(f"/api/companies/{company_id}/api-keys/{key_id}"), _("API key revoked.")
    )
    response = redirect_to(request, "api_keys")
    response.headers["location"] += f"?company_id={company_id}"
    return response
