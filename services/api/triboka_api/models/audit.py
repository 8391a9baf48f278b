from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base, intpk, str255


class AuditRecord(Base):
    """One security event (`triboka_api.audit` writes them). The user ids are plain integers, not foreign keys:
    the trail must outlive the users it names, and a deleted user's id is never handed out again."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime, index=True
    )  # naive UTC, as every timestamp (§1.5)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(index=True)
    target_user_id: Mapped[int | None] = mapped_column(index=True)
    target_email: Mapped[str255 | None]
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any] | None]
