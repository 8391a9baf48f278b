"""Request dependencies: the database session, the authenticated actor and role guards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.api.errors import forbidden
from triboka_api.auth_cache import ActorCache
from triboka_api.domain.key_ring import KeyRing
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import ADMIN_ROLES, Role
from triboka_api.jsonlog import user_id_var
from triboka_api.security.passwords import PasswordHashing
from triboka_api.security.tokens import TokenError, bearer_token
from triboka_api.settings import Settings

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_METHODS = frozenset({"GET", "HEAD"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@asynccontextmanager
async def open_session(request: Request, *, write: bool) -> AsyncIterator[AsyncSession]:
    """Reads run in autocommit (no BEGIN/ROLLBACK round trips); writes get a transaction. A session waits
    for a slot of the gate (first come, first served), not in the pool's queue (see SessionGate). Routes that
    do slow work between database steps (login's password check) open short sessions around it with this."""
    async with open_app_session(request.app.state, write=write) as session:
        yield session


@asynccontextmanager
async def open_app_session(state: Any, *, write: bool) -> AsyncIterator[AsyncSession]:
    """`open_session` for code outside a request (the Socket.IO handlers), from the app's state."""
    async with (
        state.session_gate.slot(),
        (state.sessionmaker if write else state.read_sessionmaker)() as session,
    ):
        yield session


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with open_session(request, write=request.method not in READ_METHODS) as session:
        yield session


def key_ring(request: Request) -> KeyRing:
    """The ring that seals what the API keeps encrypted at rest (DID keys, ERP credentials: Δ 197)."""
    ring: KeyRing = request.app.state.key_ring
    return ring


def get_passwords(request: Request) -> PasswordHashing:
    passwords: PasswordHashing = request.app.state.passwords
    return passwords


SessionDep = Annotated[AsyncSession, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PasswordsDep = Annotated[PasswordHashing, Depends(get_passwords)]


async def authenticated_principal(request: Request, session: SessionDep) -> Principal:
    """The token's user. Impersonation tokens are checked further by `current_principal` (every route) or by
    S-02 itself (stop impersonating: the contract's 400/404 come before the impersonator's check)."""
    principal = await token_principal(
        request.app.state, session, bearer_token(request.headers.get("authorization"))
    )
    request.state.user_id = principal.id
    user_id_var.set(principal.id)  # the request's own task: its later log lines carry the user
    return principal


async def token_principal(state: Any, session: AsyncSession, token: str) -> Principal:
    """The user a token names, as stored now, after every check of the JWT layer (§1.3, §2, Δ 27)."""
    return await claims_principal(state, session, state.token_verifier.claims(token))


async def claims_principal(state: Any, session: AsyncSession, claims: dict[str, Any]) -> Principal:
    """The user verified claims name, if still active and at the token version the claims carry."""
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise TokenError(422, "Invalid subject claim") from exc
    cache: ActorCache = state.actor_cache
    actor = await cache.get(session, user_id)
    if actor is None:
        raise TokenError(401, "User not found")
    if not actor.active:
        raise TokenError(401, "User inactive")
    if claims.get("tv") != actor.token_version:
        # revoked by logout, a password, role or company change or a deactivation; or issued before tokens
        # carried a version (those could name a reused SQLite id, so they are not trusted either)
        raise TokenError(401, "Token has been revoked")
    return Principal(actor=actor, claims=claims)


async def check_impersonator(state: Any, session: AsyncSession, claims: dict[str, Any]) -> None:
    """An impersonation token lives only as long as the admin or operator who started it keeps that role, stays
    active and keeps its token version (`otv`): demoting them or their logout ends every session they started."""
    cache: ActorCache = state.actor_cache
    original = claims.get("original_admin_id")
    impersonator = await cache.get(session, original) if isinstance(original, int) else None
    if (
        impersonator is None
        or not impersonator.active
        or impersonator.role not in ADMIN_ROLES
        or claims.get("otv") != impersonator.token_version
    ):
        raise TokenError(401, "Token has been revoked")


ImpersonationAwareDep = Annotated[Principal, Depends(authenticated_principal)]


async def current_principal(request: Request, session: SessionDep) -> Principal:
    """The token's user, an impersonation token held to reading (every route but the two that check it
    themselves: S-02 and the socket ticket). `authenticated_principal` is awaited here, not declared as a
    sub-dependency: FastAPI walks a sub-dependency's tree again for each dependency declaring it, on every
    request."""
    principal = await authenticated_principal(request, session)
    if principal.is_impersonating:
        await check_impersonator(request.app.state, session, principal.claims)
        if request.method in MUTATING_METHODS:
            raise forbidden("Impersonation tokens are read-only")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def reject_impersonation(request: Request) -> None:
    """For public mutating routes (register): a valid impersonation token is read-only there too (§2 Δ); any
    other token, valid or not, is ignored because the route needs none."""
    header = request.headers.get("authorization")
    if not header:
        return
    try:
        claims = request.app.state.token_verifier.claims(bearer_token(header))
    except TokenError:
        return
    if claims.get("is_impersonating"):
        raise forbidden("Impersonation tokens are read-only")


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    allowed = frozenset(roles)

    async def guard(request: Request, session: SessionDep) -> Principal:
        principal = await current_principal(request, session)  # not a sub-dependency: see current_principal
        if principal.role not in allowed:
            raise forbidden("Your role may not do this")
        return principal

    return guard
