"""Export contracts: list, detail with fixation progress, creation, status changes and price fixations."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from triboka_web import charts
from triboka_web.actions import apply_status_change, run_action
from triboka_web.api_client import ApiClient, ApiUnavailableError
from triboka_web.auth import CurrentUser, SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.forms import ContractForm, FixationForm, submit_form
from triboka_web.i18n import _, fmt_number
from triboka_web.pagination import paginate
from triboka_web.roles import Action, Role
from triboka_web.templating import render
from triboka_web.urls import redirect_to

router = APIRouter()
CreateContractUser = Annotated[SessionUser, Depends(allowed_to(Action.CREATE_CONTRACT))]
CreateFixationUser = Annotated[SessionUser, Depends(allowed_to(Action.CREATE_FIXATION))]
# the side an exporter or buyer signs for: its choices on the form, and the field it fills
_OWN_SIDE: dict[str, str] = {Role.EXPORTER: "exporters", Role.BUYER: "buyers"}
_OWN_COMPANY_FIELD: dict[str, str] = {Role.EXPORTER: "exporter_company_id", Role.BUYER: "buyer_company_id"}

CONTRACT_FILTERS = ("status", "product_type", "buyer_id", "exporter_id")
CONTRACT_STATUSES = ("draft", "active", "suspended", "completed", "cancelled")
# The status moves the API accepts (contract §4.7); completed and cancelled are terminal.
CONTRACT_TRANSITIONS = {
    "draft": ("active", "cancelled"),
    "active": ("suspended", "completed"),
    "suspended": ("active", "cancelled"),
}


@router.get("/contracts")
async def contracts(request: Request, user: CurrentUser, api: Api, page: int = 1) -> Response:
    filters = {name: request.query_params.get(name, "").strip() for name in CONTRACT_FILTERS}
    items, companies = await asyncio.gather(api.get("/api/contracts", **filters), api.get("/api/companies"))
    context = {
        "page": paginate(items, page),
        "filters": filters,
        "statuses": CONTRACT_STATUSES,
        **_by_side(companies),
    }
    return render(request, "contracts/list.html", context)


@router.get("/contract/{contract_id}")
async def contract_detail(request: Request, contract_id: int, user: CurrentUser, api: Api) -> Response:
    contract, summary, dispatches = await asyncio.gather(
        api.get(f"/api/contracts/{contract_id}"),
        api.get(f"/api/fixations/contract/{contract_id}/summary"),
        api.get("/api/dispatches", contract_id=contract_id, per_page=100),
    )
    fixations = summary["fixations"]
    context = {
        "contract": contract,
        "summary": summary,
        "dispatches": dispatches["dispatches"],
        "transitions": CONTRACT_TRANSITIONS.get(contract["status"], ()),
        "progress_chart": charts.volume_progress(contract["total_volume_mt"], contract["fixed_volume_mt"]),
        "price_chart": charts.chart(
            "line",
            [f["fixation_date"][:10] for f in fixations],
            {_("Spot (USD/MT)"): [f["spot_price_usd"] for f in fixations]},
            "USD/MT",
        ),
        "fixable": contract["status"] in ("draft", "active") and contract["pending_volume_mt"] > 0,
    }
    return render(request, "contracts/detail.html", context)


@router.post("/contract/{contract_id}/status")
async def change_status(request: Request, contract_id: int, user: CurrentUser, api: Api) -> Response:
    await apply_status_change(request, api, f"/api/contracts/{contract_id}/status")
    return redirect_to(request, "contract_detail", contract_id=contract_id)


def _by_side(companies: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The companies that can be a contract's buyer and its exporter (one companies call serves both lists)."""
    return {
        "buyers": [c for c in companies if c.get("company_type") == "buyer"],
        "exporters": [c for c in companies if c.get("company_type") == "exporter"],
    }


async def _party_companies(api: ApiClient, user: SessionUser) -> dict[str, list[dict[str, Any]]]:
    """Buyer and exporter choices; an exporter or buyer may only sign for its own company (contract C-26)."""
    companies = await api.get("/api/companies")
    sides = _by_side(companies)
    own_side = _OWN_SIDE.get(user.role)
    if own_side:
        sides[own_side] = [c for c in companies if c["id"] == user.company_id]
    return sides


async def _contract_form(
    request: Request, api: ApiClient, user: SessionUser, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    context = {**await _party_companies(api, user), "values": values, "errors": errors}
    return render(request, "contracts/create.html", context, status_code=400 if errors else 200)


@router.get("/create_contract")
async def create_contract_page(request: Request, api: Api, user: CreateContractUser) -> Response:
    own = _OWN_COMPANY_FIELD.get(user.role)
    return await _contract_form(request, api, user, {own: user.company_id} if own else {}, {})


@router.post("/create_contract")
async def create_contract(request: Request, api: Api, user: CreateContractUser) -> Response:
    outcome = await submit_form(
        request,
        ContractForm,
        lambda form: api.post("/api/contracts", form.payload()),
        partial(_contract_form, request, api, user),
    )
    if isinstance(outcome, Response):
        return outcome
    contract = outcome[1]["contract"]
    flash(request, _("Contract %(code)s created.") % {"code": contract["contract_code"]})
    return redirect_to(request, "contract_detail", contract_id=contract["id"])


async def _spot_price(api: ApiClient) -> float | None:
    try:
        market = await api.get("/api/market/cacao-prices")
    except ApiUnavailableError:
        return None
    price: float | None = market["spot"]["price"]
    return price


def _render_fixation_form(
    request: Request, contract: dict[str, Any], values: dict[str, Any], errors: dict[str, str]
) -> Response:
    context = {"contract": contract, "values": values, "errors": errors}
    return render(request, "contracts/fixation.html", context, status_code=400 if errors else 200)


async def _fixation_form(
    request: Request, api: ApiClient, contract_id: int, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    return _render_fixation_form(request, await api.get(f"/api/contracts/{contract_id}"), values, errors)


@router.get("/create_fixation/{contract_id}")
async def create_fixation_page(
    request: Request, contract_id: int, api: Api, user: CreateFixationUser
) -> Response:
    spot, contract = await asyncio.gather(_spot_price(api), api.get(f"/api/contracts/{contract_id}"))
    return _render_fixation_form(request, contract, {"spot_price_usd": spot}, {})


@router.post("/create_fixation/{contract_id}")
async def create_fixation(request: Request, contract_id: int, api: Api, user: CreateFixationUser) -> Response:
    outcome = await submit_form(
        request,
        FixationForm,
        lambda form: api.post(f"/api/contracts/{contract_id}/fixations", form.payload()),
        partial(_fixation_form, request, api, contract_id),
    )
    if isinstance(outcome, Response):
        return outcome
    answer = outcome[1]
    flash(
        request,
        _("Price fixed: %(value)s USD. Pending volume: %(pending)s MT.")
        % {
            "value": fmt_number(answer["total_value_usd"]),
            "pending": fmt_number(answer["contract_pending_volume_mt"]),
        },
    )
    return redirect_to(request, "contract_detail", contract_id=contract_id)


@router.post("/contract/{contract_id}/fixations/{fixation_id}/delete")
async def delete_fixation(
    request: Request, contract_id: int, fixation_id: int, user: CurrentUser, api: Api
) -> Response:
    await run_action(request, api.delete(f"/api/fixations/{fixation_id}"), _("Fixation deleted."))
    return redirect_to(request, "contract_detail", contract_id=contract_id)
