"""Deal rooms: only what the core needs (change-context access and the trace permission rules)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base, created_ts, intpk, updated_ts


class Deal(Base):
    __tablename__ = "deals"

    id: Mapped[intpk]
    deal_code: Mapped[str] = mapped_column(String(50), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    admin_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    exporter_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    terms_public: Mapped[dict[str, Any] | None]
    terms_private: Mapped[dict[str, Any] | None]
    visibility_rules: Mapped[dict[str, Any] | None]
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_ts]
    updated_at: Mapped[updated_ts]


class DealMember(Base):
    __tablename__ = "deal_members"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int]
    party_type: Mapped[str] = mapped_column(String(20), default="company")
    role_in_deal: Mapped[str] = mapped_column(String(20))
    permissions: Mapped[list[Any] | None]
    status: Mapped[str] = mapped_column(String(20), default="invited")
    invited_at: Mapped[created_ts]


class DealTraceLink(Base):
    __tablename__ = "deal_trace_links"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    lote_ids: Mapped[list[Any] | None]
    batch_ids: Mapped[list[Any] | None]
    events: Mapped[list[Any] | None]
    created_at: Mapped[created_ts]
