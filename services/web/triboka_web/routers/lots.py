"""Producer lots: the marketplace list, lot detail with its traceability, registration and purchase."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from triboka_web.api_client import ApiClient, ApiError, ApiForbiddenError
from triboka_web.auth import CurrentUser, SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.forms import LotForm, PurchaseForm, api_form_errors, parse_form
from triboka_web.i18n import _
from triboka_web.pagination import paginate
from triboka_web.roles import Action, Role
from triboka_web.templating import render
from triboka_web.trace_events import record_step

router = APIRouter()
CreateLotUser = allowed_to(Action.CREATE_LOT)
PurchaseLotUser = allowed_to(Action.PURCHASE_LOT)

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
    if q.strip():
        items = await api.get("/api/lots/search", q=q.strip())
    else:
        items = await api.get("/api/lots", **filters)
    companies = await api.get("/api/companies")
    context = {
        "page": paginate(items, page),
        "filters": filters,
        "q": q,
        "statuses": LOT_STATUSES,
        "producers": [c for c in companies if c.get("company_type") == "producer"],
    }
    return render(request, "lots/list.html", context)


async def find_lot(api: ApiClient, lot_id: int) -> dict[str, Any] | None:
    """The API has no lot-by-id read; the (role-scoped) lot list is the source of the detail page."""
    return next((lot for lot in await api.get("/api/lots") if lot["id"] == lot_id), None)


@router.get("/lots/{lot_id}")
async def lot_detail(request: Request, lot_id: int, user: CurrentUser, api: Api) -> Response:
    lot = await find_lot(api, lot_id)
    if lot is None:
        return render(request, "errors/404.html", {"status": 404}, status_code=404)
    try:
        traceability = await api.get(f"/api/lots/{lot_id}/traceability")
    except ApiForbiddenError:
        traceability = None
    return render(request, "lots/detail.html", {"lot": lot, "traceability": traceability})


async def _producer_companies(api: ApiClient, user: SessionUser) -> list[dict[str, Any]]:
    companies = [c for c in await api.get("/api/companies") if c.get("company_type") == "producer"]
    if user.role == Role.PRODUCER:
        return [c for c in companies if c["id"] == user.company_id]
    return companies


def _lot_form(
    request: Request, companies: list[dict[str, Any]], values: dict[str, Any], errors: dict[str, str]
):
    return render(
        request,
        "lots/create.html",
        {"companies": companies, "values": values, "errors": errors},
        status_code=400 if errors else 200,
    )


@router.get("/create_lot")
async def create_lot_page(request: Request, api: Api, user: CreateLotUser) -> Response:
    values = {"producer_company_id": user.company_id} if user.role == Role.PRODUCER else {}
    return _lot_form(request, await _producer_companies(api, user), values, {})


@router.post("/create_lot")
async def create_lot(request: Request, api: Api, user: CreateLotUser) -> Response:
    parsed = parse_form(LotForm, await request.form())
    if parsed.model is None:
        return _lot_form(request, await _producer_companies(api, user), parsed.values, parsed.errors)
    try:
        created = await api.post("/api/lots", parsed.model.payload())
    except ApiError as exc:
        errors = api_form_errors(exc, LotForm.field_names())
        return _lot_form(request, await _producer_companies(api, user), parsed.values, errors)
    lot_id = created["lot_id"]
    await record_step(api, "lot", lot_id, "lot_creation", _("Lot registered"), parsed.model.farm_name or "")
    flash(request, _("Lot registered."))
    return RedirectResponse(f"/lots/{lot_id}", status_code=303)


@router.get("/lots/{lot_id}/purchase")
async def purchase_page(request: Request, lot_id: int, api: Api, user: PurchaseLotUser) -> Response:
    lot = await find_lot(api, lot_id)
    if lot is None:
        return render(request, "errors/404.html", {"status": 404}, status_code=404)
    return render(request, "lots/purchase.html", {"lot": lot, "values": {}, "errors": {}})


@router.post("/lots/{lot_id}/purchase")
async def purchase(request: Request, lot_id: int, api: Api, user: PurchaseLotUser) -> Response:
    parsed = parse_form(PurchaseForm, await request.form())
    errors = parsed.errors
    if parsed.model is not None:
        try:
            answer = await api.post(f"/api/lots/{lot_id}/purchase", parsed.model.payload())
        except ApiError as exc:
            errors = api_form_errors(exc, PurchaseForm.field_names())
        else:
            buyer = answer["lot"].get("purchased_by") or user.name
            await record_step(api, "lot", lot_id, "purchase", _("Lot purchased"), buyer)
            flash(request, _("Lot %(code)s purchased.") % {"code": answer["lot"]["lot_code"]})
            return RedirectResponse(f"/lots/{lot_id}", status_code=303)
    lot = await find_lot(api, lot_id)
    context = {"lot": lot, "values": parsed.values, "errors": errors}
    return render(request, "lots/purchase.html", context, status_code=400)
