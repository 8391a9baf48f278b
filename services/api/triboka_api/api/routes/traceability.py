"""S-75..S-78: the first generation's legacy trace API (`/api/traceability/*`), a thin view over the C-41 events.

`notes` is an event's `description` and `created_by` its actor; S-75 and S-78 apply the per-type measurement
rules (`domain.legacy_trace`); S-78 validates the entity's hash chain (`domain.trace_chain`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field
from sqlalchemy import func, select

from triboka_api.api.deps import PrincipalDep, SessionDep
from triboka_api.api.errors import bad_request, forbidden
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.routes.trace import ENTITY_TYPES, authored_event, check_event_entity, save_event
from triboka_api.api.schemas.extras import (
    ChainValidation,
    LegacyEventPage,
    LegacyEventRecorded,
    LegacyTimeline,
)
from triboka_api.api.validation import RequestModel, parse_body, read_json
from triboka_api.domain.access import trace_entity_allowed
from triboka_api.domain.legacy_trace import check_new_event, measurement_issues
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.domain.trace_chain import verify_chain
from triboka_api.models import TraceEvent
from triboka_api.serializers.common import iso

router = APIRouter(tags=["traceability (legacy)"])

MAX_PAGE = 1000


class LegacyEventBody(RequestModel):
    event_type: str
    entity_type: str
    entity_id: str | int
    measurements: dict[str, Any] = Field(default_factory=dict)
    location: str | None = None
    notes: str | None = None


def legacy_view(event: TraceEvent, *, private: bool) -> dict[str, Any]:
    """An event in the legacy API's terms; `measurements` only where C-42 shows private fields (admins)."""
    view: dict[str, Any] = {
        "id": event.id,
        "event_type": event.event_type,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "location": event.location,
        "notes": event.description,
        "created_by": event.actor_id,
        "created_by_name": event.actor_name,
        "timestamp": iso(event.event_timestamp),
        "created_at": iso(event.created_at),
        "event_hash": event.event_hash,
        "previous_hash": event.previous_hash,
    }
    if private:
        view["measurements"] = event.measurements if event.measurements is not None else {}
    return view


def _private(principal: Principal) -> bool:
    return principal.role == Role.ADMIN


async def _readable_entity(
    session: SessionDep, principal: Principal, entity_type: str, entity_id: str
) -> None:
    """C-43's rule for reading an entity's events."""
    if entity_type not in ENTITY_TYPES:
        raise bad_request(f"entity_type must be one of {', '.join(ENTITY_TYPES)}")
    if not await trace_entity_allowed(session, principal, entity_type, entity_id):
        raise forbidden("No access to this entity's events")


@router.post(
    "/api/traceability/events",
    openapi_extra=json_body(LegacyEventBody),
    **documented(LegacyEventRecorded, 400, 404, status=201),
)
async def create_legacy_event(
    principal: PrincipalDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    body = parse_body(LegacyEventBody, await read_json(request))
    entity_id = await check_event_entity(session, principal, body.entity_type, body.entity_id)
    check_new_event(body.event_type, body.measurements)
    event = authored_event(
        principal,
        event_type=body.event_type,
        entity_type=body.entity_type,
        entity_id=entity_id,
        title=body.event_type,
        description=body.notes,
        location=body.location,
        event_data={},
        measurements=body.measurements,
        tags=[],
        is_public=True,
    )
    await save_event(session, event)
    return {"message": "Event recorded", "event": legacy_view(event, private=True)}


@router.get("/api/traceability/events", **documented(LegacyEventPage))
async def list_legacy_events(
    principal: PrincipalDep,
    session: SessionDep,
    entity_type: str | None = None,
    entity_id: str | None = None,
    event_type: str | None = None,
    limit: Annotated[int, Query(ge=0, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """C-42's visibility: admins see every event, others the public ones."""
    query = select(TraceEvent)
    if principal.role != Role.ADMIN:
        query = query.where(TraceEvent.is_public.is_(True))
    for column, value in (
        (TraceEvent.entity_type, entity_type),
        (TraceEvent.entity_id, entity_id),
        (TraceEvent.event_type, event_type),
    ):
        if value:
            query = query.where(column == value)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = await session.scalars(
        query.order_by(TraceEvent.event_timestamp.desc(), TraceEvent.id.desc()).offset(offset).limit(limit)
    )
    private = _private(principal)
    return {
        "events": [legacy_view(e, private=private) for e in events],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/api/traceability/timeline/{entity_type}/{entity_id}", **documented(LegacyTimeline, 400, 403))
async def legacy_timeline(
    entity_type: str, entity_id: str, principal: PrincipalDep, session: SessionDep
) -> dict[str, Any]:
    await _readable_entity(session, principal, entity_type, entity_id)
    events = list(
        await session.scalars(
            select(TraceEvent)
            .where(TraceEvent.entity_type == entity_type, TraceEvent.entity_id == entity_id)
            .order_by(TraceEvent.event_timestamp, TraceEvent.id)
        )
    )
    private = _private(principal)
    return {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "timeline": [legacy_view(e, private=private) for e in events],
        "total_events": len(events),
    }


@router.get(
    "/api/traceability/validate-chain/{entity_type}/{entity_id}", **documented(ChainValidation, 400, 403)
)
async def validate_chain(
    entity_type: str, entity_id: str, principal: PrincipalDep, session: SessionDep
) -> dict[str, Any]:
    """Each event's seal and link (`domain.trace_chain`) and, for the legacy event types, its measurements."""
    await _readable_entity(session, principal, entity_type, entity_id)
    checks = await session.run_sync(lambda sync: verify_chain(sync.connection(), entity_type, entity_id))
    measurements = {
        event_id: values
        for event_id, values in await session.execute(
            select(TraceEvent.id, TraceEvent.measurements).where(
                TraceEvent.entity_type == entity_type, TraceEvent.entity_id == entity_id
            )
        )
    }
    details = []
    for check in checks:
        issues = [*check.issues, *measurement_issues(check.event_type, measurements.get(check.event_id))]
        details.append(
            {
                "event_id": check.event_id,
                "chain_position": check.chain_seq,
                "event_type": check.event_type,
                "valid": not issues,
                "issues": issues,
            }
        )
    return {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "is_valid": all(d["valid"] for d in details),
        "validation_details": details,
        "blockchain_verification": False,
    }
