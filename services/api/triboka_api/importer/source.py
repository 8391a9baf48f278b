"""The first-generation SQLite file, read-only: which tables it holds, their columns, keys and row counts, and
their rows as dicts. Every table is listed, whatever its name, so the report can account for all of them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A rowid alias for tables without a primary key; its name cannot collide with a first-generation column.
ROWID = "__source_rowid__"


@dataclass(frozen=True)
class SourceTable:
    name: str
    columns: tuple[str, ...]
    key_columns: tuple[str, ...]  # the primary key, or (ROWID,) when the table has none
    rows: int

    def has(self, *columns: str) -> bool:
        return all(column in self.columns for column in columns)

    def first_of(self, *candidates: str) -> str | None:
        """The first candidate column this table has (older snapshots named some columns differently)."""
        return next((column for column in candidates if column in self.columns), None)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SourceDatabase:
    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.connection.row_factory = sqlite3.Row
        names = [
            name
            for (name,) in self.connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        self.tables = {name: self._describe(name) for name in names}

    def _describe(self, name: str) -> SourceTable:
        info = self.connection.execute(f"PRAGMA table_info({_quoted(name)})").fetchall()
        columns = tuple(row["name"] for row in info)
        keys = tuple(row["name"] for row in sorted(info, key=lambda r: r["pk"]) if row["pk"])
        count = self.connection.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0]  # noqa: S608 - a name from sqlite_master, quoted
        return SourceTable(name, columns, keys or (ROWID,), count)

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        """The table's rows in key order; nothing when the source has no such table."""
        table = self.tables.get(name)
        if table is None:
            return
        keyed_by_rowid = table.key_columns == (ROWID,)
        rowid = f"rowid AS {ROWID}, " if keyed_by_rowid else ""
        order = "rowid" if keyed_by_rowid else ", ".join(map(_quoted, table.key_columns))
        query = f"SELECT {rowid}* FROM {_quoted(name)} ORDER BY {order}"  # noqa: S608 - names from sqlite_master, quoted
        for row in self.connection.execute(query):
            yield dict(row)

    def key_of(self, name: str, row: dict[str, Any]) -> str:
        """The row's primary key as text (composite keys joined with '|'): the key of its kept raw copy."""
        return "|".join(str(row.get(column)) for column in self.tables[name].key_columns)

    def close(self) -> None:
        self.connection.close()
