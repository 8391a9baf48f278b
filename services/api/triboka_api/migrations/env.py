"""Alembic environment: runs migrations over the app's async engine (SQLite or PostgreSQL alike)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from triboka_api.db import create_engine
from triboka_api.models import Base
from triboka_api.settings import Settings

config = context.config


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # batch mode rebuilds a table by copy, drop and rename; with foreign keys enforced, dropping a table that
        # others reference fails. Off for the migration (a pragma only works before the first write), checked after.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        # the models; a test hands in a changed copy to prove `alembic check` notices a model without a migration
        target_metadata=config.attributes.get("target_metadata", Base.metadata),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
            raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:10]}")


async def _run_async(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


settings = config.attributes.get("settings") or Settings()
connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async(settings))
