"""Export batches: the list, building one from purchased lots, and batch detail."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from triboka_web import charts
from triboka_web.api_client import ApiClient
from triboka_web.auth import CurrentUser, SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.forms import BatchForm, submit_form
from triboka_web.i18n import _
from triboka_web.pagination import paginate
from triboka_web.roles import Action
from triboka_web.templating import render
from triboka_web.trace_events import record_step
from triboka_web.urls import redirect_to

router = APIRouter()
CreateBatchUser = Annotated[SessionUser, Depends(allowed_to(Action.CREATE_BATCH))]


@router.get("/batches")
async def batches(request: Request, user: CurrentUser, api: Api, page: int = 1, status: str = "") -> Response:
    items = await api.get("/api/batches")
    statuses = sorted({b["status"] for b in items})
    if status:
        items = [b for b in items if b["status"] == status]
    return render(
        request, "batches/list.html", {"page": paginate(items, page), "status": status, "statuses": statuses}
    )


async def _batch_form(
    request: Request, api: ApiClient, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    candidates = await api.get("/api/lots/available-for-batch")
    context = {"lots": candidates["lots"], "values": values, "errors": errors}
    return render(request, "batches/create.html", context, status_code=400 if errors else 200)


@router.get("/create_batch")
async def create_batch_page(
    request: Request,
    api: Api,
    user: CreateBatchUser,
    lot: Annotated[list[int] | None, Query()] = None,
) -> Response:
    values = {"source_lot_ids": [str(i) for i in lot or []], "batch_type": "export"}
    return await _batch_form(request, api, values, {})


@router.post("/create_batch")
async def create_batch(request: Request, api: Api, user: CreateBatchUser) -> Response:
    outcome = await submit_form(
        request,
        BatchForm,
        lambda form: api.post("/api/batches", form.payload()),
        partial(_batch_form, request, api),
        lists=["source_lot_ids"],
    )
    if isinstance(outcome, Response):
        return outcome
    batch = outcome[1]["batch"]
    for lot_id in batch["source_lot_ids"]:
        await record_step(
            api, "lot", lot_id, "batching", _("Added to batch %(code)s") % {"code": batch["batch_code"]}
        )
    flash(request, _("Batch %(code)s created.") % {"code": batch["batch_code"]})
    return redirect_to(request, "batch_detail", batch_id=batch["id"])


@router.get("/batches/{batch_id}")
async def batch_detail(request: Request, batch_id: int, user: CurrentUser, api: Api) -> Response:
    batch = await api.get(f"/api/batches/{batch_id}")
    lots = batch["source_lots"]
    composition = charts.weights(
        "doughnut", [lot["lot_code"] for lot in lots], [lot["weight_kg"] for lot in lots]
    )
    return render(request, "batches/detail.html", {"batch": batch, "composition": composition})
