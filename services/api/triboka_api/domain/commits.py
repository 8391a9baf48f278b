"""COMMIT that releases a transaction's row locks before its WAL flush (PostgreSQL), for hot rows.

A transaction that updates a row many requests update (a contract's fixed volume) holds the row's lock until its
COMMIT returns, and a synchronous COMMIT returns after the WAL flush (an fsync): every request queued on the row
waits for one fsync per request ahead of it. Committed with `synchronous_commit = off` instead, the transaction
releases its locks as soon as its commit record is written; the request then waits for the flush outside the
lock, with a one-statement transaction that writes a WAL record (a transactional logical-decoding message, empty,
which any role may emit and nothing reads) and so commits synchronously: its commit record follows the first one
in the WAL, so when its flush returns, the first transaction is durable too. (`txid_current()` is not enough: a
transaction that wrote no WAL before its commit record does not wait for the flush; measured.) Many such waits
share one fsync (group commit). The answer is therefore sent only once the change is durable, as
before; what changes is that a concurrent reader may see the change during the flush (a crash in that instant
loses it, as it loses the not yet answered request).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def commit_without_flush_wait(session: AsyncSession) -> None:
    """Let this transaction's COMMIT return before the flush; call it before the statements that take the locks
    (it is one round trip) and `wait_for_flush` after the COMMIT, before answering."""
    if _is_postgresql(session):
        await session.execute(text("SET LOCAL synchronous_commit = off"))


async def wait_for_flush(session: AsyncSession) -> None:
    """Return once everything committed so far is durable (SQLite: at once; its COMMIT did not defer anything)."""
    if _is_postgresql(session):
        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        await connection.execute(text("SELECT pg_logical_emit_message(true, 'triboka', '')"))
        await session.commit()
