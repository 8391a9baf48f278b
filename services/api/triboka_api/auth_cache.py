"""A short-lived per-process cache of the users that tokens name.

Every JWT request re-reads its user (role, company and `active` come from the DB, §1.2). Caching that row for a
couple of seconds removes one query per request; writes through the users endpoints invalidate it at once in this
process, and other workers see a change within the TTL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.models import Company, User


@dataclass(frozen=True)
class Actor:
    id: int
    email: str
    name: str
    role: str
    company_id: int | None
    company_name: str | None
    company_type: str | None
    active: bool
    token_version: int


class ActorCache:
    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[int, tuple[float, Actor | None]] = {}

    async def get(self, session: AsyncSession, user_id: int) -> Actor | None:
        now = time.monotonic()
        hit = self._entries.get(user_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        row = (
            await session.execute(
                select(
                    User.id,
                    User.email,
                    User.name,
                    User.role,
                    User.company_id,
                    User.active,
                    User.token_version,
                    Company.name,
                    Company.company_type,
                )
                .outerjoin(Company, Company.id == User.company_id)
                .where(User.id == user_id)
            )
        ).first()
        actor = None
        if row is not None:
            user_id_, email, name, role, company_id, active, token_version, company_name, company_type = row
            actor = Actor(
                id=user_id_,
                email=email,
                name=name,
                role=role,
                company_id=company_id,
                company_name=company_name,
                company_type=company_type,
                active=active,
                token_version=token_version,
            )
        if self._ttl > 0:
            self._entries[user_id] = (now + self._ttl, actor)
        return actor

    def invalidate(self, user_id: int | None = None) -> None:
        if user_id is None:
            self._entries.clear()
        else:
            self._entries.pop(user_id, None)
