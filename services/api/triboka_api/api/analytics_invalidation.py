"""Moves the analytics cache to a new generation after every successful write request (see `analytics_cache`),
so that figures computed before a write are not served after it. A pure ASGI middleware: it only watches the
response status."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triboka_api.api.deps import MUTATING_METHODS

# POSTs that only compute (reports, index suggestions): they must not throw the cached figures away
READ_ONLY_POSTS = frozenset({"/api/analytics/reports/generate", "/api/performance/optimize/queries"})


class AnalyticsInvalidationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in MUTATING_METHODS
            or scope["path"] in READ_ONLY_POSTS
        ):
            await self.app(scope, receive, send)
            return
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        cache = getattr(scope["app"].state, "analytics_cache", None)
        if status < 400 and cache is not None:
            await cache.invalidate()
