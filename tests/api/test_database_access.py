"""How requests use the database: reads without transaction round trips, fair waits for a connection, pooled
connections the server closed replaced without a failed request, and a 503 (never a 500) when the database is
busy or gone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine
from triboka_api.database_probe import DatabaseProbe
from triboka_api.db import DatabaseBusyError, SessionGate, autocommit, create_sessionmaker

from tests.api.helpers import assert_ok


@pytest.fixture
def sent_statements(app, backend) -> Iterator[list[str]]:
    """What the API's connections send to PostgreSQL: the statements SQLAlchemy executes, and what asyncpg sends
    on its own (BEGIN/COMMIT/ROLLBACK, pings) through its query logger, attached at checkout."""
    if backend != "postgresql":
        pytest.skip("statement log through asyncpg's query logger: PostgreSQL only")
    sent: list[str] = []

    def log(record) -> None:
        sent.append(" ".join(record.query.split()).upper().rstrip(";"))

    def executed(_conn, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split()).upper())

    def attach(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.driver_connection.add_query_logger(log)

    def detach(dbapi_connection, _record) -> None:
        dbapi_connection.driver_connection.remove_query_logger(log)

    engine = app.state.engine.sync_engine
    listeners = (("checkout", attach), ("checkin", detach), ("before_cursor_execute", executed))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    yield sent
    for name, listener in listeners:
        event.remove(engine, name, listener)


async def _settle() -> None:
    """Query-logger callbacks run on the next turns of the event loop."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_read_sends_its_queries_and_nothing_else(client, world, sent_statements) -> None:
    producer = await world.user("producer")
    await client.get("/api/lots", headers=producer.headers)
    await _settle()
    sent_statements.clear()

    assert_ok(await client.get("/api/lots", headers=producer.headers))
    await _settle()

    assert any("FROM PRODUCER_LOTS" in s for s in sent_statements), sent_statements
    assert all(s.startswith("SELECT") for s in sent_statements), sent_statements  # no BEGIN, ROLLBACK, ping


async def test_a_write_runs_in_one_transaction(client, world, sent_statements) -> None:
    producer = await world.user("producer")
    await client.get("/api/lots", headers=producer.headers)
    await _settle()
    sent_statements.clear()

    lot = {
        "producer_company_id": producer.company_id,
        "farm_name": "Finca",
        "location": "Chone",
        "product_type": "Cacao CCN51",
        "weight_kg": 100,
        "quality_grade": "A",
        "harvest_date": "2026-10-01",
    }
    assert_ok(await client.post("/api/lots", json=lot, headers=producer.headers), 201)
    await _settle()

    # by design (Δ 202, issue 16): the authentication's read in a transaction (these tests cache no user), ended
    # before the company's read and the code's reservation, which autocommit (the counter's row lock lasts only
    # that statement); the lot's INSERT in its own transaction
    assert len([s for s in sent_statements if s.startswith("BEGIN")]) == 2, sent_statements
    assert sent_statements.count("COMMIT") == 2, sent_statements
    writes = [s for s in sent_statements if "INSERT INTO" in s]
    assert len(writes) == 2, sent_statements
    assert writes[0].startswith("WITH UNSYNCED AS"), writes
    assert "INSERT INTO CODE_COUNTERS" in writes[0], writes
    assert writes[1].startswith("INSERT INTO PRODUCER_LOTS"), writes
    assert not any(s.startswith("ROLLBACK") for s in sent_statements), sent_statements


async def test_connections_the_server_closed_are_replaced_without_a_failed_request(
    app, client, world, backend
) -> None:
    if backend != "postgresql":
        pytest.skip("server-side connection termination: PostgreSQL only (SQLite has no server)")
    producer = await world.user("producer")
    headers = producer.headers
    await asyncio.gather(*(client.get("/api/lots", headers=headers) for _ in range(4)))  # fill the pool
    pooled = app.state.engine.pool.checkedin()
    assert pooled >= 1

    async with world.session() as session:
        terminated = await session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert terminated >= pooled - 1  # all but the connection asking
    await asyncio.sleep(0.5)  # the closes reach the event loop

    responses = await asyncio.gather(*(client.get("/api/lots", headers=headers) for _ in range(4)))
    assert [r.status_code for r in responses] == [200] * 4
    assert (await client.get("/api/health")).status_code == 200


async def test_a_connection_terminated_mid_request_is_a_503(app, client, world, backend) -> None:
    """What a database shutdown does to a request in flight (SQLSTATE 57P01): held behind a table lock, the API's
    query is cut off by pg_terminate_backend; the client gets a 503, never a 500, and the next request works."""
    if backend != "postgresql":
        pytest.skip("server-side connection termination: PostgreSQL only (SQLite has no server)")
    producer = await world.user("producer")
    async with world.session() as locker:
        await locker.execute(text("LOCK TABLE producer_lots IN ACCESS EXCLUSIVE MODE"))
        request = asyncio.create_task(client.get("/api/lots", headers=producer.headers))
        waiting: list[int] = []
        for _ in range(100):
            await locker.execute(text("SELECT pg_stat_clear_snapshot()"))  # a transaction caches the view
            waiting = list(
                await locker.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                )
            )
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting, "the API's query never waited on the lock"
        await locker.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting[0]})
        response = await request
        await locker.rollback()
    assert response.status_code == 503, response.text
    assert response.json() == {"error": "The database is unavailable; try again shortly"}
    assert_ok(await client.get("/api/lots", headers=producer.headers))


