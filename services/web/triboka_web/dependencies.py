"""Request-scoped objects that route handlers declare: the API client acting as the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from triboka_web.api_client import ApiClient
from triboka_web.auth import session_token


def forwarded_for(request: Request) -> str | None:
    """The `X-Forwarded-For` chain to send on: what reached us plus our peer, so that the API (which trusts this
    service as a proxy, `TRIBOKA_TRUSTED_PROXIES`) rate-limits and audits the browser's address, not ours. A hop a
    client forged stays to the left of the addresses trusted proxies appended, where the API does not look."""
    peer = request.client.host if request.client else None
    chain = [hop for hop in (request.headers.get("x-forwarded-for"), peer) if hop]
    return ", ".join(chain) or None


async def user_api(request: Request) -> ApiClient:  # async: no worker thread per page (see auth.require_user)
    client: ApiClient = request.app.state.api
    return client.as_user(session_token(request), forwarded_for(request))


Api = Annotated[ApiClient, Depends(user_api)]
