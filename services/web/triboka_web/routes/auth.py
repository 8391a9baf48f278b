"""Sign in with the API's credentials, sign out, and choose the interface language."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from triboka_web.api_client import ApiError, ApiRateLimitedError, ApiUnavailableError
from triboka_web.auth import OptionalUser, SessionUser, end_session, start_session
from triboka_web.dependencies import Api
from triboka_web.flash import flash
from triboka_web.forms import FORM_ERROR, LoginForm, api_refusal, parse_form
from triboka_web.i18n import _
from triboka_web.middleware.locale import SESSION_KEY as LOCALE_KEY
from triboka_web.settings import SUPPORTED_LOCALES
from triboka_web.templating import render
from triboka_web.urls import path_for, redirect_to

router = APIRouter()
log = logging.getLogger(__name__)


def safe_next(request: Request, target: str | None, default: str = "dashboard") -> str:
    """Only same-site paths: never redirect to another host after login; else the route named `default`."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return path_for(request, default)


@router.get("/login")
async def login_page(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user:
        return RedirectResponse(safe_next(request, next), status_code=303)
    return render(request, "auth/login.html", {"next": safe_next(request, next), "values": {}, "errors": {}})


@router.post("/login")
async def login(request: Request, api: Api) -> Response:
    form = await request.form()
    parsed = parse_form(LoginForm, form)
    target = safe_next(request, str(form.get("next") or ""))
    try:
        answer = await api.post("/api/auth/login", parsed.model.payload() if parsed.model else {})
    except ApiError as exc:
        # a 401 says only "wrong", whichever of the two was: the API answers the same for both
        message = _("Wrong email or password.") if exc.status_code == 401 else api_refusal(exc)
        values = {"email": parsed.values.get("email", "")}
        context = {"next": target, "values": values, "errors": {FORM_ERROR: message}}
        response = render(request, "auth/login.html", context, status_code=exc.status_code)
        if isinstance(exc, ApiRateLimitedError) and exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    user = SessionUser.model_validate(answer["user"])
    start_session(request, answer["access_token"], user)
    flash(request, _("Welcome, %(name)s.") % {"name": user.name})
    return RedirectResponse(target, status_code=303)


@router.get("/logout")
async def logout_page(request: Request, user: OptionalUser) -> Response:
    if not user:
        return redirect_to(request, "login_page")
    return render(request, "auth/logout.html")


@router.post("/logout")
async def logout(request: Request, api: Api, user: OptionalUser) -> Response:
    if user:
        # Revoke the token at the API (every token of this user), so that a copy of the cookie or the token taken
        # before now is refused; the local session ends whatever the API answers.
        try:
            await api.post("/api/auth/logout", {})
        except (ApiError, ApiUnavailableError) as exc:
            log.warning("API logout failed, the session ends here only: %s", exc)
    end_session(request)
    flash(request, _("You have signed out."), "info")
    return redirect_to(request, "login_page")


@router.post("/language")
async def choose_language(request: Request) -> Response:
    form = await request.form()
    locale = form.get("locale")
    if locale in SUPPORTED_LOCALES:
        request.session[LOCALE_KEY] = locale
    return RedirectResponse(safe_next(request, str(form.get("next") or ""), default="home"), status_code=303)
