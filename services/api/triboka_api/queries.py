"""Batch loaders: one query for all the rows a list embeds (no N+1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import CursorResult, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import UpdateBase

from triboka_api.models import ProducerLot, User


async def lots_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, ProducerLot]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {
        lot.id: lot
        for lot in (await session.scalars(select(ProducerLot).where(ProducerLot.id.in_(wanted)))).unique()
    }


async def users_by_id(session: AsyncSession, ids: Iterable[int | None]) -> dict[int | None, User]:
    """Keyed so that a nullable reference may be looked up as it is (None finds nothing)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(wanted)))).unique()}


async def rows_changed(session: AsyncSession, statement: UpdateBase) -> int:
    """Run an INSERT/UPDATE/DELETE and return how many rows it changed: `session.execute` is typed as returning a
    Result, but a DML statement's result is a CursorResult, the one that has `rowcount`."""
    return cast(CursorResult[Any], await session.execute(statement)).rowcount
