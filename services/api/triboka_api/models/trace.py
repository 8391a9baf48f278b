from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triboka_api.models.base import Base, created_ts, intpk, str50, str100, str255, updated_ts, utcnow


class TraceEvent(Base):
    __tablename__ = "trace_events"
    __table_args__ = (
        Index("ix_trace_events_entity_time", "entity_type", "entity_id", "event_timestamp"),
        # one event per position of an entity's hash chain (domain.trace_chain)
        Index("ux_trace_events_entity_chain", "entity_type", "entity_id", "chain_seq", unique=True),
    )

    id: Mapped[intpk]
    event_type: Mapped[str] = mapped_column(String(100), index=True)
    entity_type: Mapped[str50]
    entity_id: Mapped[str100]
    title: Mapped[str255]
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str255 | None]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str255 | None]
    event_data: Mapped[dict[str, Any] | None]
    measurements: Mapped[dict[str, Any] | None]
    tags: Mapped[list[Any] | None]
    blockchain_tx_hash: Mapped[str100 | None]
    blockchain_block_number: Mapped[int | None]
    blockchain_timestamp: Mapped[datetime | None]
    digital_signature_id: Mapped[int | None]
    status: Mapped[str50] = mapped_column(default="active")
    is_public: Mapped[bool] = mapped_column(default=True, index=True)
    event_timestamp: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # the entity's hash chain (domain.trace_chain): position, the previous event's seal and this event's
    chain_seq: Mapped[int | None]
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    event_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created_ts]
    updated_at: Mapped[updated_ts]


class TraceTimeline(Base):
    __tablename__ = "trace_timelines"
    __table_args__ = (UniqueConstraint("entity_type", "entity_id"),)

    id: Mapped[intpk]
    entity_type: Mapped[str50]
    entity_id: Mapped[str100]
    parent_event_id: Mapped[int | None] = mapped_column(ForeignKey("trace_events.id"))
    title: Mapped[str255]
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str50] = mapped_column(default="active")
    total_events: Mapped[int] = mapped_column(default=0)
    completed_events: Mapped[int] = mapped_column(default=0)
    blockchain_events: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    estimated_completion: Mapped[datetime | None]
    tags: Mapped[list[Any] | None]
    custom_data: Mapped[dict[str, Any] | None]
    created_at: Mapped[created_ts]
    updated_at: Mapped[updated_ts]
