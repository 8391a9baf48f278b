"""Companies directory and the users panel (admin and operator)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

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

router = APIRouter()
ManageUsersUser = Annotated[SessionUser, Depends(allowed_to(Action.MANAGE_USERS))]

COMPANY_TYPES = ("producer", "exporter", "buyer")


@router.get("/companies")
async def companies(request: Request, user: CurrentUser, api: Api, page: int = 1, type: str = "") -> Response:
    items = await api.get("/api/companies")
    if type:
        items = [c for c in items if c.get("company_type") == type]
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


async def _user_form(
    request: Request,
    api: ApiClient,
    user: SessionUser,
    values: dict[str, Any],
    errors: dict[str, str],
    editing: int | None = None,
) -> Response:
    context = {
        "companies": await api.get("/api/companies"),
        "roles": _assignable_roles(user),
        "values": values,
        "errors": errors,
        "editing": editing,
    }
    return render(request, "admin/user_form.html", context, status_code=400 if errors else 200)


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
    return RedirectResponse("/users", status_code=303)


@router.get("/users/{user_id}/edit")
async def edit_user_page(request: Request, user_id: int, api: Api, user: ManageUsersUser) -> Response:
    listed = next((u for u in await api.get("/api/users") if u["id"] == user_id), None)
    if listed is None:
        return render(request, "errors/404.html", {"status": 404}, status_code=404)
    values = {**listed, "active": listed.get("is_active", True)}
    return await _user_form(request, api, user, values, {}, editing=user_id)


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
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/approve")
async def approve_user(request: Request, user_id: int, api: Api, user: ManageUsersUser) -> Response:
    """A pending registration into an existing company (docs/api-contract.md §10.1): activating the account lets it sign in."""
    await run_action(request, api.put(f"/api/users/{user_id}", {"active": True}), _("User approved."))
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/delete")
async def delete_user(request: Request, user_id: int, api: Api, user: ManageUsersUser) -> Response:
    await run_action(request, api.delete(f"/api/users/{user_id}"), _("User deleted."))
    return RedirectResponse("/users", status_code=303)
