"""Company API-key authentication (§1.2, §5.9): `Authorization: Bearer <key>`; the key's company is the caller.

Every refusal is the integration's `{"error", "message"}` body with 401 (§5.9), the same for a missing header, a
malformed or unknown key, a wrong secret behind a valid prefix and a revoked key, so a caller cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request

from triboka_api.api.deps import SessionDep, current_principal
from triboka_api.api.errors import IntegrationError
from triboka_api.domain import api_keys
from triboka_api.domain.errors import DomainError, NotFoundError, PermissionDeniedError, RuleViolationError


async def key_company(request: Request, session: SessionDep) -> int:
    """The id of the company whose live API key the request carries."""
    header = request.headers.get("authorization") or ""
    scheme, _, key = header.partition(" ")
    if not header:
        raise IntegrationError(
            401, "API key required", "Send the company API key as 'Authorization: Bearer <key>'"
        )
    row = await api_keys.authenticate(session, key.strip()) if scheme.lower() == "bearer" else None
    if row is None:
        raise IntegrationError(401, "Invalid API key", "The API key is unknown, revoked or malformed")
    return row.company_id


KeyCompanyDep = Annotated[int, Depends(key_company)]


async def user_or_key(request: Request, session: SessionDep) -> None:
    """A user's JWT or a company API key (S-68, Δ 194): a bearer credential in the key's form (`tbk_…`) is checked
    as a key, anything else as a token, with each one's refusals."""
    scheme, _, credential = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and credential.strip().startswith(f"{api_keys.KEY_SCHEME}_"):
        await key_company(request, session)
    else:
        await current_principal(request, session)


_ERRORS: dict[type[DomainError], tuple[int, str]] = {
    RuleViolationError: (400, "Invalid request"),
    PermissionDeniedError: (403, "Forbidden"),
    NotFoundError: (404, "Not found"),
}


@contextmanager
def integration_errors() -> Iterator[None]:
    """Domain refusals in the integration's error shape (§1.3: `error` short, `message` long)."""
    try:
        yield
    except DomainError as exc:
        status, short = next((v for k, v in _ERRORS.items() if isinstance(exc, k)), (400, "Invalid request"))
        raise IntegrationError(status, short, exc.message) from exc
