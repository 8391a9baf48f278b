"""The client's IP address as the API sees it (rate limits, the security audit log)."""

from __future__ import annotations

from starlette.requests import HTTPConnection


def client_ip(connection: HTTPConnection) -> str | None:
    """The peer address of the connection.

    Behind a reverse proxy this is the proxy's address; the rate-limiting change resolves `X-Forwarded-For` here,
    for trusted proxies only, so every caller gets the same answer.
    """
    return connection.client.host if connection.client else None
