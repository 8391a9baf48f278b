"""Shapes shared by several areas."""

from __future__ import annotations

from pydantic import BaseModel


class Message(BaseModel):
    message: str


class CompanyRef(BaseModel):
    id: int
    name: str | None
    company_type: str | None = None  # only where the contract gives the type (C-21, C-23)


class UserObject(BaseModel):
    """`user.to_dict` (embedded as `created_by`)."""

    id: int
    keycloak_id: str | None
    email: str
    first_name: str | None
    last_name: str | None
    name: str | None
    role: str
    company_id: int | None
    active: bool
    profile: None
