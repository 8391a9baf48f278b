"""Traceability events and timelines (C-40..C-45)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from triboka_api.api.schemas.common import Message


class TraceEvent(BaseModel):
    """The public view; the private fields appear for admins (and on writes)."""

    id: int
    event_type: str | None
    entity_type: str | None
    entity_id: str | None
    title: str | None
    description: str | None
    location: str | None
    actor_id: int | None
    actor_name: str | None
    event_timestamp: str | None
    status: str | None
    is_public: bool | None
    created_at: str | None
    event_data: dict[str, Any] | None = None
    measurements: dict[str, Any] | None = None
    blockchain_tx_hash: str | None = None
    blockchain_block_number: int | None = None
    tags: list[Any] | None = None


class EventRecorded(Message):
    event: TraceEvent
    blockchain_registered: bool


class EventChanged(Message):
    event: TraceEvent


class EventView(BaseModel):
    event: TraceEvent


class EventPagination(BaseModel):
    total: int
    limit: int
    offset: int
    has_more: bool


class EventList(BaseModel):
    events: list[TraceEvent]
    pagination: EventPagination


class Timeline(BaseModel):
    id: int
    entity_type: str
    entity_id: str
    title: str | None
    description: str | None
    status: str | None
    total_events: int | None
    completed_events: int | None
    blockchain_events: int | None
    started_at: str | None
    completed_at: str | None
    estimated_completion: str | None
    last_event_timestamp: str | None
    created_at: str | None
    updated_at: str | None
    events: list[TraceEvent]


class Verification(BaseModel):
    entity_type: str
    entity_id: str
    total_events: int
    blockchain_events: int
    last_update: str | None
    verification_status: str
    events: list[TraceEvent]
