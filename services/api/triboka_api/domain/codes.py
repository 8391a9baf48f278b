"""Human-readable codes (lots, batches, dispatches) in the first generation's formats, without collisions.

ORIG codes collided within one second (500) or repeated after deletions (§9 #17). Here the next free code is
chosen from what is stored, and a race that still collides on the unique index is retried by `commit_unique`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from triboka_api.api.errors import ApiError

MAX_ATTEMPTS = 5
T = TypeVar("T")


def _prefix(name: str | None) -> str:
    return (name or "")[:3].upper()


def lot_code_base(company_name: str | None, company_id: int, now_local: datetime) -> str:
    """`LOT-{first 3 of the producer company name}-{YYYYMMDDHHMMSS local}-{company id, 3+ digits}` (C-14)."""
    return f"LOT-{_prefix(company_name)}-{now_local:%Y%m%d%H%M%S}-{company_id:03d}"


def batch_code_base(company_name: str | None, lot_count: int, now_local: datetime) -> str:
    """`BATCH-{first 3 of the caller's company name}-{YYYYMMDDHHMMSS local}-{lot count, 3 digits}` (C-22)."""
    return f"BATCH-{_prefix(company_name)}-{now_local:%Y%m%d%H%M%S}-{lot_count:03d}"


async def free_code(session: AsyncSession, column: InstrumentedAttribute[str], base: str) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is the first not yet stored."""
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
    prefix = f"DSP-{year}-"
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbers = [
        int(m.group(1))
        for code in await session.scalars(select(column).where(column.startswith(prefix, autoescape=True)))
        if (m := pattern.match(code))
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


async def commit_unique(session: AsyncSession, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run `attempt` (which picks a code and adds rows) and commit; on a unique-code race, roll back and retry."""
    for _ in range(MAX_ATTEMPTS):
        try:
            result = await attempt()
            await session.commit()
            return result
        except IntegrityError:
            await session.rollback()
    raise ApiError(409, "Could not allocate a unique code, please retry")
