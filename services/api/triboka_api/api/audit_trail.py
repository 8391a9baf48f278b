"""Audit events of a request: the client's address (`client_ip`) and the user names filled in one way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import HTTPConnection

from triboka_api.api.client_ip import client_ip
from triboka_api.audit import AuditEvent, AuditEventType, Outcome
from triboka_api.models import User

EMAIL_SNAPSHOT_LENGTH = 255  # the column's size: an attempted login may send anything


def request_event(
    connection: HTTPConnection,
    event_type: AuditEventType,
    *,
    actor_id: int | None,
    target: User | None = None,
    target_email: str | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """`target` names the account the event is about; `target_email` is for an account that may not exist (a
    failed login's attempted e-mail)."""
    email = target.email if target is not None else target_email
    return AuditEvent(
        event_type=event_type,
        outcome=outcome,
        actor_user_id=actor_id,
        target_user_id=target.id if target is not None else None,
        target_email=email[:EMAIL_SNAPSHOT_LENGTH] if email is not None else None,
        ip=client_ip(connection),
        detail=detail or {},
    )
