"""Δ 28: `GET /api/audit`, the security audit log, for admins only (operators are audited too, so they may not
read it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from triboka_api.api.deps import SessionDep, require_roles
from triboka_api.api.errors import bad_request
from triboka_api.api.openapi import documented
from triboka_api.api.schemas.reports import AuditPage
from triboka_api.api.validation import parse_datetime_param
from triboka_api.audit import AuditEventType, AuditQuery, event_fields, find_events
from triboka_api.domain.principal import Principal

router = APIRouter(tags=["audit"])

AuditReaderDep = Annotated[Principal, Depends(require_roles("admin"))]
MAX_ID = 2**31 - 1  # ids are 32-bit integers: a larger one would overflow the database driver, not match
EVENT_TYPES = frozenset(event_type.value for event_type in AuditEventType)


def _event_types(value: str | None) -> tuple[str, ...]:
    """`type=a,b`: any of these event types; an unknown name is a 400 rather than an empty page."""
    names = tuple(name.strip() for name in (value or "").split(",") if name.strip())
    unknown = sorted(set(names) - EVENT_TYPES)
    if unknown:
        raise bad_request(f"Unknown event type {unknown[0]!r}; known: {', '.join(sorted(EVENT_TYPES))}")
    return names


@router.get("/api/audit", **documented(AuditPage, 400))
async def list_audit_events(
    _: AuditReaderDep,
    session: SessionDep,
    event_type: Annotated[str | None, Query(alias="type")] = None,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    since: str | None = None,
    until: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Newest first; `user_id` matches the actor or the target; `since` inclusive, `until` exclusive (ISO
    datetimes, UTC when they carry no offset)."""
    query = AuditQuery(
        event_types=_event_types(event_type),
        user_id=user_id,
        since=parse_datetime_param("since", since),
        until=parse_datetime_param("until", until),
        limit=limit,
        offset=offset,
    )
    if query.since is not None and query.until is not None and query.since > query.until:
        raise bad_request("'since' must not be after 'until'")
    total, rows = await find_events(session, query)
    return {"events": [event_fields(row) for row in rows], "total": total, "limit": limit, "offset": offset}