async def test_an_unreachable_database_is_a_503_with_retry_after(app, client, world) -> None:
    producer = await world.user("producer")
    await client.get("/api/lots", headers=producer.headers)
    working = app.state.read_sessionmaker
    dead = create_async_engine("postgresql+asyncpg://nobody:nothing@127.0.0.1:9/none")
    app.state.read_sessionmaker = create_sessionmaker(autocommit(dead))
    try:
        response = await client.get("/api/lots", headers=producer.headers)
    finally:
        app.state.read_sessionmaker = working
        await dead.dispose()
    assert response.status_code == 503
    assert response.json() == {"error": "The database is unavailable; try again shortly"}
    assert response.headers["retry-after"] == "1"
    assert_ok(await client.get("/api/lots", headers=producer.headers))


async def _starting_postgres(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers a connection's startup packet as a PostgreSQL that is starting up does (FATAL 57P03)."""
    length = int.from_bytes(await reader.readexactly(4), "big")
    await reader.readexactly(length - 4)
    fields = b"".join(
        code + text + b"\0"
        for code, text in (
            (b"S", b"FATAL"),
            (b"V", b"FATAL"),
            (b"C", b"57P03"),
            (b"M", b"the database system is starting up"),
        )
    )
    body = fields + b"\0"
    writer.write(b"E" + (len(body) + 4).to_bytes(4, "big") + body)
    await writer.drain()
    writer.close()


async def test_a_database_still_starting_up_is_a_503(app, client, world) -> None:
    producer = await world.user("producer")
    await client.get("/api/lots", headers=producer.headers)
    server = await asyncio.start_server(_starting_postgres, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    starting = create_async_engine(f"postgresql+asyncpg://triboka:x@127.0.0.1:{port}/triboka?ssl=disable")
    working = app.state.read_sessionmaker
    app.state.read_sessionmaker = create_sessionmaker(autocommit(starting))
    try:
        response = await client.get("/api/lots", headers=producer.headers)
    finally:
        app.state.read_sessionmaker = working
        server.close()
        await starting.dispose()
    assert response.status_code == 503, response.text
    assert response.json() == {"error": "The database is unavailable; try again shortly"}


async def test_no_free_connection_within_the_timeout_is_a_503(app, client, world) -> None:
    producer = await world.user("producer")
    working = app.state.session_gate
    app.state.session_gate = SessionGate(slots=1, timeout_seconds=0.2)
    try:
        async with app.state.session_gate.slot():  # someone holds the only connection
            response = await client.get("/api/lots", headers=producer.headers)
    finally:
        app.state.session_gate = working
    assert response.status_code == 503
    assert response.json() == {"error": "The database is busy; try again shortly"}


async def test_as_many_connections_stay_pooled_as_the_gate_admits_sessions(app) -> None:
    """A worker at full concurrency reuses its pooled connections instead of opening and closing some per request
    (SQLAlchemy's default pool for a SQLite file keeps 5 and opens up to 10 more per use: an aiosqlite thread and
    three PRAGMAs each time)."""
    engine, slots = app.state.engine, app.state.settings.db_pool_size + app.state.settings.db_max_overflow
    opened: list[object] = []

    def count(dbapi_connection, _record) -> None:
        opened.append(dbapi_connection)

    event.listen(engine.sync_engine, "connect", count)
    try:
        for _ in range(3):  # three waves of as many sessions at once as the gate lets in
            async with AsyncExitStack() as stack:
                for _ in range(slots):
                    await stack.enter_async_context(engine.connect())
    finally:
        event.remove(engine.sync_engine, "connect", count)
    assert len(opened) <= slots


async def test_the_gate_serves_waiters_in_arrival_order_under_pressure() -> None:
    """The pool's asyncio.Queue lets late arrivals overtake; the gate must not (see SessionGate)."""
    gate = SessionGate(slots=2, timeout_seconds=10)
    served: list[int] = []

    async def request(n: int) -> None:
        async with gate.slot():
            served.append(n)
            await asyncio.sleep(0.005)

    waves = []
    for n in range(40):
        waves.append(asyncio.create_task(request(n)))
        await asyncio.sleep(0.001)  # new arrivals keep coming while slots are released
    await asyncio.gather(*waves)
    assert served == sorted(served)


async def test_the_gate_times_out() -> None:
    gate = SessionGate(slots=1, timeout_seconds=0.05)
    async with gate.slot():
        with pytest.raises(DatabaseBusyError):
            async with gate.slot():
                pass
    async with gate.slot():  # the slot came back
        pass


async def test_concurrent_health_checks_share_one_round_trip(app, client) -> None:
    probe = DatabaseProbe(app.state.read_engine)
    round_trips = 0

    def count(*_args) -> None:
        nonlocal round_trips
        round_trips += 1

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        results = await asyncio.gather(*(probe.healthy() for _ in range(20)))
        assert results == [True] * 20
        assert round_trips == 1
        assert await probe.healthy() is True  # a later caller gets a new check
        assert round_trips == 2
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_database_that_does_not_answer_in_time_is_unhealthy() -> None:
    """A server that accepts the connection and never answers (a hung database): the probe gives up on time."""
    silent = await asyncio.start_server(lambda _reader, _writer: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    engine = create_async_engine(f"postgresql+asyncpg://nobody:nothing@127.0.0.1:{port}/none")
    try:
        started = asyncio.get_running_loop().time()
        assert await DatabaseProbe(engine, timeout_seconds=0.2).healthy() is False
        assert asyncio.get_running_loop().time() - started < 5  # not the connect timeout
    finally:
        silent.close()
        await engine.dispose()
