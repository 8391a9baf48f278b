"""Companies directory and the users panel (admin and operator)."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from triboka_web.actions import run_action
from triboka_web.api_client import ApiClient
from triboka_web.auth import CurrentUser, SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.forms import UserForm, submit_form
from triboka_web.i18n import _
from triboka_web.labels import status_label
from triboka_web.pagination import paginate
from triboka_web.roles import Action, Role
from triboka_web.templating import render
from triboka_web.urls import redirect_to

router = APIRouter()
ManageUsersUser = Annotated[SessionUser, Depends(allowed_to(Action.MANAGE_USERS))]

COMPANY_TYPES = ("producer", "exporter", "buyer")


@router.get("/companies")
async def companies(request: Request, user: CurrentUser, api: Api, page: int = 1, type: str = "") -> Response:
    items = await api.get("/api/companies", company_type=type)  # Δ 220: filtered by the API
    context = {"page": paginate(items, page), "type": type, "types": COMPANY_TYPES}
    return render(request, "admin/companies.html", context)


@router.get("/users")
async def users(
    request: Request, user: ManageUsersUser, api: Api, page: int = 1, role: str = "", q: str = ""
) -> Response:
    items = await api.get("/api/users")
    if role:
        items = [u for u in items if u["role"] == role]
    if q.strip():
        needle = q.strip().lower()
        items = [u for u in items if needle in f"{u['name']} {u['email']}".lower()]
    pending = sum(1 for u in items if u.get("pending_approval"))
    context = {"page": paginate(items, page), "role": role, "q": q, "roles": list(Role), "pending": pending}
    return render(request, "admin/users.html", context)


def _assignable_roles(user: SessionUser) -> list[tuple[str, str]]:
    """(value, label) of the roles this user may give; an operator may not create administrators (C-09)."""
    return [(r.value, status_label(r)) for r in Role if user.role == Role.ADMIN or r != Role.ADMIN]


def _render_user_form(
    request: Request,
    user: SessionUser,
    companies: list[dict[str, Any]],
    values: dict[str, Any],
    errors: dict[str, str],
    editing: int | None = None,
) -> Response:
    context = {
        "companies": companies,
        "roles": _assignable_roles(user),
        "values": values,
        "errors": errors,
        "editing": editing,
    }
    return render(request, "admin/user_form.html", context, status_code=400 if errors else 200)


async def _user_form(
    request: Request,
    api: ApiClient,
    user: SessionUser,
    values: dict[str, Any],
    errors: dict[str, str],
    editing: int | None = None,
) -> Response:
    companies = await api.get("/api/companies")
    return _render_user_form(request, user, companies, values, errors, editing)


@router.get("/users/new")
async def new_user_page(request: Request, api: Api, user: ManageUsersUser) -> Response:
    return await _user_form(request, api, user, {"active": True}, {})


@router.post("/users/new")
async def create_user(request: Request, api: Api, user: ManageUsersUser) -> Response:
    outcome = await submit_form(
        request,
        UserForm,
        lambda form: api.post("/api/users", form.payload()),
        partial(_user_form, request, api, user),
    )
    if isinstance(outcome, Response):
        return outcome
    answer = outcome[1]
    flash(request, _("User %(email)s created.") % {"email": answer["user"]["email"]})
    return redirect_to(request, "users")


@router.get("/users/{user_id}/edit")
async def edit_user_page(request: Request, user_id: int, api: Api, user: ManageUsersUser) -> Response:
    # Δ 151: one user, read with the companies; a missing user is the API's 404, our 404 page
    listed, companies = await asyncio.gather(api.get(f"/api/users/{user_id}"), api.get("/api/companies"))
    values = {**listed, "active": listed.get("is_active", True)}
    return _render_user_form(request, user, companies, values, {}, editing=user_id)


@router.post("/users/{user_id}/edit")
async def edit_user(request: Request, user_id: int, api: Api, user: ManageUsersUser) -> Response:
    outcome = await submit_form(
        request,
        UserForm,
        lambda form: api.put(f"/api/users/{user_id}", form.update_payload()),
        partial(_user_form, request, api, user, editing=user_id),
    )
    if isinstance(outcome, Response):
        return outcome
    flash(request, _("User updated."))
    return redirect_to(request, "users")


@router.post("/users/{user_id}/approve")
async def approve_user(request: Request, user_id: int, api: Api, user: ManageUsersUser) -> Response:
    """A pending registration into an existing company (docs/api-contract.md §10.1): activating the account lets it sign in."""
    await run_action(request, api.put(f"/api/users/{user_id}", {"active": True}), _("User approved."))
    return redirect_to(request, "users")


@router.post("/users/{user_id}/delete")
async def delete_user(request: Request, user_id: int, api: Api, user: ManageUsersUser) -> Response:
    await run_action(request, api.delete(f"/api/users/{user_id}"), _("User deleted."))
    return redirect_to(request, "users")
