"""Dispatches: the list with the API's filters and pagination, creation, detail and status moves."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from triboka_web import charts
from triboka_web.actions import apply_status_change, run_action
from triboka_web.api_client import ApiClient
from triboka_web.auth import CurrentUser, SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.forms import DispatchForm, submit_form
from triboka_web.i18n import _
from triboka_web.labels import translated_labels
from triboka_web.pagination import PER_PAGE, Page
from triboka_web.roles import Action
from triboka_web.templating import render
from triboka_web.trace_events import record_step
from triboka_web.urls import redirect_to

router = APIRouter()
CreateDispatchUser = Annotated[SessionUser, Depends(allowed_to(Action.CREATE_DISPATCH))]

DISPATCH_FILTERS = (
    "status",
    "contract_id",
    "batch_id",
    "destination_country",
    "shipping_from",
    "shipping_to",
)
DISPATCH_STATUSES = ("planned", "in_transit", "delivered", "cancelled")
# The status moves the API accepts (contract §4.9); delivered and cancelled are terminal.
DISPATCH_TRANSITIONS = {"planned": ("in_transit", "cancelled"), "in_transit": ("delivered", "cancelled")}


@router.get("/dispatches")
async def dispatches(request: Request, user: CurrentUser, api: Api, page: int = 1) -> Response:
    filters = {name: request.query_params.get(name, "").strip() for name in DISPATCH_FILTERS}
    listing, stats = await asyncio.gather(
        api.get("/api/dispatches", **filters, page=max(page, 1), per_page=PER_PAGE),
        api.get("/api/dispatches/stats"),
    )
    paging = listing["pagination"]
    context = {
        "page": Page(
            listing["dispatches"],
            paging["page"],
            paging["page"] < paging["pages"],
            max(paging["pages"], 1),
            paging["total"],
        ),
        "filters": filters,
        "statuses": DISPATCH_STATUSES,
        "status_chart": charts.chart(
            "doughnut",
            [translated_labels().get(s, s) for s in stats["status_distribution"]],
            {_("Dispatches"): list(stats["status_distribution"].values())},
        ),
        "stats": stats,
    }
    return render(request, "dispatches/list.html", context)


async def _dispatch_form(
    request: Request, api: ApiClient, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    contracts, batches = await asyncio.gather(api.get("/api/contracts"), api.get("/api/batches"))
    context = {"contracts": contracts, "batches": batches, "values": values, "errors": errors}
    return render(request, "dispatches/create.html", context, status_code=400 if errors else 200)


@router.get("/create_dispatch")
async def create_dispatch_page(
    request: Request,
    api: Api,
    user: CreateDispatchUser,
    contract_id: int | None = None,
) -> Response:
    return await _dispatch_form(request, api, {"contract_id": contract_id}, {})


@router.post("/create_dispatch")
async def create_dispatch(request: Request, api: Api, user: CreateDispatchUser) -> Response:
    outcome = await submit_form(
        request,
        DispatchForm,
        lambda form: api.post("/api/dispatches", form.payload()),
        partial(_dispatch_form, request, api),
    )
    if isinstance(outcome, Response):
        return outcome
    dispatch = outcome[1]["dispatch"]
    await record_step(
        api,
        "batch",
        dispatch["batch_id"],
        "dispatch",
        _("Dispatch %(code)s planned") % {"code": dispatch["dispatch_code"]},
        dispatch["destination_country"],
    )
    flash(request, _("Dispatch %(code)s created.") % {"code": dispatch["dispatch_code"]})
    return redirect_to(request, "dispatch_detail", dispatch_id=dispatch["id"])


@router.get("/dispatches/{dispatch_id}")
async def dispatch_detail(request: Request, dispatch_id: int, user: CurrentUser, api: Api) -> Response:
    dispatch = (await api.get(f"/api/dispatches/{dispatch_id}"))["dispatch"]
    context = {"dispatch": dispatch, "transitions": DISPATCH_TRANSITIONS.get(dispatch["status"], ())}
    return render(request, "dispatches/detail.html", context)


@router.post("/dispatches/{dispatch_id}/status")
async def dispatch_status(request: Request, dispatch_id: int, user: CurrentUser, api: Api) -> Response:
    await apply_status_change(request, api, f"/api/dispatches/{dispatch_id}")
    return redirect_to(request, "dispatch_detail", dispatch_id=dispatch_id)


@router.post("/dispatches/{dispatch_id}/delete")
async def delete_dispatch(request: Request, dispatch_id: int, user: CurrentUser, api: Api) -> Response:
    if await run_action(request, api.delete(f"/api/dispatches/{dispatch_id}"), _("Dispatch deleted.")):
        return redirect_to(request, "dispatches")
    return redirect_to(request, "dispatch_detail", dispatch_id=dispatch_id)
