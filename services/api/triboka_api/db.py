"""Database engine and sessions: one async engine per process, SQLite tuned for concurrent local use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event, exc
from sqlalchemy.engine import AdaptedConnection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from triboka_api.settings import Settings

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.sqlalchemy_url
    # as many pooled connections as the session gate admits requests: a smaller pool with overflow (SQLAlchemy's
    # default for a SQLite file: 5 + 10) opens and closes a connection per request beyond the fifth at once, on
    # SQLite a new aiosqlite thread and three PRAGMAs each (issue 16: 1,005 opened for 2,000 reads at 10 in flight,
    # a third of their CPU)
    pool = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
    }
    if settings.is_sqlite:
        in_memory = url.database in (None, "", ":memory:")
        if url.database and not in_memory:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            **({} if in_memory else pool),  # an in-memory database lives in its one connection (StaticPool)
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(url, connect_args={"timeout": settings.db_connect_timeout_seconds}, **pool)
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(
    dbapi_connection: AdaptedConnection, _record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    """Pessimistic disconnect handling without a round trip: a pooled connection the server has closed (a restarted
    database) is replaced at checkout. SQLAlchemy's `pool_pre_ping` would do the same with a BEGIN/ping/ROLLBACK
    per request (three round trips); a connection that dies unnoticed still fails one request and invalidates the
    pool, as SQLAlchemy does for every disconnect error."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("connection closed by the server")


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The same pool without BEGIN/ROLLBACK around the work: for reads, which see per-statement snapshots under
    READ COMMITTED in a transaction too, it saves two round trips per request. SQLite's engine as it is: the
    driver begins a transaction only before a write, so reads already run without one, and switching the
    isolation level at checkout and back at checkin would cost two calls into aiosqlite's thread per request."""
    if engine.dialect.name == "sqlite":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


async def autocommit_until_commit(session: AsyncSession) -> None:
    """The session's statements autocommit until its next commit: the reads of a write path whose writes commit
    on their own (a lot's code reservation, a fixation's one statement) need no BEGIN and COMMIT around them, two
    round trips of a hot write (issue 16). PostgreSQL only: SQLite's reads run outside a transaction anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if session.in_transaction():
        current = (await session.connection()).sync_connection
        if current is not None and current.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        await session.commit()  # what was read so far (e.g. the caller's authentication)
    await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class DatabaseBusyError(Exception):
    """No database connection freed up in time: the API answers 503."""


class SessionGate:
    """Admits at most `slots` request sessions per process, first come, first served.

    The pool's own wait is an asyncio.Queue: a request that arrives just as a connection is returned takes it ahead
    of the ones already waiting, which go to the back of the line. Under sustained load beyond the pool size that
    starved some requests for seconds (10 s measured at 100 connections on a pool of 10). asyncio.Semaphore hands a
    released slot to the longest waiter, so the wait stays proportional to the queue in front.
    """

    def __init__(self, slots: int, timeout_seconds: float) -> None:
        self._semaphore = asyncio.Semaphore(slots)
        self._timeout = timeout_seconds

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._semaphore.locked():  # only a wait needs a timer
            try:
                async with asyncio.timeout(self._timeout):
                    await self._semaphore.acquire()
            except TimeoutError:
                raise DatabaseBusyError from None
        else:
            await self._semaphore.acquire()
        try:
            yield
        finally:
            self._semaphore.release()
