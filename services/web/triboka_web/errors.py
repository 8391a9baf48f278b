"""What people see when something goes wrong: friendly pages, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast
from urllib.parse import quote

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triboka_web.api_client import (
    ApiAuthError,
    ApiError,
    ApiForbiddenError,
    ApiNotFoundError,
    ApiRateLimitedError,
    ApiUnavailableError,
    ApiUpstreamError,
)
from triboka_web.auth import ForbiddenError, LoginRequiredError, end_session
from triboka_web.csrf import CsrfError
from triboka_web.flash import flash
from triboka_web.forms import wait_message
from triboka_web.i18n import _
from triboka_web.templating import render
from triboka_web.urls import path_for

log = logging.getLogger(__name__)


def error_page(request: Request, status: int, message: str | None = None) -> Response:
    template = f"errors/{status}.html" if status in (403, 404, 503) else "errors/error.html"
    return render(request, template, {"status": status, "message": message}, status_code=status)


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{path_for(request, 'login_page')}?next={quote(target)}", status_code=303)


async def on_http_exception(request: Request, exc: HTTPException) -> Response:
    return error_page(request, exc.status_code)


async def on_login_required(request: Request, exc: LoginRequiredError) -> Response:
    flash(request, _("Please sign in to continue."), "info")
    return _login_redirect(request)


async def on_expired_token(request: Request, exc: ApiAuthError) -> Response:
    log.info("API rejected the session token: %s", exc.message)
    end_session(request)
    flash(request, _("Your session has expired or was revoked. Please sign in again."), "warning")
    return _login_redirect(request)


async def on_forbidden(request: Request, exc: Exception) -> Response:
    return error_page(request, 403)


async def on_csrf(request: Request, exc: CsrfError) -> Response:
    log.warning("CSRF token missing or wrong on %s %s", request.method, request.url.path)
    return error_page(
        request, 403, _("The form has expired or did not come from this site. Reload it and try again.")
    )


async def on_not_found(request: Request, exc: ApiNotFoundError) -> Response:
    return error_page(request, 404)


async def on_api_error(request: Request, exc: ApiError) -> Response:
    return error_page(request, 400, exc.message)


async def on_upstream_failure(request: Request, exc: ApiUpstreamError) -> Response:
    return error_page(request, exc.status_code, exc.message)


async def on_rate_limited(request: Request, exc: ApiRateLimitedError) -> Response:
    response = error_page(request, 429, wait_message(exc))
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def on_api_unavailable(request: Request, exc: ApiUnavailableError) -> Response:
    return error_page(request, 503)


class UnexpectedErrorMiddleware:
    """Turn any unhandled exception into the generic error page, inside the session and header middleware.

    (An `Exception` handler would run in Starlette's outermost middleware, where neither the session nor the
    security headers exist.)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if scope["type"] != "http" or started:
                raise
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await error_page(Request(scope), 500)(scope, receive, send)


E = TypeVar("E", bound=Exception)


def _on(app: FastAPI, kind: type[E], handler: Callable[[Request, E], Awaitable[Response]]) -> None:
    """Starlette types every handler as taking any Exception, but calls each only with the type it is
    registered for: the cast states that pairing, which its signature cannot."""
    app.add_exception_handler(kind, cast(Callable[[Request, Exception], Awaitable[Response]], handler))


def install_error_handlers(app: FastAPI) -> None:
    _on(app, HTTPException, on_http_exception)
    _on(app, LoginRequiredError, on_login_required)
    _on(app, ApiAuthError, on_expired_token)
    _on(app, ForbiddenError, on_forbidden)
    _on(app, ApiForbiddenError, on_forbidden)
    _on(app, CsrfError, on_csrf)
    _on(app, ApiNotFoundError, on_not_found)
    _on(app, ApiRateLimitedError, on_rate_limited)
    _on(app, ApiUpstreamError, on_upstream_failure)
    _on(app, ApiError, on_api_error)
    _on(app, ApiUnavailableError, on_api_unavailable)
