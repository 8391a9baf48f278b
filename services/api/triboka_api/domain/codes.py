"""Human-readable codes (lots, batches, dispatches) in the first generation's formats, without collisions.

ORIG codes collided within one second (500) or repeated after deletions (§9 #17). Here every code base (a lot's
company and second, a dispatch's year) has a counter row (`code_counters`, migration `0011_code_counters`): the
next code is the counter moved up by one upsert, so no scan of the stored codes and no lock beyond that row. Should
a stored code still meet a counter behind it (e.g. a row written outside this service), the unique index refuses
it and `commit_unique` rolls back and retries with the next number after a short random pause.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from types import ModuleType
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection, Executable, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.db import autocommit_until_commit
from triboka_api.domain.errors import ConflictError
from triboka_api.models import CodeCounter

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
    """Serialize writers of `key` until the transaction ends (a trace chain's appends): a transaction-scoped
    advisory lock on PostgreSQL; on SQLite a write statement, which takes the database's write lock for the rest of
    the transaction."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    else:
        await session.execute(text("UPDATE companies SET id = id WHERE 1 = 0"))


def _upsert(dialect: ModuleType) -> Executable:
    table = CodeCounter.__table__
    insert: Any = dialect.insert(table)  # postgresql.insert or sqlite.insert: the same on_conflict API
    statement: Executable = (
        insert.values(key=sa.bindparam("key"), last_number=1)
        .on_conflict_do_update(index_elements=[table.c.key], set_={"last_number": table.c.last_number + 1})
        .returning(table.c.last_number)
    )
    return statement


# built once: composing the statement per call was ~10% of a lot creation's CPU time (py-spy, issue 16)
_UPSERTS = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


def _reservation() -> Executable:
    """PostgreSQL's upsert that also switches its own transaction to an asynchronous commit (`set_config(...,
    true)` lasts until the transaction ends): run as a transaction of its own (autocommit), the counter's row lock
    is taken and released inside the one statement, neither held while the answer travels to the API and the COMMIT
    back, nor during a WAL flush."""
    table = CodeCounter.__table__
    unsynced = sa.select(sa.func.set_config("synchronous_commit", "off", sa.true())).cte("unsynced")
    number_one = sa.select(sa.bindparam("key", type_=sa.String), sa.literal(1)).select_from(unsynced)
    insert: Any = postgresql.insert(table).from_select(["key", "last_number"], number_one)
    statement: Executable = insert.on_conflict_do_update(
        index_elements=[table.c.key], set_={"last_number": table.c.last_number + 1}
    ).returning(table.c.last_number)
    return statement


_RESERVATION = _reservation()


async def next_number(session: AsyncSession, key: str) -> int:
    """The counter of `key` moved one up (1 for a new key), in one statement: an upsert whose row lock lasts until
    the transaction ends, so concurrent allocations under one key queue only for that long (see `reserved_code`)."""
    statement = _UPSERTS[session.get_bind().dialect.name]
    number: int = (await session.execute(statement, {"key": key})).scalar_one()
    return number


def _suffixed(base: str, number: int) -> str:
    return base if number == 1 else f"{base}-{number}"


async def free_code(session: AsyncSession, base: str) -> str:
    """`base`, then `base-2`, `base-3`, ... for the codes that follow under the same base (Δ 202)."""
    return _suffixed(base, await next_number(session, base))


async def reserved_code(session: AsyncSession, base: str) -> str:
    """`free_code` in a transaction of its own, committed at once: the counter's row lock is not held for the
    whole creation, so concurrent creations under one base do not wait for each other's COMMIT. The session must
    hold no uncommitted writes (this commits them). A creation that fails afterwards leaves its number unused
    (Δ 202: suffixes are unique and increasing, not gap-free).

    On PostgreSQL the reservation is one autocommitted statement (`_RESERVATION`) that commits without waiting for
    its WAL flush: under 100 concurrent creations the lock had been held from the upsert's answer to the COMMIT,
    i.e. for as long as the API's event loop took to come back to it, and a dozen connections queued on it. The
    creation's synchronous COMMIT that follows flushes the WAL past the reservation, so a stored code's
    reservation is never lost in a crash, and a lost reservation belongs to a creation that was never stored."""
    if session.get_bind().dialect.name != "postgresql":
        code = await free_code(session, base)
    else:
        await autocommit_until_commit(session)
        code = _suffixed(base, (await session.execute(_RESERVATION, {"key": base})).scalar_one())
    await session.commit()
    return code


async def next_dispatch_code(session: AsyncSession, year: int) -> str:
    """`DSP-{year}-{NNN}`, NNN one above the last number handed out that year (Δ: ORIG used count + 1)."""
    return await next_yearly_code(session, f"DSP-{year}-")


async def next_deal_code(session: AsyncSession, year: int) -> str:
    """`D-{year}-{NNN}` (S-26 Δ: ORIG's code was a constant literal)."""
    return await next_yearly_code(session, f"D-{year}-")


async def next_yearly_code(session: AsyncSession, prefix: str) -> str:
    """`{prefix}{NNN}`, NNN one above the last number handed out under that prefix, at least 3 digits."""
    return f"{prefix}{await next_number(session, prefix):03d}"


# Stored code -> (counter key, number) for every family the allocators above write; the migration and the importer
# seed the counters with them, so that the next allocation comes after every stored code.
_CODE_FORMATS = {
    "producer_lots": ("lot_code", re.compile(r"^(LOT-.{0,3}-\d{14}-\d{3,})(?:-(\d+))?$")),
    "batch_nfts": ("batch_code", re.compile(r"^(BATCH-.{0,3}-\d{14}-\d{3,})(?:-(\d+))?$")),
    "export_contracts": ("contract_code", re.compile(r"^(PURCHASE-.{0,3}-.{0,3}-\d{14})(?:-(\d+))?$")),
    "dispatches": ("dispatch_code", re.compile(r"^(DSP-\d{4}-)(\d+)$")),
    "deals": ("deal_code", re.compile(r"^(D-\d{4}-)(\d+)$")),
}


def stored_numbers(codes: Iterable[str], pattern: re.Pattern[str]) -> dict[str, int]:
    """The highest number each counter key has among `codes` (a bare base counts as 1); other codes are ignored."""
    highest: dict[str, int] = {}
    for code in codes:
        if match := pattern.match(code):
            key, number = match.group(1), int(match.group(2) or 1)
            highest[key] = max(number, highest.get(key, 0))
    return highest


def seed_code_counters(connection: Connection) -> None:
    """Move every counter up to the highest stored code under its key (never down): after the migration that adds
    the counters and after an import of first-generation rows."""
    counters = sa.table("code_counters", sa.column("key", sa.String), sa.column("last_number", sa.Integer))
    current: dict[str, int] = {
        k: n for k, n in connection.execute(sa.select(counters.c.key, counters.c.last_number))
    }
    wanted: dict[str, int] = {}
    for table, (column, pattern) in _CODE_FORMATS.items():
        codes: Iterable[str | None] = connection.scalars(
            sa.select(sa.column(column)).select_from(sa.table(table))
        )
        wanted.update(stored_numbers((c for c in codes if c), pattern))
    new = [{"key": k, "last_number": n} for k, n in wanted.items() if k not in current]
    raised = [{"k": k, "n": n} for k, n in wanted.items() if k in current and n > current[k]]
    if new:
        connection.execute(counters.insert(), new)
    if raised:
        connection.execute(
            counters.update()
            .where(counters.c.key == sa.bindparam("k"))
            .values(last_number=sa.bindparam("n")),
            raised,
        )


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
