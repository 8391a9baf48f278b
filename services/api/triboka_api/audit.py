"""The security audit log: who did what to which account, when, from where, and whether it worked.

Other modules call one function, `await record(session, AuditEvent(...))`, inside the transaction of the change the
event records: the row commits or rolls back with it. An event that has no change of its own (a failed login, a
lockout) is recorded in a short transaction of its own:

    async with sessionmaker() as session:
        await record(session, AuditEvent(AuditEventType.LOCKOUT, Outcome.FAILURE, target_email=email, ip=ip))
        await session.commit()

Each committed event is also one JSON log line on the logger `triboka_api.audit` (after the commit, so the log
never shows an event the database does not have). Values are plain: this module knows nothing of HTTP; the
request ID comes from the observability context. Details never carry a password or a token (`record` refuses
keys that look like one).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, event, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from triboka_api.jsonlog import request_id_var
from triboka_api.models import AuditRecord, utcnow

logger = logging.getLogger("triboka_api.audit")


class AuditEventType(StrEnum):
    LOGIN_SUCCESS = "auth.login.success"
    LOGIN_FAILURE = "auth.login.failure"
    LOCKOUT = "auth.lockout"
    LOGOUT = "auth.logout"
    # an admin or operator took a read-only token of another user (S-01), and gave it back (S-02)
    IMPERSONATION_START = "auth.impersonation.start"
    IMPERSONATION_STOP = "auth.impersonation.stop"
    USER_REGISTERED = "user.registered"
    USER_CREATED = "user.created"
    USER_APPROVED = "user.approved"
    USER_REACTIVATED = "user.reactivated"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_COMPANY_CHANGED = "user.company_changed"
    USER_PASSWORD_CHANGED = "user.password_changed"  # noqa: S105 - an event name, not a password
    USER_DEACTIVATED = "user.deactivated"
    USER_DELETED = "user.deleted"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True)
class AuditEvent:
    event_type: AuditEventType
    outcome: Outcome = Outcome.SUCCESS
    actor_user_id: int | None = None
    target_user_id: int | None = None
    target_email: str | None = None  # a snapshot: the user may be renamed or deleted later
    ip: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


class SecretInAuditDetailError(ValueError):
    """A programming error: an audit detail key names a secret."""


_SECRET_WORDS = ("password", "token", "secret", "hash")
_PENDING_LOG = "triboka_audit_pending_log"


async def record(session: AsyncSession, audit_event: AuditEvent) -> None:
    """Add the event to the session's transaction; the caller commits (or rolls back) it with its change."""
    for key in audit_event.detail:
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise SecretInAuditDetailError(f"audit detail key {key!r} may carry a secret")
    row = AuditRecord(
        occurred_at=utcnow(),
        event_type=audit_event.event_type.value,
        outcome=audit_event.outcome.value,
        actor_user_id=audit_event.actor_user_id,
        target_user_id=audit_event.target_user_id,
        target_email=audit_event.target_email,
        ip=audit_event.ip,
        request_id=request_id_var.get(),
        detail=dict(audit_event.detail) or None,
    )
    session.add(row)
    session.info.setdefault(_PENDING_LOG, []).append(row)


def event_fields(row: AuditRecord) -> dict[str, Any]:
    """A stored event as plain JSON values: the API's item and the log line's fields."""
    return {
        "id": row.id,
        "occurred_at": row.occurred_at.isoformat(),
        "event_type": row.event_type,
        "outcome": row.outcome,
        "actor_user_id": row.actor_user_id,
        "target_user_id": row.target_user_id,
        "target_email": row.target_email,
        "ip": row.ip,
        "request_id": row.request_id,
        "detail": row.detail or {},
    }


@event.listens_for(Session, "after_commit")
def _log_committed(session: Session) -> None:
    for row in session.info.pop(_PENDING_LOG, ()):
        logger.info(row.event_type, extra={"fields": event_fields(row)})


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_PENDING_LOG, None)


@dataclass(frozen=True)
class AuditQuery:
    """A page of the log, newest first. `user_id` matches the actor or the target; `since` is inclusive,
    `until` exclusive (naive UTC)."""

    event_types: tuple[str, ...] = ()
    user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    offset: int = 0


async def find_events(session: AsyncSession, query: AuditQuery) -> tuple[int, list[AuditRecord]]:
    """The total number of matching events and the requested page of them."""
    conditions: list[ColumnElement[bool]] = []
    if query.event_types:
        conditions.append(AuditRecord.event_type.in_(query.event_types))
    if query.user_id is not None:
        conditions.append(
            or_(AuditRecord.actor_user_id == query.user_id, AuditRecord.target_user_id == query.user_id)
        )
    if query.since is not None:
        conditions.append(AuditRecord.occurred_at >= query.since)
    if query.until is not None:
        conditions.append(AuditRecord.occurred_at < query.until)
    total = await session.scalar(select(func.count()).select_from(AuditRecord).where(*conditions))
    rows = await session.scalars(
        select(AuditRecord)
        .where(*conditions)
        .order_by(AuditRecord.occurred_at.desc(), AuditRecord.id.desc())
        .offset(query.offset)
        .limit(query.limit)
    )
    return total or 0, list(rows)
