"""C-08..C-11: the admin panel's user management (admin and operator)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from triboka_api import audit
from triboka_api.api.audit_trail import request_event
from triboka_api.api.auth_throttle import PASSWORD_CHANGE_THROTTLE
from triboka_api.api.deps import PasswordsDep, SessionDep, require_roles
from triboka_api.api.errors import ApiError, bad_request, forbidden, not_found
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.routes.auth import find_user_by_email
from triboka_api.api.schemas.accounts import UserChanged, UserListItem
from triboka_api.api.schemas.common import Message
from triboka_api.api.validation import RequestModel, parse_body, read_json
from triboka_api.audit import AuditEventType
from triboka_api.domain.accounts import AccountUpdate, apply_update, ensure_may_manage
from triboka_api.domain.principal import Principal
from triboka_api.models import (
    Company,
    ContractFixation,
    Dispatch,
    ExportContract,
    ProducerLot,
    TraceEvent,
    User,
    utcnow,
)
from triboka_api.serializers.common import iso
from triboka_api.serializers.users import UserListItem as UserRow
from triboka_api.serializers.users import user_list_item

router = APIRouter(tags=["users"])

ROLES = ("admin", "operator", "exporter", "buyer", "producer", "user")
AdminDep = Annotated[Principal, Depends(require_roles("admin", "operator"))]


class CreateUserBody(RequestModel):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    first_name: str
    last_name: str
    role: str
    company_id: int | None = None
    password: str | None = None
    active: bool = True


class UpdateUserBody(RequestModel):
    first_name: str | None = None
    last_name: str | None = None
    role: str | None = None
    company_id: int | None = None
    active: bool | None = None
    password: str | None = None


def _check_role(principal: Principal, role: str) -> None:
    if role not in ROLES:
        raise bad_request(f"role must be one of {', '.join(ROLES)}")
    if role == "admin" and principal.role != "admin":
        raise forbidden("Only an admin may grant the admin role")


async def _check_company(session: SessionDep, company_id: int | None) -> None:
    if company_id and await session.get(Company, company_id) is None:
        raise not_found("Company")


def _admin_view(user: User, **stamp: str | None) -> dict[str, Any]:
    """C-09/C-10 `user`: the editable fields plus the timestamp the operation set."""
    fields = ("id", "email", "first_name", "last_name", "name", "role", "company_id", "active")
    return {field: getattr(user, field) for field in fields} | stamp


@router.get("/api/users", **documented(list[UserListItem]))
async def list_users(_: AdminDep, session: SessionDep) -> list[UserRow]:
    """Registrations awaiting approval first (Δ 25), then newest first."""
    users = await session.scalars(
        select(User).order_by(User.pending_approval.desc(), User.created_at.desc(), User.id.desc())
    )
    return [user_list_item(u) for u in users]


@router.get("/api/users/{user_id}", **documented(UserListItem, 404))
async def get_user(user_id: int, _: AdminDep, session: SessionDep) -> UserRow:
    """Δ 151: one item of C-08 by id, for the same roles (admin, operator), so the edit form need not list
    every user. An operator reads an admin here as in the list (only acting on one is refused, Δ 27)."""
    user = await session.get(User, user_id)
    if user is None:
        raise not_found("User")
    return user_list_item(user)


@router.post(
    "/api/users", openapi_extra=json_body(CreateUserBody), **documented(UserChanged, 400, 404, status=201)
)
async def create_user(
    principal: AdminDep, request: Request, session: SessionDep, passwords: PasswordsDep
) -> dict[str, Any]:
    body = parse_body(CreateUserBody, await read_json(request))
    _check_role(principal, body.role)
    if await find_user_by_email(session, body.email) is not None:
        raise bad_request("Email already exists")
    await _check_company(session, body.company_id)
    user = User(
        email=body.email.strip(),
        first_name=body.first_name,
        last_name=body.last_name,
        name=f"{body.first_name} {body.last_name}".strip(),
        role=body.role,
        company_id=body.company_id or None,
        password_hash=await passwords.hash(body.password) if body.password else None,
        active=body.active,
    )
    session.add(user)
    try:
        await session.flush()  # the new id, for the audit row
        detail = {"role": user.role, "company_id": user.company_id, "active": user.active}
        await audit.record(
            session,
            request_event(
                request, AuditEventType.USER_CREATED, actor_id=principal.id, target=user, detail=detail
            ),
        )
        await session.commit()
    except IntegrityError as exc:
        raise bad_request("Email already exists") from exc
    return {"message": "User created", "user": _admin_view(user, created_at=iso(user.created_at))}


@router.put(
    "/api/users/{user_id}",
    dependencies=[PASSWORD_CHANGE_THROTTLE],
    openapi_extra=json_body(UpdateUserBody),
    **documented(UserChanged, 400, 404),
)
async def update_user(
    user_id: int, principal: AdminDep, request: Request, session: SessionDep, passwords: PasswordsDep
) -> dict[str, Any]:
    user = await _managed_user(session, principal, user_id)
    data = await read_json(request)
    body = parse_body(UpdateUserBody, data)
    if "company_id" in data:
        await _check_company(session, body.company_id)
    if body.role is not None:
        _check_role(principal, body.role)
    update = AccountUpdate(
        role=body.role,
        company_given="company_id" in data,
        company_id=body.company_id or None,
        active=body.active,
        password_hash=await passwords.hash(body.password) if body.password else None,
    )
    for change in apply_update(user, update):
        event = request_event(
            request, change.event_type, actor_id=principal.id, target=user, detail=change.detail
        )
        await audit.record(session, event)
    if body.first_name is not None:
        user.first_name = body.first_name
    if body.last_name is not None:
        user.last_name = body.last_name
    if body.first_name is not None or body.last_name is not None:
        user.name = f"{(user.first_name or '').strip()} {(user.last_name or '').strip()}".strip()
    user.updated_at = utcnow()
    await session.commit()
    request.app.state.actor_cache.invalidate(user.id)
    await session.refresh(user)
    return {"message": "User updated", "user": _admin_view(user, updated_at=iso(user.updated_at))}


async def _managed_user(session: SessionDep, principal: Principal, user_id: int) -> User:
    """The user an admin or operator acts on: 404 when missing, 403 when an operator names an admin."""
    user = await session.get(User, user_id)
    if user is None:
        raise not_found("User")
    ensure_may_manage(principal.role, user.role)  # ProtectedAccountError: a 403
    return user


async def _is_referenced(session: SessionDep, user_id: int) -> bool:
    return bool(
        await session.scalar(
            select(
                or_(
                    exists().where(ExportContract.created_by_user_id == user_id),
                    exists().where(ContractFixation.created_by_user_id == user_id),
                    exists().where(ProducerLot.created_by_user_id == user_id),
                    exists().where(Dispatch.created_by_id == user_id),
                    exists().where(TraceEvent.actor_id == user_id),
                )
            )
        )
    )


@router.delete("/api/users/{user_id}", **documented(Message, 400, 403, 404, 409))
async def delete_user(
    user_id: int, principal: AdminDep, request: Request, session: SessionDep
) -> dict[str, str]:
    user = await _managed_user(session, principal, user_id)
    if user.id == principal.id:
        raise bad_request("You cannot delete your own user")
    if await _is_referenced(session, user_id):
        raise ApiError(409, "User is referenced by other records; deactivate it instead")
    detail = {"role": user.role, "company_id": user.company_id}
    event = request_event(
        request, AuditEventType.USER_DELETED, actor_id=principal.id, target=user, detail=detail
    )
    await audit.record(session, event)
    await session.delete(user)
    try:
        await session.commit()
    except IntegrityError as exc:
        raise ApiError(409, "User is referenced by other records; deactivate it instead") from exc
    request.app.state.actor_cache.invalidate(user_id)
    return {"message": "User deleted"}
