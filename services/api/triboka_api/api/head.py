"""HEAD on every GET route (issue 11): answered as the GET, without a body (uptime checkers send HEAD)."""

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

        # A copy: the server keeps reading the method from its own scope (a GET would owe it the body). The GET's
        # headers stay, Content-Length included, as HEAD requires.
        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, without_body)
        finally:
            if "route" in as_get:  # the matched route, which the metrics and logs outside label requests by
                scope["route"] = as_get["route"]
