"""Impersonation (S-01, S-02, §5.1): an admin or operator sees the platform as another user, read-only.

The decisions only; tokens are minted by the route with `security.tokens`. Start and stop are security events
(`audit`), never deal messages (ORIG wrote a deal message without a deal and always failed with 500)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.errors import NotFoundError, PermissionDeniedError, RuleViolationError
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import ADMIN_ROLES
from triboka_api.models import User

READ_ONLY = ["read"]


async def impersonation_target(session: AsyncSession, principal: Principal, target_id: int) -> User:
    """S-01's checks in order: the caller's role (403), the target (404), a privileged target (403: an operator
    may not become an admin, nor anyone another admin or operator), an inactive target (400, Δ 107)."""
    if not principal.is_admin:
        raise PermissionDeniedError("Only admins and operators may impersonate")
    target = await session.get(User, target_id)
    if target is None:
        raise NotFoundError("User")
    if target.role in ADMIN_ROLES:
        raise PermissionDeniedError("Admins and operators cannot be impersonated")
    if not target.active:
        raise RuleViolationError("User inactive")
    return target


def impersonation_context(principal: Principal, target: User) -> dict[str, Any]:
    return {
        "type": "impersonation",
        "original_user_id": principal.id,
        "original_user_name": principal.actor.name,
        "impersonated_user_id": target.id,
        "impersonated_user_name": target.name,
        "permissions": READ_ONLY,
        "deal_id": None,
    }


async def original_admin(session: AsyncSession, principal: Principal) -> User:
    """S-02: the token must be an impersonation token naming its admin (400), who must exist (404) and still be
    an active admin or operator (the token check already refuses it otherwise: 401)."""
    if not principal.is_impersonating:
        raise RuleViolationError("Not an impersonation token")
    original = principal.claims.get("original_admin_id")
    if not isinstance(original, int):
        raise RuleViolationError("The token names no original admin")
    admin = await session.get(User, original)
    if admin is None:
        raise NotFoundError("Admin")
    return admin
