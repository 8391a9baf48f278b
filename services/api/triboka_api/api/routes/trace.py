"""C-41..C-46: traceability events and per-entity timelines (`/api/trace/*`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.api.conditional import conditional_json, with_not_modified
from triboka_api.api.deps import PrincipalDep, SessionDep, require_roles
from triboka_api.api.errors import bad_request, forbidden, not_found
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.trace import (
    EventChanged,
    EventList,
    EventRecorded,
    EventView,
    Timeline,
    Verification,
)
from triboka_api.api.validation import RequestModel, parse_body, read_json
from triboka_api.domain.access import trace_entity_allowed
from triboka_api.domain.bounds import parse_iso_datetime, row_id
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.domain.timelines import refresh_timeline_stats as _refresh_timeline_stats
from triboka_api.domain.timelines import timeline as _timeline
from triboka_api.domain.trace_chain import amend_event, record_event
from triboka_api.models import BatchNft, Deal, ExportContract, ProducerLot, TraceEvent, TraceTimeline, utcnow
from triboka_api.serializers.common import iso
from triboka_api.serializers.trace import event_view, timeline_view

router = APIRouter(tags=["trace"])

ENTITY_TYPES = ("lot", "batch", "contract", "deal")
PUBLIC_ENTITY_TYPES = ("lot", "batch", "contract")
ENTITY_MODELS = {"lot": ProducerLot, "batch": BatchNft, "contract": ExportContract, "deal": Deal}
AdminOnlyDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def _lenient_datetime(value: Any) -> datetime | None:
    """C-41/C-42: an unparsable timestamp is silently ignored."""
    try:
        return parse_iso_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None


class EventBody(RequestModel):
    event_type: str
    entity_type: str
    entity_id: str | int
    title: str
    description: str | None = None
    location: str | None = None
    event_data: dict[str, Any] = Field(default_factory=dict)
    measurements: dict[str, Any] = Field(default_factory=dict)
    tags: list[Any] = Field(default_factory=list)
    is_public: bool = True


class EventUpdateBody(RequestModel):
    title: str | None = None
    description: str | None = None
    location: str | None = None
    event_data: dict[str, Any] | None = None
    measurements: dict[str, Any] | None = None
    tags: list[Any] | None = None
    is_public: bool | None = None


async def check_event_entity(
    session: AsyncSession, principal: Principal, entity_type: str, raw_id: str | int
) -> str:
    """C-41's checks of the entity an event is about (S-75 shares them): a known type (400), the trace entity
    rule (403), and for admins, whom the rule lets through, an existing row (404). Returns the id as stored."""
    if entity_type not in ENTITY_TYPES:
        raise bad_request(f"entity_type must be one of {', '.join(ENTITY_TYPES)}")
    entity_id = str(raw_id).strip()
    if not await trace_entity_allowed(session, principal, entity_type, entity_id):
        raise forbidden("No permission to record events for this entity")
    ident = row_id(entity_id)  # None beyond any row id: no such entity
    if (
        principal.is_admin
        and entity_id.isdigit()
        and (ident is None or await session.get(ENTITY_MODELS[entity_type], ident) is None)
    ):
        raise not_found(entity_type.capitalize())
    return entity_id


def authored_event(principal: Principal, **content: Any) -> TraceEvent:
    """A new active event recorded by the caller (C-41, S-75)."""
    return TraceEvent(actor_id=principal.id, actor_name=principal.actor.name, status="active", **content)


async def save_event(session: AsyncSession, event: TraceEvent) -> None:
    """Record `event` as the next link of its entity's hash chain and update the entity's timeline."""
    await record_event(session, event)
    await session.commit()
    timeline = await _timeline(session, event.entity_type, event.entity_id)
    await _refresh_timeline_stats(session, timeline)
    await session.commit()
    await session.refresh(event)


@router.post(
    "/api/trace/event", openapi_extra=json_body(EventBody), **documented(EventRecorded, 400, 404, status=201)
)
async def create_event(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    data = await read_json(request)
    body = parse_body(EventBody, data)
    entity_id = await check_event_entity(session, principal, body.entity_type, body.entity_id)
    event = authored_event(
        principal,
        event_type=body.event_type,
        entity_type=body.entity_type,
        entity_id=entity_id,
        title=body.title,
        description=body.description,
        location=body.location,
        event_data=body.event_data,
        measurements=body.measurements,
        tags=body.tags,
        is_public=body.is_public,
        event_timestamp=_lenient_datetime(data.get("event_timestamp")) or utcnow(),
    )
    await save_event(session, event)
    return {
        "message": "Event recorded",
        "event": event_view(event, private=True),
        "blockchain_registered": False,
    }


@router.get("/api/trace/events", **documented(EventList))
async def list_events(
    principal: PrincipalDep,
    session: SessionDep,
    entity_type: str | None = None,
    entity_id: str | None = None,
    event_type: str | None = None,
    actor_id: int | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    include_private: str | None = None,
    limit: Annotated[int, Query(ge=0)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    private = principal.role == Role.ADMIN and (include_private or "").lower() == "true"
    query = select(TraceEvent)
    if principal.role != Role.ADMIN:
        query = query.where(TraceEvent.is_public.is_(True))
    for column, value in (
        (TraceEvent.entity_type, entity_type),
        (TraceEvent.entity_id, entity_id),
        (TraceEvent.event_type, event_type),
        (TraceEvent.actor_id, actor_id),
    ):
        if value is not None and value != "":
            query = query.where(column == value)
    if (start := _lenient_datetime(date_from)) is not None:
        query = query.where(TraceEvent.event_timestamp >= start)
    if (end := _lenient_datetime(date_to)) is not None:
        query = query.where(TraceEvent.event_timestamp <= end)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = await session.scalars(
        query.order_by(TraceEvent.event_timestamp.desc(), TraceEvent.id.desc()).offset(offset).limit(limit)
    )
    return {
        "events": [event_view(e, private=private) for e in events],
        "pagination": {"total": total, "limit": limit, "offset": offset, "has_more": offset + limit < total},
    }


async def _entity_events(
    session: AsyncSession, entity_type: str, entity_id: str, *, public_only: bool
) -> list[TraceEvent]:
    query = select(TraceEvent).where(TraceEvent.entity_type == entity_type, TraceEvent.entity_id == entity_id)
    if public_only:
        query = query.where(TraceEvent.is_public.is_(True))
    return list(await session.scalars(query.order_by(TraceEvent.event_timestamp, TraceEvent.id)))


@router.get("/api/trace/timeline/{entity_type}/{entity_id}", **documented(Timeline, 400, 403))
async def get_timeline(
    entity_type: str, entity_id: str, principal: PrincipalDep, session: SessionDep
) -> dict[str, Any]:
    if entity_type not in ENTITY_TYPES:
        raise bad_request(f"entity_type must be one of {', '.join(ENTITY_TYPES)}")
    if not await trace_entity_allowed(session, principal, entity_type, entity_id):
        raise forbidden("No access to this entity's timeline")
    timeline = await _timeline(session, entity_type, entity_id)
    events = await _entity_events(session, entity_type, entity_id, public_only=False)
    return timeline_view(timeline, events, private=principal.role == Role.ADMIN)


@router.get(
    "/api/public/trace/verify/{entity_type}/{entity_id}",
    **with_not_modified(documented(Verification, 400, 404)),
)
async def verify_entity(entity_type: str, entity_id: str, request: Request, session: SessionDep) -> Response:
    if entity_type not in PUBLIC_ENTITY_TYPES:
        raise bad_request(f"entity_type must be one of {', '.join(PUBLIC_ENTITY_TYPES)}")
    exists = await session.scalar(
        select(TraceTimeline.id).where(
            TraceTimeline.entity_type == entity_type, TraceTimeline.entity_id == entity_id
        )
    )
    if exists is None:
        raise not_found("Trace record")
    events = await _entity_events(session, entity_type, entity_id, public_only=True)
    return conditional_json(
        request,
        {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "total_events": len(events),
            "blockchain_events": 0,
            "last_update": iso(max((e.event_timestamp for e in events), default=None)),
            "verification_status": "verified" if events else "no_data",
            "events": [event_view(e, private=False) for e in events],
        },
    )


@router.get("/api/trace/event/{event_id}", **documented(EventView, 403, 404))
async def get_event(event_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    event = await session.get(TraceEvent, event_id)
    if event is None:
        raise not_found("Event")
    if (
        not event.is_public
        and principal.role != Role.ADMIN
        and not await trace_entity_allowed(session, principal, event.entity_type, event.entity_id)
    ):
        raise forbidden("No access to this event")
    return {"event": event_view(event, private=principal.role == Role.ADMIN)}


@router.put(
    "/api/trace/event/{event_id}",
    openapi_extra=json_body(EventUpdateBody),
    **documented(EventChanged, 400, 404),
)
async def update_event(
    event_id: int, _: AdminOnlyDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    event = await session.get(TraceEvent, event_id)
    if event is None:
        raise not_found("Event")
    body = parse_body(EventUpdateBody, await read_json(request))
    changes: dict[str, Any] = {
        field: value
        for field in body.model_fields_set
        if (value := getattr(body, field)) is not None or field in {"description", "location"}
    }
    await amend_event(session, event, changes | {"updated_at": utcnow()})
    await session.commit()
    await session.refresh(event)
    return {"message": "Event updated", "event": event_view(event, private=True)}
