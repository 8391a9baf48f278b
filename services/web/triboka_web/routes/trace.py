"""The trace timeline of a lot, batch or contract, and recording a new event on it."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from triboka_web.api_client import ApiClient
from triboka_web.auth import CurrentUser
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.forms import TraceEventForm, submit_form
from triboka_web.i18n import N_, _
from triboka_web.templating import render
from triboka_web.urls import redirect_to

router = APIRouter()

ENTITY_TYPES = {"lot": N_("Lot"), "batch": N_("Batch"), "contract": N_("Contract")}
EVENT_TYPES = ("harvest", "fermentation", "drying", "reception", "quality_check", "storage", "export")


def _entity(entity_type: str) -> str:
    if entity_type not in ENTITY_TYPES:
        raise HTTPException(404)
    return entity_type


async def _timeline_page(
    request: Request,
    api: ApiClient,
    entity_type: str,
    entity_id: str,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Response:
    timeline = await api.get(f"/api/trace/timeline/{entity_type}/{entity_id}")
    context = {
        "timeline": timeline,
        "entity_type": entity_type,
        "entity_label": _(ENTITY_TYPES[entity_type]),
        "entity_id": entity_id,
        "event_types": EVENT_TYPES,
        "values": values,
        "errors": errors,
    }
    return render(request, "trace/timeline.html", context, status_code=400 if errors else 200)


@router.get("/trace/{entity_type}/{entity_id}")
async def timeline(
    request: Request, entity_type: str, entity_id: int, user: CurrentUser, api: Api
) -> Response:
    return await _timeline_page(request, api, _entity(entity_type), str(entity_id), {"is_public": True}, {})


@router.post("/trace/{entity_type}/{entity_id}")
async def add_event(
    request: Request, entity_type: str, entity_id: int, user: CurrentUser, api: Api
) -> Response:
    entity_type = _entity(entity_type)
    outcome = await submit_form(
        request,
        TraceEventForm,
        lambda form: api.post(
            "/api/trace/event", {**form.payload(), "entity_type": entity_type, "entity_id": str(entity_id)}
        ),
        partial(_timeline_page, request, api, entity_type, str(entity_id)),
    )
    if isinstance(outcome, Response):
        return outcome
    flash(request, _("Event recorded."))
    return redirect_to(request, "timeline", entity_type=entity_type, entity_id=entity_id)
