"""C-03..C-07: login, registration, profile and the token context; logout (Δ 26)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from triboka_api import audit
from triboka_api.api.audit_trail import request_event
from triboka_api.api.auth_throttle import LOGIN_THROTTLE, REGISTER_THROTTLE
from triboka_api.api.deps import (
    PasswordsDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    open_session,
    reject_impersonation,
)
from triboka_api.api.errors import ApiError, bad_request, forbidden, not_found
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.accounts import ContextAnswer, ContextChanged, LoginAnswer, Profile, Registered
from triboka_api.api.schemas.common import Message
from triboka_api.api.validation import RequestModel, parse_body, read_json, require_fields
from triboka_api.audit import AuditEventType, Outcome
from triboka_api.domain.access import party_company
from triboka_api.domain.accounts import revoke_tokens
from triboka_api.models import Company, Deal, User, UserProfile
from triboka_api.security.passwords import needs_rehash
from triboka_api.security.tokens import TokenError, default_context, issue_token

router = APIRouter(tags=["auth"])

SELF_REGISTER_ROLES = ("producer", "exporter", "buyer")
EMAIL_TAKEN = "Email already registered"


class LoginBody(RequestModel):
    email: str
    password: str


class RegisterBody(RequestModel):
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=1)
    role: str = "producer"
    company_id: int | None = None
    location: str | None = None
    productType: str | None = None  # noqa: N815 - the mobile client's field name


async def find_user_by_email(session: SessionDep, email: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


@router.post(
    "/api/auth/login",
    dependencies=[LOGIN_THROTTLE],
    openapi_extra=json_body(LoginBody),
    **documented(LoginAnswer, 400, 401, 403),
)
async def login(request: Request, settings: SettingsDep, passwords: PasswordsDep) -> dict[str, Any]:
    """The password check runs between two short sessions, not inside one: a login waiting for a hashing thread
    holds no database connection that other requests need."""
    body = parse_body(LoginBody, await read_json(request))
    async with open_session(request, write=False) as session:
        user = await find_user_by_email(session, body.email)
    # one hash verification on every path (a dummy hash stands in for a missing user or password), so the
    # answer's timing does not tell which e-mails have accounts
    verified = await passwords.verify(body.password, user.password_hash if user is not None else None)
    if user is None or not verified:
        await _login_failed(request, user, body.email, "unknown_email" if user is None else "password")
        raise ApiError(401, "Invalid credentials")
    if not user.active:
        await _login_failed(request, user, body.email, _inactive_reason(user))
        raise ApiError(401, "User inactive")
    rehashed = None
    if user.password_hash and needs_rehash(user.password_hash):
        rehashed = await passwords.hash(body.password)
    async with open_session(request, write=True) as session:
        if rehashed is not None:
            await session.execute(update(User).where(User.id == user.id).values(password_hash=rehashed))
        success = request_event(request, AuditEventType.LOGIN_SUCCESS, actor_id=user.id, target=user)
        await audit.record(session, success)
        await session.commit()
    token = issue_token(
        secret=settings.jwt_secret.get_secret_value(),
        lifetime_seconds=settings.jwt_lifetime_seconds,
        user_id=user.id,
        role=user.role,
        company_id=user.company_id,
        token_version=user.token_version,
    )
    return {
        "access_token": token,
        "user": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "company_id": user.company_id,
        },
    }


def _inactive_reason(user: User) -> str:
    return "pending_approval" if user.pending_approval else "inactive"


async def _login_failed(request: Request, user: User | None, email: str, reason: str) -> None:
    """A failed login changes nothing else: its audit row is the whole (short) transaction."""
    event = request_event(
        request,
        AuditEventType.LOGIN_FAILURE,
        actor_id=None,
        target=user,
        target_email=email,
        outcome=Outcome.FAILURE,
        detail={"reason": reason},
    )
    async with open_session(request, write=True) as session:
        await audit.record(session, event)
        await session.commit()


@router.post(
    "/api/auth/register",
    dependencies=[REGISTER_THROTTLE],
    openapi_extra=json_body(RegisterBody),
    **documented(Registered, 400, 403, 404, status=201),
)
async def register(request: Request, session: SessionDep, passwords: PasswordsDep) -> dict[str, Any]:
    reject_impersonation(request)
    data = await read_json(request)
    if not data.get("name") and (data.get("firstName") or data.get("lastName")):
        data["name"] = f"{data.get('firstName') or ''} {data.get('lastName') or ''}".strip()
    require_fields(data, ["name", "email", "password"])
    if await find_user_by_email(session, str(data["email"])) is not None:
        raise bad_request(EMAIL_TAKEN)
    body = parse_body(RegisterBody, data)
    if body.role not in SELF_REGISTER_ROLES:
        raise bad_request(f"role must be one of {', '.join(SELF_REGISTER_ROLES)}")
    company_id = body.company_id or None
    if company_id is not None and await session.get(Company, company_id) is None:
        raise not_found("Company")
    # Δ 25: joining an existing company needs its admin's or an operator's approval first
    pending = company_id is not None
    user = User(
        name=body.name.strip(),
        email=body.email.strip(),
        password_hash=await passwords.hash(body.password),
        role=body.role,
        company_id=company_id,
        active=not pending,
        pending_approval=pending,
    )
    if body.role == "producer" and company_id is None:
        user.company = Company(name=f"Productora {user.name}", company_type="producer", email=user.email)
    if body.location or body.productType:
        user.profile = UserProfile(
            location=body.location, product_type=body.productType, business_type=body.role
        )
    session.add(user)
    status = "pending_approval" if pending else "active"
    try:
        await session.flush()  # the new id, for the audit row
        detail = {"status": status, "role": user.role, "company_id": user.company_id}
        await audit.record(
            session,
            request_event(
                request, AuditEventType.USER_REGISTERED, actor_id=user.id, target=user, detail=detail
            ),
        )
        await session.commit()
    except IntegrityError as exc:  # the same e-mail registered concurrently (the unique index decides)
        raise bad_request(EMAIL_TAKEN) from exc
    message = "User registered; an administrator must approve the account" if pending else "User registered"
    return {"message": message, "user_id": user.id, "status": status}


@router.post("/api/auth/logout", **documented(Message))
async def logout(request: Request, principal: PrincipalDep, session: SessionDep) -> dict[str, str]:
    """Δ 26: revokes every token of the user (all devices), not only the one sent."""
    user = await session.get(User, principal.id)
    if user is None:
        raise TokenError(401, "User not found")
    revoke_tokens(user)
    await audit.record(session, request_event(request, AuditEventType.LOGOUT, actor_id=user.id, target=user))
    await session.commit()
    request.app.state.actor_cache.invalidate(user.id)
    return {"message": "Logged out; every token of this account is revoked"}


@router.get("/api/profile", **documented(Profile))
@router.get("/api/auth/profile", **documented(Profile))
@router.get("/api/user/profile", **documented(Profile))
async def profile(principal: PrincipalDep) -> dict[str, Any]:
    actor = principal.actor
    return {
        "id": actor.id,
        "email": actor.email,
        "name": actor.name,
        "role": actor.role,
        "company_name": actor.company_name,
        "company_type": actor.company_type,
        "active": actor.active,
    }


@router.get("/api/auth/context", **documented(ContextAnswer))
async def context(principal: PrincipalDep) -> dict[str, Any]:
    claims = principal.claims
    active = claims.get("active_context") or {"type": "global", "deal_id": None, "permissions": ["user"]}
    impersonating = bool(claims.get("is_impersonating"))
    info = None
    if impersonating:
        info = {
            "original_admin_id": claims.get("original_admin_id"),
            "original_admin_name": active.get("original_user_name"),
            "impersonated_user_id": active.get("impersonated_user_id", principal.id),
            "impersonated_user_name": active.get("impersonated_user_name", principal.actor.name),
            "warning": "Read-only impersonation session",
        }
    return {
        "active_context": active,
        "user_scopes": claims.get("scopes") or [],
        "is_impersonating": impersonating,
        "impersonation_info": info,
    }


class ChangeContextBody(RequestModel):
    type: str = "global"
    deal_id: int | None = None


@router.post(
    "/api/auth/change-context",
    openapi_extra=json_body(ChangeContextBody),
    **documented(ContextChanged, 400, 404),
)
async def change_context(
    request: Request, principal: PrincipalDep, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    if principal.claims.get("is_impersonating"):
        raise forbidden("Cannot change context while impersonating")
    body = parse_body(ChangeContextBody, await read_json(request))
    if body.type == "global":
        active = default_context(principal.role)
    elif body.type == "deal":
        if body.deal_id is None:
            raise bad_request("Field 'deal_id' is required")
        deal = await session.get(Deal, body.deal_id)
        if deal is None:
            raise not_found("Deal")
        active = {"type": "deal", "deal_id": deal.id, "permissions": _deal_permissions(principal, deal)}
    else:
        raise bad_request("type must be 'global' or 'deal'")
    token = issue_token(
        secret=settings.jwt_secret.get_secret_value(),
        lifetime_seconds=settings.jwt_lifetime_seconds,
        user_id=principal.id,
        role=principal.role,
        company_id=principal.company_id,
        token_version=principal.actor.token_version,
        active_context=active,
    )
    return {"message": "Context changed", "access_token": token, "active_context": active}


def _deal_permissions(principal: PrincipalDep, deal: Deal) -> list[str]:
    company = party_company(principal)  # None for unknown roles and company-less users (Δ 71, Δ 73)
    if deal.admin_id == principal.id:
        return ["read", "write", "admin"]
    if company is not None and company in (deal.producer_id, deal.exporter_id):
        return ["read", "write"]
    if principal.is_admin:
        return ["read", "write", "admin"]
    raise forbidden("No access to this deal")
