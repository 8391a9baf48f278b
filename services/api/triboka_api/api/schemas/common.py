"""Shapes shared by several areas."""

from __future__ import annotations

from pydantic import BaseModel


class Message(BaseModel):
    message: str


class CompanyRef(BaseModel):
    id: int
    name: str | None
    company_type: str | None = None  # only where the contract gives the type (C-21, C-23)


class UserFields(BaseModel):
    """The fields every view of a user account shows."""

    id: int
    email: str
    first_name: str | None
    last_name: str | None
    name: str | None
    role: str
    company_id: int | None
    active: bool


class UserObject(UserFields):
    """`user.to_dict` (embedded as `created_by`)."""

    keycloak_id: str | None
    profile: None
