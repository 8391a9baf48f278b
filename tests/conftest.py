"""Fixtures shared by every test tier: the PostgreSQL server that `scripts/ensure-postgres` runs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

# A superuser on the server that `make test` starts (scripts/ensure-postgres).
PG_ADMIN_URL = os.environ.get("TRIBOKA_TEST_PG_URL", "postgresql://triboka:triboka@127.0.0.1:5432/postgres")


def pg_url_for(database: str, driver: str = "postgresql") -> str:
    """The admin URL pointed at another database, optionally with a SQLAlchemy driver prefix."""
    parts = urlsplit(PG_ADMIN_URL)
    return urlunsplit((driver, parts.netloc, f"/{database}", "", ""))


def _admin_execute(sql: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def pg_database_factory() -> Iterator[callable]:
    """Create uniquely named empty databases; every one is dropped at the end of the session."""
    created: list[str] = []

    def create(prefix: str = "triboka_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        _admin_execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return name

    yield create
    for name in created:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
