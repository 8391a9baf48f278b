"""Schema migrations: apply them, and tell whether a database is at the code's head revision."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from triboka_api.db import create_engine
from triboka_api.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaOutOfDateError(RuntimeError):
    """The database is not at the revision this code expects."""


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["settings"] = settings
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def upgrade(settings: Settings) -> None:
    """Apply every pending migration (blocking; runs its own event loop)."""
    command.upgrade(alembic_config(settings), "head")


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def ensure_current(engine: AsyncEngine) -> None:
    current = await current_revision(engine)
    head = head_revision()
    if current != head:
        raise SchemaOutOfDateError(
            f"database schema is at revision {current or 'none (empty database)'}, this release needs {head}: "
            "run `triboka-api migrate` first"
        )


def wait_for_database(settings: Settings, timeout_seconds: float) -> None:
    """Block until the database answers `SELECT 1`, or raise after the timeout (the migration hook starts early)."""

    async def probe() -> None:
        engine = create_engine(settings)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            asyncio.run(probe())
            return
        except (OSError, Exception) as exc:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"database not reachable after {timeout_seconds:.0f}s: {exc}") from exc
            time.sleep(1)
