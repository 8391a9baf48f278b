"""Auth, users and companies (C-03..C-12)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from triboka_api.api.schemas.common import Message, UserFields


class LoginUser(BaseModel):
    id: int
    name: str | None
    email: str
    role: str
    company_id: int | None


class LoginAnswer(BaseModel):
    access_token: str
    user: LoginUser


class Registered(Message):
    user_id: int
    status: str


class Profile(BaseModel):
    id: int
    email: str
    name: str | None
    role: str
    company_name: str | None
    company_type: str | None
    active: bool


class ActiveContext(BaseModel):
    type: str
    deal_id: int | None
    permissions: list[str]


class ContextAnswer(BaseModel):
    active_context: dict[str, Any]
    user_scopes: list[Any]
    is_impersonating: bool
    impersonation_info: dict[str, Any] | None


class ContextChanged(Message):
    access_token: str
    active_context: ActiveContext


class UserListItem(BaseModel):
    id: int
    email: str
    name: str | None
    role: str
    is_active: bool
    company_id: int | None
    company_name: str | None
    created_at: str | None
    first_name: str | None
    last_name: str | None
    updated_at: str | None
    pending_approval: bool


class AdminUserView(UserFields):
    created_at: str | None = None  # on creation
    updated_at: str | None = None  # on update


class UserChanged(Message):
    user: AdminUserView


class CompanyItem(BaseModel):
    id: int
    name: str
    country: str | None
    plan_type: None
    wallet_address: None
    is_active: bool | None
    company_type: str | None
    email: str | None


class ImpersonationContext(ActiveContext):
    original_user_id: int
    original_user_name: str | None
    impersonated_user_id: int
    impersonated_user_name: str | None


class Impersonation(Message):
    access_token: str
    impersonation_context: ImpersonationContext
    warning: str


class ImpersonationStopped(Message):
    access_token: str
    active_context: ActiveContext
