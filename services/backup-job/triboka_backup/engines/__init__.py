"""Database engines: each knows how to dump, count, check emptiness and restore its kind of database."""

from __future__ import annotations

from pathlib import Path

from triboka_backup.database_url import DatabaseSource, PostgresSource
from triboka_backup.engines.postgres import PostgresEngine
from triboka_backup.engines.sqlite import SqliteEngine

Engine = PostgresEngine | SqliteEngine


def engine_for(source: DatabaseSource, pg_bin_dir: Path | None) -> Engine:
    if isinstance(source, PostgresSource):
        return PostgresEngine(source, pg_bin_dir)
    return SqliteEngine(source)
