"""Request-scoped objects that route handlers declare: the API client acting as the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from triboka_web.api_client import ApiClient
from triboka_web.auth import TOKEN_KEY


def user_api(request: Request) -> ApiClient:
    client: ApiClient = request.app.state.api
    return client.as_user(request.session.get(TOKEN_KEY))


Api = Annotated[ApiClient, Depends(user_api)]
