"""C-41..C-46: traceability events and per-entity timelines (`/api/trace/*`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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
from triboka_api.api.validation import RequestModel, parse_body, parse_iso_datetime, read_json
from triboka_api.domain.access import trace_entity_allowed
from triboka_api.domain.bounds import row_id
from triboka_api.domain.principal import Principal
from triboka_api.models import BatchNft, Deal, ExportContract, ProducerLot, TraceEvent, TraceTimeline, utcnow
from triboka_api.serializers.common import iso
from triboka_api.serializers.trace import event_view, timeline_view

router = APIRouter(tags=["trace"])

ENTITY_TYPES = ("lot", "batch", "contract", "deal")
PUBLIC_ENTITY_TYPES = ("lot", "batch", "contract")
ENTITY_MODELS = {"lot": ProducerLot, "batch": BatchNft, "contract": ExportContract, "deal": Deal}
AdminOnlyDep = Annotated[Principal, Depends(require_roles("admin"))]


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


async def _timeline(session: AsyncSession, entity_type: str, entity_id: str) -> TraceTimeline:
    """Get or create the entity's timeline row (with a title: ORIG's missing title made this a 500)."""
    query = select(TraceTimeline).where(
        TraceTimeline.entity_type == entity_type, TraceTimeline.entity_id == entity_id
    )
    timeline = await session.scalar(query)
    if timeline is None:
        session.add(
            TraceTimeline(entity_type=entity_type, entity_id=entity_id, title=f"{entity_type} {entity_id}")
        )
        try:
            await session.commit()
        except IntegrityError:  # created concurrently
            await session.rollback()
        timeline = await session.scalar(query)
    assert timeline is not None
    return timeline


async def _refresh_timeline_stats(session: AsyncSession, timeline: TraceTimeline) -> None:
    count, started, with_hash = (
        await session.execute(
            select(
                func.count(), func.min(TraceEvent.event_timestamp), func.count(TraceEvent.blockchain_tx_hash)
            ).where(
                TraceEvent.entity_type == timeline.entity_type, TraceEvent.entity_id == timeline.entity_id
            )
        )
    ).one()
    timeline.total_events, timeline.started_at, timeline.blockchain_events = count, started, with_hash
    timeline.updated_at = utcnow()


@router.post(
    "/api/trace/event", openapi_extra=json_body(EventBody), **documented(EventRecorded, 400, 404, status=201)
)
async def create_event(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    data = await read_json(request)
    body = parse_body(EventBody, data)
    if body.entity_type not in ENTITY_TYPES:
        raise bad_request(f"entity_type must be one of {', '.join(ENTITY_TYPES)}")
    entity_id = str(body.entity_id).strip()
    if not await trace_entity_allowed(session, principal, body.entity_type, entity_id):
        raise forbidden("No permission to record events for this entity")
    ident = row_id(entity_id)  # None beyond any row id: no such entity
    if (
        principal.is_admin
        and entity_id.isdigit()
        and (ident is None or await session.get(ENTITY_MODELS[body.entity_type], ident) is None)
    ):
        raise not_found(body.entity_type.capitalize())
    event = TraceEvent(
        event_type=body.event_type,
        entity_type=body.entity_type,
        entity_id=entity_id,
        title=body.title,
        description=body.description,
        location=body.location,
        actor_id=principal.id,
        actor_name=principal.actor.name,
        event_data=body.event_data,
        measurements=body.measurements,
        tags=body.tags,
        is_public=body.is_public,
        status="active",
        event_timestamp=_lenient_datetime(data.get("event_timestamp")) or utcnow(),
    )
    session.add(event)
    await session.commit()
    timeline = await _timeline(session, body.entity_type, entity_id)
    await _refresh_timeline_stats(session, timeline)
    await session.commit()
    await session.refresh(event)
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
    private = principal.role == "admin" and (include_private or "").lower() == "true"
    query = select(TraceEvent)
    if principal.role != "admin":
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


async def _entity_events(session: AsyncSession, entity_type: str, entity_id: str, *, public_only: bool):
    query = select(TraceEvent).where(TraceEvent.entity_type == entity_type, TraceEvent.entity_id == entity_id)
    if public_only:
        query = query.where(TraceEvent.is_public.is_(True))
    return list(await session.scalars(query.order_by(TraceEvent.event_timestamp, TraceEvent.id)))


@router.get("/api/trace/timeline/{entity_type}/{entity_id}", **documented(Timeline, 400, 403))
async def get_timeline(
    entity_type: str, entity_id: str, principal: PrincipalDep, session: SessionDep
) -> dict:
    if entity_type not in ENTITY_TYPES:
        raise bad_request(f"entity_type must be one of {', '.join(ENTITY_TYPES)}")
    if not await trace_entity_allowed(session, principal, entity_type, entity_id):
        raise forbidden("No access to this entity's timeline")
    timeline = await _timeline(session, entity_type, entity_id)
    events = await _entity_events(session, entity_type, entity_id, public_only=False)
    return timeline_view(timeline, events, private=principal.role == "admin")


@router.get("/api/public/trace/verify/{entity_type}/{entity_id}", **documented(Verification, 400, 404))
async def verify_entity(entity_type: str, entity_id: str, session: SessionDep) -> dict[str, Any]:
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
    return {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "total_events": len(events),
        "blockchain_events": 0,
        "last_update": iso(max((e.event_timestamp for e in events), default=None)),
        "verification_status": "verified" if events else "no_data",
        "events": [event_view(e, private=False) for e in events],
    }


@router.get("/api/trace/event/{event_id}", **documented(EventView, 403, 404))
async def get_event(event_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    event = await session.get(TraceEvent, event_id)
    if event is None:
        raise not_found("Event")
    if (
        not event.is_public
        and principal.role != "admin"
        and not await trace_entity_allowed(session, principal, event.entity_type, event.entity_id)
    ):
        raise forbidden("No access to this event")
    return {"event": event_view(event, private=principal.role == "admin")}


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
    for field in body.model_fields_set:
        value = getattr(body, field)
        if value is not None or field in {"description", "location"}:
            setattr(event, field, value)
    event.updated_at = utcnow()
    await session.commit()
    await session.refresh(event)
    return {"message": "Event updated", "event": event_view(event, private=True)}
