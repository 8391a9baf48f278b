"""S-01, S-02: read-only impersonation for admins and operators (§5.1, Δ 107)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from triboka_api import audit
from triboka_api.api.audit_trail import request_event
from triboka_api.api.deps import (
    ImpersonationAwareDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    check_impersonator,
)
from triboka_api.api.openapi import documented
from triboka_api.api.schemas.accounts import Impersonation, ImpersonationStopped
from triboka_api.audit import AuditEventType
from triboka_api.domain.impersonation import (
    READ_ONLY,
    impersonation_context,
    impersonation_target,
    original_admin,
)
from triboka_api.security.tokens import default_context, issue_token

router = APIRouter(tags=["auth"])

# an impersonation session is for looking, not for living in: at most an hour, whatever the normal lifetime
IMPERSONATION_LIFETIME_SECONDS = 3600


@router.post("/api/auth/impersonate/{target_user_id}", **documented(Impersonation, 400, 403, 404))
async def impersonate(
    target_user_id: int, request: Request, principal: PrincipalDep, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    target = await impersonation_target(session, principal, target_user_id)
    context = impersonation_context(principal, target)
    token = issue_token(
        secret=settings.jwt_secret.get_secret_value(),
        lifetime_seconds=min(settings.jwt_lifetime_seconds, IMPERSONATION_LIFETIME_SECONDS),
        user_id=target.id,
        role=target.role,
        company_id=target.company_id,
        token_version=target.token_version,
        active_context=context,
        scopes=READ_ONLY,
        extra_claims={
            "is_impersonating": True,
            "original_admin_id": principal.id,
            "otv": principal.actor.token_version,  # the admin's logout or demotion ends this session too
        },
    )
    await audit.record(
        session,
        request_event(
            request,
            AuditEventType.IMPERSONATION_START,
            actor_id=principal.id,
            target=target,
            detail={"role": target.role, "company_id": target.company_id},
        ),
    )
    await session.commit()
    return {
        "message": f"Impersonating {target.name}",
        "access_token": token,
        "impersonation_context": context,
        "warning": "Read-only session: every change is refused while impersonating",
    }


@router.post("/api/auth/stop-impersonation", **documented(ImpersonationStopped, 400, 404))
async def stop_impersonation(
    request: Request, principal: ImpersonationAwareDep, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """The one POST an impersonation token may call: it gives the admin's own token back."""
    admin = await original_admin(session, principal)
    await check_impersonator(request.app.state, session, principal.claims)
    context = default_context(admin.role)
    token = issue_token(
        secret=settings.jwt_secret.get_secret_value(),
        lifetime_seconds=settings.jwt_lifetime_seconds,
        user_id=admin.id,
        role=admin.role,
        company_id=admin.company_id,
        token_version=admin.token_version,
        active_context=context,
        extra_claims={"is_impersonating": False},
    )
    await audit.record(
        session,
        request_event(
            request,
            AuditEventType.IMPERSONATION_STOP,
            actor_id=admin.id,
            target_email=principal.actor.email,
            detail={"impersonated_user_id": principal.id},
        ),
    )
    await session.commit()
    return {"message": "Impersonation ended", "access_token": token, "active_context": context}
