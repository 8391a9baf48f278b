"""C-08's user item, shared by the list and Δ 151's read by id."""

from __future__ import annotations

from typing_extensions import TypedDict

from triboka_api.models import User
from triboka_api.serializers.common import iso


class UserListItem(TypedDict):
    id: int
    email: str
    name: str
    role: str
    is_active: bool
    company_id: int | None
    company_name: str | None
    created_at: str | None
    first_name: str | None
    last_name: str | None
    updated_at: str | None
    pending_approval: bool


def user_list_item(user: User) -> UserListItem:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "is_active": user.active,
        "company_id": user.company_id,
        "company_name": user.company.name if user.company else None,
        "created_at": iso(user.created_at),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "updated_at": iso(user.updated_at),
        "pending_approval": user.pending_approval,
    }
