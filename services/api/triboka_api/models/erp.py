"""ERP connections (S-60..S-67): persisted, their credentials encrypted at rest (`domain/key_ring.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base, created_ts, intpk, str255


class ErpConnection(Base):
    """One ERP a company's admin or operator connected. `credentials` holds the key ring's envelope of the JSON
    `{api_key, username, password}` (the connection id is its associated data); no endpoint returns it and nothing
    else stores those values."""

    __tablename__ = "erp_connections"

    id: Mapped[intpk]
    # the contract's id, `{system}_{YYYYMMDD_HHMMSS}` (a suffix `_2`, `_3`... when one second saw two)
    connection_id: Mapped[str] = mapped_column(String(64), unique=True)
    system_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str255]
    base_url: Mapped[str] = mapped_column(String(500))
    credentials: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="connected")
    last_sync: Mapped[datetime | None]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_ts]
