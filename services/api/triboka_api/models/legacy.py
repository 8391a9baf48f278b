from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base, created_ts, intpk


class LegacyRow(Base):
    """A first-generation row kept as it was by `import-sqlite`, so that nothing is lost: rows without a home in
    this schema (`mapped_to` null, `reason` says why) and the raw form of rows that were mapped into it
    (`mapped_to` names the row they became, e.g. `companies/14`). The digest makes a re-import a no-op while a
    changed row of a later snapshot is kept as a second version."""

    __tablename__ = "legacy_rows"
    __table_args__ = (UniqueConstraint("source_table", "source_key", "digest"),)

    id: Mapped[intpk]
    source_table: Mapped[str] = mapped_column(String(128), index=True)
    source_key: Mapped[str] = mapped_column(String(255))
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    reason: Mapped[str | None] = mapped_column(Text)
    mapped_to: Mapped[str | None] = mapped_column(String(128))
    imported_at: Mapped[created_ts]
