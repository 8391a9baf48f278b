"""Security headers on every response, error pages and static files included; pages are never cached."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(socket_origin: str = "", static_origin: str = "") -> str:
    """Strict: own scripts, styles and fonts only. `socket_origin`: the API's Socket.IO when browsers reach it
    on another origin (`make run`), allowed for connections only, over HTTP(S) and WebSocket. `static_origin`:
    the CDN that serves the static files (`static_base_url`), allowed for scripts, styles, fonts and images."""
    connect = "connect-src 'self'"
    if socket_origin:
        connect += f" {socket_origin} {socket_origin.replace('http', 'ws', 1)}"
    own = f"'self' {static_origin}" if static_origin else "'self'"
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {own}",
            f"style-src {own}",
            f"img-src {own} data:",
            f"font-src {own}",
            connect,
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


SECURITY_HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, socket_origin: str = "", static_origin: str = "") -> None:
        self.app = app
        policy = content_security_policy(socket_origin, static_origin)
        self.headers = SECURITY_HEADERS | {"Content-Security-Policy": policy}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                if headers.get("content-type", "").startswith("text/html") and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
