"""Account rules: who may manage whom, what an account change means for its tokens, and which security events it
is. Plain values in, domain errors or values out; the routes map them to HTTP and record the events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from triboka_api.audit import AuditEventType
from triboka_api.domain.errors import PermissionDeniedError
from triboka_api.domain.roles import Role
from triboka_api.models import User

# a change of any of these revokes every token the user holds (their `tv` claim no longer matches)
REVOKING_EVENTS = frozenset(
    {
        AuditEventType.USER_ROLE_CHANGED,
        AuditEventType.USER_COMPANY_CHANGED,
        AuditEventType.USER_PASSWORD_CHANGED,
        AuditEventType.USER_DEACTIVATED,
    }
)


class ProtectedAccountError(PermissionDeniedError):
    """An operator tried to act on an admin's account."""


def ensure_may_manage(actor_role: str, target_role: str) -> None:
    """Only an admin may modify, deactivate, delete or reset the password of an admin: an operator who could
    would reset an admin's password and log in as them."""
    if target_role == Role.ADMIN and actor_role != Role.ADMIN:
        raise ProtectedAccountError("Only an admin may change an admin's account")


@dataclass(frozen=True)
class AccountChange:
    event_type: AuditEventType
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountUpdate:
    """The security-relevant fields of an admin's update; None leaves a field as it is (`company_id` uses
    `company_given`, since None there means "no company")."""

    role: str | None = None
    company_given: bool = False
    company_id: int | None = None
    active: bool | None = None
    password_hash: str | None = None


def apply_update(user: User, update: AccountUpdate) -> list[AccountChange]:
    """Apply `update` to `user` and say what changed, as audit event types with their details. Setting a field
    to the value it has is no change. Any explicit `active` is the decision on a pending registration."""
    changes: list[AccountChange] = []
    if update.role is not None and update.role != user.role:
        changes.append(
            AccountChange(AuditEventType.USER_ROLE_CHANGED, {"from": user.role, "to": update.role})
        )
        user.role = update.role
    if update.company_given and update.company_id != user.company_id:
        changes.append(
            AccountChange(
                AuditEventType.USER_COMPANY_CHANGED, {"from": user.company_id, "to": update.company_id}
            )
        )
        user.company_id = update.company_id
    if update.active is True and not user.active:
        approved = user.pending_approval
        changes.append(
            AccountChange(AuditEventType.USER_APPROVED if approved else AuditEventType.USER_REACTIVATED)
        )
    elif update.active is False and (user.active or user.pending_approval):
        changes.append(AccountChange(AuditEventType.USER_DEACTIVATED, {"was_pending": user.pending_approval}))
    if update.active is not None:
        user.active = update.active
        user.pending_approval = False
    if update.password_hash:
        changes.append(AccountChange(AuditEventType.USER_PASSWORD_CHANGED))
        user.password_hash = update.password_hash
    if any(change.event_type in REVOKING_EVENTS for change in changes):
        revoke_tokens(user)
    return changes


def revoke_tokens(user: User) -> None:
    """Every token issued so far stops working: one atomic increment in SQL, so concurrent revocations can never
    land on a version some token already carries."""
    user.token_version = User.token_version + 1
