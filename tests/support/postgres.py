"""The PostgreSQL server that `scripts/ensure-postgres` runs, as seen by the tests."""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit, urlunsplit

import asyncpg

# A superuser on the server that `make test` starts.
PG_ADMIN_URL = os.environ.get("TRIBOKA_TEST_PG_URL", "postgresql://triboka:triboka@127.0.0.1:5432/postgres")


def pg_url_for(database: str, driver: str = "postgresql") -> str:
    """The admin URL pointed at another database, optionally with a SQLAlchemy driver prefix."""
    parts = urlsplit(PG_ADMIN_URL)
    return urlunsplit((driver, parts.netloc, f"/{database}", "", ""))


def admin_execute(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())
