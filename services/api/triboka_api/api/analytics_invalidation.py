"""Moves the analytics cache to a new generation when a write request succeeds, before its answer starts (see
`analytics_cache`), so that figures computed before a write are not served after it. A pure ASGI middleware: it
only watches the response status."""

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

        async def invalidate_then_send(message: Message) -> None:
            # before the answer starts (the handler has committed by then): a client that reads right after
            # seeing it, on this connection or through another worker, finds the new generation
            if message["type"] == "http.response.start" and message["status"] < 400:
                cache = getattr(scope["app"].state, "analytics_cache", None)
                if cache is not None:
                    await cache.invalidate()
            await send(message)

        await self.app(scope, receive, invalidate_then_send)
