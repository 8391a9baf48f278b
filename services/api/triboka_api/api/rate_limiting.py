"""The general per-client budget (`TRIBOKA_RATE_LIMIT_DEFAULT`) on every route but the probes, as a pure-ASGI
middleware: one counter hit per request, before routing, body reading or any database work."""

from __future__ import annotations

import time

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from triboka_api.api.client_ip import client_ip
from triboka_api.observability import PROBE_PATHS
from triboka_api.rate_limits import RateLimits, Refusal, client_key


def refusal_headers(refusal: Refusal) -> dict[str, str]:
    """`Retry-After` in whole seconds, and for a rate the limit that was hit (`X-RateLimit-*`, as GitHub's and
    most public APIs name them; `Reset` is a Unix time). Only refusals carry them: the remaining budget on every
    answer would cost a second store round trip per request."""
    headers = {"Retry-After": str(refusal.retry_after)}
    if refusal.limit is not None:
        headers |= {
            "X-RateLimit-Limit": str(refusal.limit.amount),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(time.time()) + refusal.retry_after),
        }
    return headers


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PROBE_PATHS:
            await self.app(scope, receive, send)
            return
        rate_limits: RateLimits = scope["app"].state.rate_limits
        who = client_key(client_ip(HTTPConnection(scope)))
        refusal = await rate_limits.hit(rate_limits.default, "client", who)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            {"error": "Too many requests"}, status_code=429, headers=refusal_headers(refusal)
        )
        await response(scope, receive, send)
