"""Schema migrations: apply them (Alembic). Whether a database is at the head: `schema_revision`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from triboka_api.db import create_engine
from triboka_api.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


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
