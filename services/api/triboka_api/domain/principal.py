"""Who is calling, as the domain rules see it: the user as stored now and the claims of their token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triboka_api.auth_cache import Actor
from triboka_api.domain.roles import ADMIN_ROLES


@dataclass(frozen=True)
class Principal:
    """The user as stored now (role and company come from the DB, §1.2) and the token's claims."""

    actor: Actor
    claims: dict[str, Any]

    @property
    def id(self) -> int:
        return self.actor.id

    @property
    def role(self) -> str:
        return self.actor.role

    @property
    def company_id(self) -> int | None:
        return self.actor.company_id

    @property
    def is_admin(self) -> bool:
        """admin and operator: privileged across the API (Δ §9 #8)."""
        return self.actor.role in ADMIN_ROLES

    @property
    def is_impersonating(self) -> bool:
        """A read-only token an admin or operator took to see the platform as this user (S-01)."""
        return bool(self.claims.get("is_impersonating"))
