"""Producer lots: the marketplace list, lot detail with its traceability, registration, editing, purchase."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from triboka_web.api_client import ApiClient, ApiForbiddenError
from triboka_web.auth import CurrentUser, SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.forms import LotEditForm, LotForm, PurchaseForm, submit_form
from triboka_web.i18n import _
from triboka_web.pagination import paginate, window, window_query
from triboka_web.roles import Action, Role
from triboka_web.templating import render
from triboka_web.trace_events import record_step
from triboka_web.urls import redirect_to

router = APIRouter()
CreateLotUser = Annotated[SessionUser, Depends(allowed_to(Action.CREATE_LOT))]
PurchaseLotUser = Annotated[SessionUser, Depends(allowed_to(Action.PURCHASE_LOT))]

LOT_FILTERS = (
    "status",
    "location",
    "quality_grade",
    "producer_id",
    "min_weight",
    "max_weight",
    "certifications",
)
LOT_STATUSES = ("available", "purchased", "batched")


@router.get("/lots")
async def lots(request: Request, user: CurrentUser, api: Api, page: int = 1, q: str = "") -> Response:
    filters = {name: request.query_params.get(name, "").strip() for name in LOT_FILTERS}
    term = q.strip()
    # the search has no limit/offset: its (short) answer is paged here; the list is paged by the API
    listing = (
        api.get("/api/lots/search", q=term) if term else api.get("/api/lots", **filters, **window_query(page))
    )
    items, producers = await asyncio.gather(listing, producer_companies(api))
    context = {
        "page": paginate(items, page) if term else window(items, page),
        "filters": filters,
        "q": q,
        "statuses": LOT_STATUSES,
        "producers": producers,
    }
    return render(request, "lots/list.html", context)


async def producer_companies(api: ApiClient) -> list[dict[str, Any]]:
    """The producer companies (Δ 220's filter: the API sends only those, not every company)."""
    found: list[dict[str, Any]] = await api.get("/api/companies", company_type="producer")
    return found


async def find_lot(api: ApiClient, lot_id: int) -> dict[str, Any]:
    """One lot by id (Δ 150) under the caller's visibility: a lot it cannot see is the API's 404, our 404 page."""
    lot: dict[str, Any] = await api.get(f"/api/lots/{lot_id}")
    return lot


async def _traceability(api: ApiClient, lot_id: int) -> dict[str, Any] | None:
    """The lot's traceability, or None for a caller who may see the lot but not its trail (C-20's 403)."""
    try:
        trail: dict[str, Any] = await api.get(f"/api/lots/{lot_id}/traceability")
    except ApiForbiddenError:
        return None
    return trail


@router.get("/lots/{lot_id}")
async def lot_detail(request: Request, lot_id: int, user: CurrentUser, api: Api) -> Response:
    lot, traceability = await asyncio.gather(find_lot(api, lot_id), _traceability(api, lot_id))
    return render(request, "lots/detail.html", {"lot": lot, "traceability": traceability})


async def _lot_form(
    request: Request, api: ApiClient, user: SessionUser, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    """A producer registers lots for its own company only (contract C-14); staff choose any producer."""
    companies = await producer_companies(api)
    if user.role == Role.PRODUCER:
        companies = [c for c in companies if c["id"] == user.company_id]
    context = {"companies": companies, "values": values, "errors": errors}
    return render(request, "lots/create.html", context, status_code=400 if errors else 200)


@router.get("/create_lot")
async def create_lot_page(request: Request, api: Api, user: CreateLotUser) -> Response:
    values = {"producer_company_id": user.company_id} if user.role == Role.PRODUCER else {}
    return await _lot_form(request, api, user, values, {})


@router.post("/create_lot")
async def create_lot(request: Request, api: Api, user: CreateLotUser) -> Response:
    outcome = await submit_form(
        request,
        LotForm,
        lambda form: api.post("/api/lots", form.payload()),
        partial(_lot_form, request, api, user),
    )
    if isinstance(outcome, Response):
        return outcome
    form, created = outcome
    lot_id = created["lot_id"]
    await record_step(api, "lot", lot_id, "lot_creation", _("Lot registered"), form.farm_name or "")
    flash(request, _("Lot registered."))
    return redirect_to(request, "lot_detail", lot_id=lot_id)


async def _edit_form(
    request: Request, api: ApiClient, lot_id: int, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    context = {"lot": await find_lot(api, lot_id), "values": values, "errors": errors}
    return render(request, "lots/edit.html", context, status_code=400 if errors else 200)


@router.get("/lots/{lot_id}/edit")
async def edit_lot_page(request: Request, lot_id: int, api: Api, user: CreateLotUser) -> Response:
    lot = await find_lot(api, lot_id)
    values = {**lot, "certifications": ", ".join(lot["certifications"])}
    return await _edit_form(request, api, lot_id, values, {})


@router.post("/lots/{lot_id}/edit")
async def edit_lot(request: Request, lot_id: int, api: Api, user: CreateLotUser) -> Response:
    outcome = await submit_form(
        request,
        LotEditForm,
        lambda form: api.put(f"/api/lots/{lot_id}", form.payload()),
        partial(_edit_form, request, api, lot_id),
    )
    if isinstance(outcome, Response):
        return outcome
    flash(request, _("Lot updated."))
    return redirect_to(request, "lot_detail", lot_id=lot_id)


async def _purchase_form(
    request: Request, api: ApiClient, lot_id: int, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    context = {"lot": await find_lot(api, lot_id), "values": values, "errors": errors}
    return render(request, "lots/purchase.html", context, status_code=400 if errors else 200)


@router.get("/lots/{lot_id}/purchase")
async def purchase_page(request: Request, lot_id: int, api: Api, user: PurchaseLotUser) -> Response:
    return await _purchase_form(request, api, lot_id, {}, {})


@router.post("/lots/{lot_id}/purchase")
async def purchase(request: Request, lot_id: int, api: Api, user: PurchaseLotUser) -> Response:
    outcome = await submit_form(
        request,
        PurchaseForm,
        lambda form: api.post(f"/api/lots/{lot_id}/purchase", form.payload()),
        partial(_purchase_form, request, api, lot_id),
    )
    if isinstance(outcome, Response):
        return outcome
    lot = outcome[1]["lot"]
    await record_step(
        api, "lot", lot_id, "purchase", _("Lot purchased"), lot.get("purchased_by") or user.name
    )
    flash(request, _("Lot %(code)s purchased.") % {"code": lot["lot_code"]})
    return redirect_to(request, "lot_detail", lot_id=lot_id)
