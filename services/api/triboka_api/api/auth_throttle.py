"""Throttling of the credential routes (login, registration, password changes): per account and per client IP,
and the exponential lockout of an account after repeated failed logins. Everything is checked before a password
is hashed or verified, so a refused or locked-out attempt costs no Argon2.

The routes take these as route dependencies (`dependencies=[LOGIN_THROTTLE]`), which leaves their handlers alone.
An account is its normalized e-mail: the one in the body for login and registration, the caller's own for a
password change. Every credential route of one client IP shares one budget (`TRIBOKA_RATE_LIMIT_AUTH_IP`), and so
does every attempt on one account (`TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import Depends, HTTPException, Request

from triboka_api import audit
from triboka_api.api.audit_trail import request_event
from triboka_api.api.client_ip import client_ip
from triboka_api.api.deps import PrincipalDep, open_session
from triboka_api.api.errors import ApiError
from triboka_api.api.rate_limiting import refusal_headers
from triboka_api.audit import AuditEventType, Outcome
from triboka_api.rate_limits import Lockout, RateLimits, Refusal, account_key, client_key


async def on_lockout(request: Request, lockout: Lockout) -> None:
    """Every lockout that starts is an `auth.lockout` event of the security audit log (a row and a JSON line),
    recorded in a short transaction of its own: the failed login that caused it has already been answered for."""
    event = request_event(
        request,
        AuditEventType.LOCKOUT,
        actor_id=None,
        target_email=lockout.account,
        outcome=Outcome.FAILURE,
        detail={"failures": lockout.failures, "locked_seconds": lockout.seconds},
    )
    async with open_session(request, write=True) as session:
        await audit.record(session, event)
        await session.commit()


def _too_many(refusal: Refusal, message: str) -> HTTPException:
    return HTTPException(429, message, headers=refusal_headers(refusal))


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object the handler will read (Starlette keeps the body); anything else is the handler's 400."""
    try:
        data = orjson.loads(await request.body() or b"null")
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _email(data: dict[str, Any]) -> str | None:
    email = data.get("email")
    return email if isinstance(email, str) and email.strip() else None


async def _enforce(request: Request, rate_limits: RateLimits, email: str | None) -> None:
    """Count the attempt for the client IP, then for the account; 429 when either is over."""
    refusal = await rate_limits.hit(rate_limits.auth_ip, "auth-ip", client_key(client_ip(request)))
    if refusal is None and email is not None:
        refusal = await rate_limits.hit(rate_limits.auth_account, "auth-account", account_key(email))
    if refusal is not None:
        raise _too_many(refusal, "Too many attempts; try again later")


async def _admit_login(request: Request, rate_limits: RateLimits) -> str | None:
    """Refuse a locked-out account or an attempt over a limit; the e-mail the attempt is for, if it names one."""
    email = _email(await _body(request))
    if email is not None and (lockout := await rate_limits.locked(email)) is not None:
        raise _too_many(lockout, "Too many failed logins for this account; try again later")
    await _enforce(request, rate_limits, email)
    return email


async def throttle_login(request: Request) -> AsyncIterator[None]:
    """Admit the attempt, then count the handler's outcome: a 401 is a failed login (the lockout grows), an
    answer resets the account's failures."""
    rate_limits: RateLimits | None = request.app.state.rate_limits
    email = await _admit_login(request, rate_limits) if rate_limits is not None else None
    if rate_limits is None or email is None:
        yield
        return
    try:
        yield
    except ApiError as exc:
        if exc.status_code == 401 and (started := await rate_limits.login_failed(email)) is not None:
            await on_lockout(request, started)
        raise
    await rate_limits.login_succeeded(email)


async def throttle_register(request: Request) -> None:
    rate_limits: RateLimits | None = request.app.state.rate_limits
    if rate_limits is not None:
        await _enforce(request, rate_limits, _email(await _body(request)))


async def throttle_password_change(request: Request, principal: PrincipalDep) -> None:
    """A body that sets a password counts against the caller (after authentication, so nobody else can spend
    an account's budget)."""
    rate_limits: RateLimits | None = request.app.state.rate_limits
    if rate_limits is not None and (await _body(request)).get("password"):
        await _enforce(request, rate_limits, principal.actor.email)


# "function" scope: the login's outcome is counted before its answer is sent, so the next attempt sees it
LOGIN_THROTTLE = Depends(throttle_login, scope="function")
REGISTER_THROTTLE = Depends(throttle_register)
PASSWORD_CHANGE_THROTTLE = Depends(throttle_password_change)
