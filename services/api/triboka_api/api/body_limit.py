"""The request body limit (issue 11): `TRIBOKA_MAX_BODY_BYTES`, enforced as bytes arrive (pure ASGI).

A declared `Content-Length` above the limit is answered 413 before the application runs; a body without one
(chunked) is counted as it is received and refused the moment it passes the limit, so no request makes a worker
hold more than the limit in memory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("triboka_api.body_limit")


class _BodyTooLargeError(Exception):
    """Raised out of `receive` to stop the application reading; the middleware answers 413."""


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else -1
    return None


async def _refuse(send: Send, status: int, message: str) -> None:
    body = orjson.dumps({"error": message})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            # the rest of the body is never read: the connection cannot carry another request
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, max_body_bytes: int, larger: Sequence[tuple[re.Pattern[str], int]] = ()
    ) -> None:
        """`larger`: paths (patterns) with a limit of their own, e.g. file uploads; every other path gets
        `max_body_bytes`."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.larger = tuple(larger)

    def _limit(self, path: str) -> int:
        return next((limit for pattern, limit in self.larger if pattern.match(path)), self.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        too_large = f"Request body too large (at most {limit} bytes)"
        declared = _declared_length(scope)
        if declared is not None and declared < 0:
            await _refuse(send, 400, "Invalid Content-Length")
            return
        if declared is not None and declared > limit:
            await _refuse(send, 413, too_large)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLargeError:
            if started:  # the application answered before reading all of the body: nothing left to say
                logger.info("body over the limit after the response started on %s", scope["path"])
                return
            await _refuse(send, 413, too_large)
