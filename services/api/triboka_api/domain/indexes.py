"""S-73: foreign keys without an index whose leading columns cover them (joins and ON DELETE checks on them scan
the whole referencing table), read from the live schema on either database."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from sqlalchemy import Connection, inspect
from sqlalchemy.exc import SAWarning


@dataclass(frozen=True)
class MissingIndex:
    table: str
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"ix_{self.table}_{'_'.join(self.columns)}"

    @property
    def statement(self) -> str:
        return f"CREATE INDEX {self.name} ON {self.table} ({', '.join(self.columns)})"


def missing_indexes(connection: Connection) -> list[MissingIndex]:
    inspector = inspect(connection)
    found = []
    for table in sorted(inspector.get_table_names()):
        with warnings.catch_warnings():  # expression indexes (lower(email)) cover no foreign key anyway
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
            covered = [tuple(ix["column_names"]) for ix in inspector.get_indexes(table)]
            covered += [tuple(uq["column_names"]) for uq in inspector.get_unique_constraints(table)]
        covered.append(tuple(inspector.get_pk_constraint(table)["constrained_columns"]))
        for fk in inspector.get_foreign_keys(table):
            columns = tuple(fk["constrained_columns"])
            if not any(index[: len(columns)] == columns for index in covered):
                found.append(MissingIndex(table, columns))
    return found
