"""Which migration the database is at, read without Alembic.

Every API worker checks the schema when it starts. Alembic, and the migration scripts it loads to find its head,
would then stay in the worker for its whole life: about 25 MiB of a ~110 MiB worker (issue 16, goal 6). So the
check reads `alembic_version` itself and compares it with `HEAD_REVISION`; `migrate.py` (the `migrate` command)
keeps Alembic, and tests/api/test_migrations.py holds the constant equal to Alembic's head.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

# the newest migration in triboka_api/migrations/versions (a new migration moves it; a test says so)
HEAD_REVISION = "0012_erp_keyring"


class SchemaOutOfDateError(RuntimeError):
    """The database is not at the revision this code expects."""


def _stored_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision: str | None = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return revision


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database was migrated to; None for a database never migrated."""
    async with engine.connect() as connection:
        return await connection.run_sync(_stored_revision)


async def ensure_current(engine: AsyncEngine) -> None:
    current = await current_revision(engine)
    if current != HEAD_REVISION:
        raise SchemaOutOfDateError(
            f"database schema is at revision {current or 'none (empty database)'}, this release needs "
            f"{HEAD_REVISION}: run `triboka-api migrate` first"
        )
