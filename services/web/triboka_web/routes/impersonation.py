"""Impersonation from the users panel (issue 13): an admin or operator sees the dashboard as another user,
read-only (S-01), until they stop (S-02). The admin's own sealed token waits in the session meanwhile; every
page shows a banner with the stop button."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from triboka_web.auth import TOKEN_KEY, USER_KEY, CurrentUser, SessionUser, allowed_to, token_sealer
from triboka_web.csrf import rotate_csrf_token
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.i18n import _
from triboka_web.roles import Action
from triboka_web.urls import redirect_to

router = APIRouter()
ManageUsers = Annotated[SessionUser, Depends(allowed_to(Action.MANAGE_USERS))]
IMPERSONATOR_TOKEN = "impersonator_token"  # noqa: S105 - a session key, not a secret
IMPERSONATOR_USER = "impersonator_user"
IMPERSONATING = "impersonating"


def _become(request: Request, token: str, user: SessionUser) -> None:
    request.session[TOKEN_KEY] = token_sealer(request).seal(token)
    request.session[USER_KEY] = user.model_dump()
    rotate_csrf_token(request)


@router.post("/users/{user_id}/impersonate")
async def impersonate(request: Request, user_id: int, user: ManageUsers, api: Api) -> Response:
    started = await api.post(f"/api/auth/impersonate/{user_id}", None)
    token = started["access_token"]
    profile = await api.as_user(token).get("/api/profile")
    admin_token = request.session[TOKEN_KEY]
    _become(request, token, SessionUser.model_validate(profile))
    request.session[IMPERSONATOR_TOKEN] = admin_token  # still sealed
    request.session[IMPERSONATOR_USER] = user.model_dump()
    request.session[IMPERSONATING] = profile["name"]
    return redirect_to(request, "dashboard")


@router.post("/impersonation/stop")
async def stop_impersonation(request: Request, user: CurrentUser, api: Api) -> Response:
    if IMPERSONATING not in request.session:
        return redirect_to(request, "dashboard")
    stopped = await api.post("/api/auth/stop-impersonation", None)
    admin = SessionUser.model_validate(request.session[IMPERSONATOR_USER])
    for key in (IMPERSONATOR_TOKEN, IMPERSONATOR_USER, IMPERSONATING):
        request.session.pop(key, None)
    _become(request, stopped["access_token"], admin)
    flash(request, _("Impersonation ended."))
    return redirect_to(request, "users")
