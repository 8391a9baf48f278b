"""The signed-in user, kept in the session next to the sealed API token, and the guards that pages use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel, ConfigDict
from starlette.requests import Request

from triboka_web.csrf import rotate_csrf_token
from triboka_web.middleware.locale import SESSION_KEY as LOCALE_KEY
from triboka_web.roles import Action, can
from triboka_web.session_token import TokenSealer

TOKEN_KEY = "api_token"  # noqa: S105 - a session key, not a secret
USER_KEY = "user"


class SessionUser(BaseModel):
    """The `user` object of the API's login answer (C-03)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    name: str
    email: str
    role: str
    company_id: int | None = None

    def can(self, action: Action) -> bool:
        return can(self.role, action)


class LoginRequiredError(Exception):
    """No user in the session: send the browser to the login page."""


class ForbiddenError(Exception):
    """The signed-in user's role may not open this page."""


def end_session(request: Request) -> None:
    """Forget everything but the chosen language."""
    locale = request.session.get(LOCALE_KEY)
    request.session.clear()
    if locale:
        request.session[LOCALE_KEY] = locale


def start_session(request: Request, token: str, user: SessionUser) -> None:
    end_session(request)
    request.session[TOKEN_KEY] = token_sealer(request).seal(token)
    request.session[USER_KEY] = user.model_dump()
    rotate_csrf_token(request)


def token_sealer(request: Request) -> TokenSealer:
    sealer: TokenSealer = request.app.state.token_sealer
    return sealer


def session_token(request: Request) -> str | None:
    """The signed-in user's API token, unsealed; None when there is none (or it was sealed with another key)."""
    return token_sealer(request).unseal(request.session.get(TOKEN_KEY))


def session_user(request: Request) -> SessionUser | None:
    data = request.session.get(USER_KEY)
    user = SessionUser.model_validate(data) if data and session_token(request) else None
    if user is not None:
        request.state.user_id = user.id  # the access log's user_id
    return user


# The dependencies below are `async def` although they never wait: FastAPI runs a plain `def` dependency in a
# worker thread, and a page's three of them cost three thread hand-offs per request (issue 16, goal 3).


async def optional_user(request: Request) -> SessionUser | None:
    return session_user(request)


async def require_user(request: Request) -> SessionUser:
    user = session_user(request)
    if user is None:
        raise LoginRequiredError
    return user


CurrentUser = Annotated[SessionUser, Depends(require_user)]
OptionalUser = Annotated[SessionUser | None, Depends(optional_user)]


def allowed_to(action: Action) -> Callable[[SessionUser], Awaitable[SessionUser]]:
    """A dependency giving the signed-in user, letting through only roles offered `action` (else 403); used as
    `Annotated[SessionUser, Depends(allowed_to(action))]`."""

    async def guard(user: CurrentUser) -> SessionUser:
        if not user.can(action):
            raise ForbiddenError
        return user

    return guard
