"""PostgreSQL: pg_dump --format=custom from an exported snapshot, so row counts match the dump exactly."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.abc import Query
from psycopg.conninfo import make_conninfo

from triboka_backup.database_url import PostgresSource
from triboka_backup.engines.outcome import DumpOutcome
from triboka_backup.errors import BackupError, DumpError, RestoreError
from triboka_backup.filesio import SealedWriter
from triboka_backup.manifest import DATABASE_NAMES
from triboka_backup.subproc import ToolFailedError, run_tool, stream_from, stream_into

USER_TABLES_UNORDERED = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
"""
USER_TABLES = USER_TABLES_UNORDERED + "ORDER BY 1, 2"
USER_TABLES_LARGEST_FIRST = USER_TABLES_UNORDERED + "ORDER BY pg_relation_size(c.oid) DESC, 1, 2"
# connections counting rows after a restore: enough to keep a few server cores busy, few enough to be polite
COUNT_CONNECTIONS = 4
USER_RELATIONS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
"""


ARCHIVE_MAGIC = b"PGDMP"


class PostgresEngine:
    engine = "postgresql"
    dump_name = DATABASE_NAMES["postgresql"]

    def __init__(self, source: PostgresSource, bin_dir: Path | None) -> None:
        self.source = source
        self._bin_dir = bin_dir

    def describe(self) -> str:
        return self.source.describe()

    def _connect(self, error: type[BackupError], autocommit: bool = False) -> psycopg.Connection:
        try:
            conninfo = make_conninfo("", **self.source.connect_kwargs())
            return psycopg.connect(conninfo, autocommit=autocommit, connect_timeout=15)
        except psycopg.Error as exc:
            raise error(f"cannot connect to {self.describe()}: {str(exc).strip()}") from None

    def _tool(self, conn: psycopg.Connection, name: str, error: type[BackupError]) -> str:
        """The client tool matching the server's major version (Debian: /usr/lib/postgresql/<major>/bin)."""
        major = conn.info.server_version // 10000
        bin_dir = self._bin_dir or Path(f"/usr/lib/postgresql/{major}/bin")
        tool = bin_dir / name
        if not os.access(tool, os.X_OK):
            raise error(f"{tool} not found: install postgresql-client-{major} (server is PostgreSQL {major})")
        return str(tool)

    def _env(self, name: str | None = None) -> dict[str, str]:
        source = self.source.with_name(name) if name else self.source
        return {**os.environ, **source.libpq_env()}

    def dump(self, writer: SealedWriter) -> DumpOutcome:
        with self._connect(DumpError) as conn:
            try:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
                counts = _count_rows(conn)
                revision = _schema_revision(conn)
                version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            except psycopg.Error as exc:
                raise DumpError(f"cannot read {self.describe()}: {str(exc).strip()}") from None
            cmd = [
                self._tool(conn, "pg_dump", DumpError),
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-password",
            ]
            try:
                stream_from(cmd, self._env(), _checked(writer))
            except ToolFailedError as exc:
                raise DumpError(str(exc)) from None
        return DumpOutcome(
            server_version=str(version).split(" ")[0],
            database_name=self.source.name,
            schema_revision=revision,
            row_counts=counts,
        )

    def _restore_command(self, force: bool, mode: str) -> list[str]:
        """pg_restore's argv for this target, after checking that the target is empty (unless forced)."""
        with self._connect(RestoreError) as conn:
            if not force and not _is_empty(conn):
                raise RestoreError(
                    f"{self.describe()} is not empty: restore into an empty database or pass --force"
                )
            cmd = [self._tool(conn, "pg_restore", RestoreError), "--exit-on-error", mode]
        cmd += ["--no-password", f"--dbname={self.source.name}"]
        return cmd + (["--clean", "--if-exists"] if force else [])

    def restore(self, chunks: Iterable[bytes], force: bool) -> None:
        """Feed the archive to pg_restore's stdin in one transaction: an error in `chunks` (a checksum
        mismatch, a failed decryption) kills pg_restore before its COMMIT, so nothing is restored."""
        cmd = self._restore_command(force, "--single-transaction")
        try:
            stream_into(cmd, self._env(), chunks)
        except ToolFailedError as exc:
            raise RestoreError(str(exc)) from None

    def restore_file(self, path: Path, force: bool, jobs: int, check: Callable[[], None]) -> None:
        """`pg_restore --jobs` on an archive file it seeks in, once the target was found empty and `check` (the
        file's checksum) passed. Not one transaction: each job commits its own part, so a failure half-way
        leaves a partial restore."""
        cmd = self._restore_command(force, f"--jobs={jobs}")
        check()
        try:
            run_tool([*cmd, str(path)], self._env())
        except ToolFailedError as exc:
            raise RestoreError(
                f"{exc} (restored with --jobs, not in one transaction: {self.describe()} may hold a partial "
                "restore; drop and recreate it before trying again)"
            ) from None

    def row_counts(self) -> dict[str, int]:
        """Exact counts after a restore: one `count(*)` per table, tables spread over a few connections
        so a server with cores to spare scans several at once (largest first, so they finish together)."""
        with self._connect(RestoreError) as conn:
            tables = conn.execute(USER_TABLES_LARGEST_FIRST).fetchall()

        def count(table: tuple[str, str]) -> int:
            with self._connect(RestoreError) as conn:
                return _count_table(conn, *table)

        with ThreadPoolExecutor(max_workers=max(1, min(COUNT_CONNECTIONS, len(tables)))) as pool:
            counted = dict(zip(tables, pool.map(count, tables), strict=True))
        return {f"{schema}.{table}": counted[(schema, table)] for schema, table in sorted(tables)}

    @contextmanager
    def scratch(self) -> Iterator[PostgresEngine]:
        """A throwaway database on the same server (needs CREATEDB), dropped afterwards."""
        name = f"{self.source.name[:30]}_restoretest_{uuid.uuid4().hex[:8]}"
        with self._connect(RestoreError, autocommit=True) as conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.Error as exc:
                raise RestoreError(f"cannot create scratch database {name}: {str(exc).strip()}") from None
        try:
            yield PostgresEngine(self.source.with_name(name), self._bin_dir)
        finally:
            with self._connect(RestoreError, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _checked(writer: SealedWriter) -> Callable[[bytes], None]:
    """Pass pg_dump's output on, refusing anything that does not start like a custom-format archive."""
    seen = bytearray()

    def sink(chunk: bytes) -> None:
        if len(seen) < len(ARCHIVE_MAGIC):
            seen.extend(chunk[: len(ARCHIVE_MAGIC)])
            if not ARCHIVE_MAGIC.startswith(bytes(seen[: len(ARCHIVE_MAGIC)])):
                raise DumpError("pg_dump output is not a custom-format archive")
        writer.write(chunk)

    return sink


def _count_table(conn: psycopg.Connection, schema: str, table: str) -> int:
    query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    return int(_first_value(conn, query))


def _count_rows(conn: psycopg.Connection) -> dict[str, int]:
    """Counted in the caller's transaction (the dump's snapshot), one table after the other."""
    return {
        f"{schema}.{table}": _count_table(conn, schema, table)
        for schema, table in conn.execute(USER_TABLES).fetchall()
    }


def _schema_revision(conn: psycopg.Connection) -> str | None:
    if _first_value(conn, "SELECT to_regclass('public.alembic_version')") is None:
        return None
    rows = conn.execute("SELECT version_num FROM public.alembic_version ORDER BY 1").fetchall()
    return ",".join(row[0] for row in rows) or None


def _is_empty(conn: psycopg.Connection) -> bool:
    return int(_first_value(conn, USER_RELATIONS)) == 0


def _first_value(conn: psycopg.Connection, query: Query) -> Any:
    """The first column of a query that always returns one row (count, to_regclass)."""
    row = conn.execute(query).fetchone()
    if row is None:
        raise BackupError(f"no row from {query!r}")
    return row[0]
