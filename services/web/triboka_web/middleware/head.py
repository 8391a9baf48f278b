"""HEAD on every GET page (issue 11): answered as the GET, without a body (uptime checkers send HEAD)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})

        # in place, so the metrics and logs outside see the matched route; the GET's headers stay (HEAD's rule)
        scope["method"] = "GET"
        await self.app(scope, receive, without_body)
