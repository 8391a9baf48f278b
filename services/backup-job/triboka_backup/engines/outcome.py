from __future__ import annotations

from pydantic import BaseModel


class DumpOutcome(BaseModel):
    """What a dump learned about the database, for the manifest."""

    server_version: str
    database_name: str
    schema_revision: str | None
    row_counts: dict[str, int]
