"""Pick the request's locale (session choice, Accept-Language, the default) for gettext and formatting."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from triboka_web.i18n import negotiate
from triboka_web.request_context import locale_var

SESSION_KEY = "locale"


class LocaleMiddleware:
    """Runs inside SessionMiddleware, so `scope["session"]` is already decoded."""

    def __init__(self, app: ASGIApp, default_locale: str) -> None:
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept-language"), None)
        locale = negotiate(scope.get("session", {}).get(SESSION_KEY), accept, self.default_locale)
        token = locale_var.set(locale)
        try:
            await self.app(scope, receive, send)
        finally:
            locale_var.reset(token)
