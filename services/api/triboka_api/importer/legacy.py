"""Raw first-generation rows kept in `legacy_rows`: what has no home in this schema yet, and the raw form of the
AgroWeight rows that were mapped onto companies, lots, trace events and market prices (their mapping loses
columns the second generation has no place for). Keyed by source table, primary key and a digest of the row, so a
re-import keeps nothing twice."""

from __future__ import annotations

import base64
import hashlib
import json
import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from triboka_api.importer.source import ROWID
from triboka_api.models import LegacyRow, utcnow


def as_json_row(row: dict[str, Any]) -> dict[str, Any]:
    """SQLite values as JSON that both databases store: BLOBs as base64, non-finite floats as text."""

    def value(v: Any) -> Any:
        if isinstance(v, bytes):
            return {"base64": base64.b64encode(v).decode()}
        if isinstance(v, float) and not math.isfinite(v):
            return str(v)
        return v

    return {column: value(v) for column, v in row.items() if column != ROWID}


class LegacyStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self.conn = connection
        self.present: set[tuple[str, str, str]] = set()
        self.mapped: dict[tuple[str, str], str] = {}
        self.pending: list[dict[str, Any]] = []

    async def load(self) -> None:
        table = LegacyRow.__table__
        query = select(table.c.source_table, table.c.source_key, table.c.digest, table.c.mapped_to)
        for source_table, source_key, digest, mapped_to in await self.conn.execute(query):
            self.present.add((source_table, source_key, digest))
            if mapped_to:
                self.mapped[(source_table, source_key)] = mapped_to

    def mapped_to(self, table: str, key: str) -> str | None:
        """What an earlier run (or this one) mapped this source row into, e.g. `companies/14`."""
        return self.mapped.get((table, key[:255]))

    def keep(
        self, table: str, key: str, row: dict[str, Any], *, reason: str | None, mapped_to: str | None = None
    ) -> bool:
        """Queue the row's raw copy; False when the same row is already kept."""
        key = key[:255]  # the column's length; the full key is in the row's data anyway
        data = as_json_row(row)
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
        if (table, key, digest) in self.present:
            return False
        self.present.add((table, key, digest))
        if mapped_to:
            self.mapped[(table, key)] = mapped_to
        self.pending.append(
            {
                "source_table": table,
                "source_key": key,
                "digest": digest,
                "data": data,
                "reason": reason,
                "mapped_to": mapped_to,
                "imported_at": utcnow(),
            }
        )
        return True

    async def flush(self) -> None:
        if self.pending:
            await self.conn.execute(LegacyRow.__table__.insert(), self.pending)
            self.pending = []
