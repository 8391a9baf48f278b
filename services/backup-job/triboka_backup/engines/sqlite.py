"""SQLite: a consistent copy with the online backup API, counted from the copy itself."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from triboka_backup.database_url import SqliteSource
from triboka_backup.engines.outcome import DumpOutcome
from triboka_backup.errors import DumpError, RestoreError
from triboka_backup.filesio import SealedWriter, read_chunks
from triboka_backup.manifest import DATABASE_NAMES

log = logging.getLogger("triboka_backup")
PAGES_PER_STEP = 4096
USER_TABLES = """
SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 1
"""


class SqliteEngine:
    engine = "sqlite"
    dump_name = DATABASE_NAMES["sqlite"]

    def __init__(self, source: SqliteSource) -> None:
        self.source = source

    def describe(self) -> str:
        return self.source.describe()

    def dump(self, writer: SealedWriter) -> DumpOutcome:
        if not self.source.path.is_file():
            raise DumpError(f"SQLite database {self.source.path} does not exist")
        with tempfile.TemporaryDirectory(prefix="triboka-backup-") as scratch:
            copy = Path(scratch) / "copy.sqlite3"
            try:
                _online_copy(self.source.path, copy)
                with contextlib.closing(sqlite3.connect(copy)) as conn:
                    counts = _count_rows(conn)
                    revision = _schema_revision(conn)
            except sqlite3.Error as exc:
                raise DumpError(f"cannot back up {self.source.path}: {exc}") from None
            with copy.open("rb") as stream:
                for chunk in read_chunks(stream):
                    writer.write(chunk)
        return DumpOutcome(
            server_version=sqlite3.sqlite_version,
            database_name=self.source.path.name,
            schema_revision=revision,
            row_counts=counts,
        )

    def restore(self, chunks: Iterable[bytes], force: bool) -> None:
        """Copy the backup into the target with the backup API (which also handles the target's WAL).

        The copy is written in full first, so an error in `chunks` leaves the target untouched."""
        if not force and not self._is_empty():
            raise RestoreError(
                f"{self.describe()} is not empty: restore into an empty database or pass --force"
            )
        with tempfile.TemporaryDirectory(prefix="triboka-restore-") as scratch:
            stored = Path(scratch) / "restore.sqlite3"
            with stored.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            try:
                self.source.path.parent.mkdir(parents=True, exist_ok=True)
                _online_copy(stored, self.source.path)
            except (sqlite3.Error, OSError) as exc:
                raise RestoreError(f"cannot restore into {self.source.path}: {exc}") from None

    def row_counts(self) -> dict[str, int]:
        with contextlib.closing(sqlite3.connect(self.source.path)) as conn:
            return _count_rows(conn)

    @contextmanager
    def scratch(self) -> Iterator[SqliteEngine]:
        with tempfile.TemporaryDirectory(prefix="triboka-restoretest-") as scratch:
            yield SqliteEngine(SqliteSource(path=Path(scratch) / "scratch.sqlite3"))

    def _is_empty(self) -> bool:
        if not self.source.path.exists():
            return True
        with contextlib.closing(sqlite3.connect(f"file:{self.source.path}?mode=ro", uri=True)) as conn:
            (objects,) = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return int(objects) == 0


def _online_copy(source: Path, target: Path) -> None:
    with (
        contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst, pages=PAGES_PER_STEP, progress=_log_progress)


def _log_progress(status: int, remaining: int, total: int) -> None:
    if remaining:
        log.info(
            "sqlite copy progress: %d of %d pages",
            total - remaining,
            total,
            extra={"event": "progress", "pages_done": total - remaining, "pages_total": total},
        )


def _count_rows(conn: sqlite3.Connection) -> dict[str, int]:
    tables = conn.execute(USER_TABLES).fetchall()
    counts = {}
    for (name,) in tables:
        query = f"SELECT count(*) FROM {_quoted(name)}"  # noqa: S608 - a quoted identifier from sqlite_master
        counts[name] = conn.execute(query).fetchone()[0]
    return counts


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _schema_revision(conn: sqlite3.Connection) -> str | None:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if not exists:
        return None
    rows = conn.execute("SELECT version_num FROM alembic_version ORDER BY 1").fetchall()
    return ",".join(row[0] for row in rows) or None
