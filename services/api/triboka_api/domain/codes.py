"""Human-readable codes (lots, batches, dispatches) in the first generation's formats, without collisions.

ORIG codes collided within one second (500) or repeated after deletions (§9 #17). Here allocation is
serialized per code family for the length of the transaction (`hold_lock`), and the next free code is
chosen from what is stored. Should a race still reach the unique index (e.g. another writer outside this
service), `commit_unique` rolls back and retries after a short random pause.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from triboka_api.domain.errors import ConflictError

MAX_ATTEMPTS = 25
RETRY_PAUSE_SECONDS = 0.005  # times the attempt number, at most, chosen at random
_jitter = random.SystemRandom()
T = TypeVar("T")


def _prefix(name: str | None) -> str:
    return (name or "")[:3].upper()


def lot_code_base(company_name: str | None, company_id: int, now_local: datetime) -> str:
    """`LOT-{first 3 of the producer company name}-{YYYYMMDDHHMMSS local}-{company id, 3+ digits}` (C-14)."""
    return f"LOT-{_prefix(company_name)}-{now_local:%Y%m%d%H%M%S}-{company_id:03d}"


def batch_code_base(company_name: str | None, lot_count: int, now_local: datetime) -> str:
    """`BATCH-{first 3 of the caller's company name}-{YYYYMMDDHHMMSS local}-{lot count, 3 digits}` (C-22)."""
    return f"BATCH-{_prefix(company_name)}-{now_local:%Y%m%d%H%M%S}-{lot_count:03d}"


def purchase_code_base(buyer_name: str | None, producer_name: str | None, now_local: datetime) -> str:
    """`PURCHASE-{first 3 of the caller's company}-{first 3 of the producer company}-{YYYYMMDDHHMMSS}` (S-05)."""
    return f"PURCHASE-{_prefix(buyer_name)}-{_prefix(producer_name)}-{now_local:%Y%m%d%H%M%S}"


async def hold_lock(session: AsyncSession, key: str) -> None:
    """Serialize writers of `key` until the transaction ends (code allocation here: the free-code lookup that
    follows sees every code a concurrent request allocated; trace chains too): a transaction-scoped advisory lock on PostgreSQL; on SQLite a write
    statement, which takes the database's write lock for the rest of the transaction."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    else:
        await session.execute(text("UPDATE companies SET id = id WHERE 1 = 0"))


async def free_code(session: AsyncSession, column: InstrumentedAttribute[str], base: str) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is the first not yet stored."""
    await hold_lock(session, f"{column.key}:{base}")
    taken = set(
        await session.scalars(
            select(column).where(or_(column == base, column.startswith(f"{base}-", autoescape=True)))
        )
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


async def next_dispatch_code(session: AsyncSession, column: InstrumentedAttribute[str], year: int) -> str:
    """`DSP-{year}-{NNN}` with NNN = the highest stored number of that year + 1 (Δ: ORIG used count + 1)."""
    return await next_yearly_code(session, column, f"DSP-{year}-")


async def next_deal_code(session: AsyncSession, column: InstrumentedAttribute[str], year: int) -> str:
    """`D-{year}-{NNN}` (S-26 Δ: ORIG's code was a constant literal)."""
    return await next_yearly_code(session, column, f"D-{year}-")


async def next_yearly_code(session: AsyncSession, column: InstrumentedAttribute[str], prefix: str) -> str:
    """`{prefix}{NNN}` with NNN = the highest number stored under that prefix + 1, at least 3 digits."""
    await hold_lock(session, prefix)
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbers = [
        int(m.group(1))
        for code in await session.scalars(select(column).where(column.startswith(prefix, autoescape=True)))
        if (m := pattern.match(code))
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


async def commit_unique(session: AsyncSession, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run `attempt` (which picks a code and adds rows) and commit; on a unique-code race, roll back and retry."""
    for number in range(1, MAX_ATTEMPTS + 1):
        try:
            result = await attempt()
            await session.commit()
            return result
        except IntegrityError:
            await session.rollback()
            await asyncio.sleep(_jitter.uniform(0, RETRY_PAUSE_SECONDS * number))
    raise ConflictError("Could not allocate a unique code, please retry")
