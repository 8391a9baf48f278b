from __future__ import annotations

from typing import Any

from triboka_api.models import TraceEvent, TraceTimeline
from triboka_api.serializers.common import iso


def event_view(event: TraceEvent, *, private: bool) -> dict[str, Any]:
    """The public view (`to_dict()`), plus the private fields when `private` (`to_dict(include_private=True)`)."""
    view = {
        "id": event.id,
        "event_type": event.event_type,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "title": event.title,
        "description": event.description,
        "location": event.location,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "event_timestamp": iso(event.event_timestamp),
        "status": event.status,
        "is_public": event.is_public,
        "created_at": iso(event.created_at),
    }
    if private:
        view |= {
            "event_data": event.event_data if event.event_data is not None else {},
            "measurements": event.measurements if event.measurements is not None else {},
            "blockchain_tx_hash": event.blockchain_tx_hash,
            "blockchain_block_number": event.blockchain_block_number,
            "tags": event.tags if event.tags is not None else [],
        }
    return view


def timeline_view(timeline: TraceTimeline, events: list[TraceEvent], *, private: bool) -> dict[str, Any]:
    return {
        "id": timeline.id,
        "entity_type": timeline.entity_type,
        "entity_id": timeline.entity_id,
        "title": timeline.title,
        "description": timeline.description,
        "status": timeline.status,
        "total_events": timeline.total_events,
        "completed_events": timeline.completed_events,
        "blockchain_events": timeline.blockchain_events,
        "started_at": iso(timeline.started_at),
        "completed_at": iso(timeline.completed_at),
        "estimated_completion": iso(timeline.estimated_completion),
        "last_event_timestamp": iso(max((e.event_timestamp for e in events), default=None)),
        "created_at": iso(timeline.created_at),
        "updated_at": iso(timeline.updated_at),
        "events": [event_view(e, private=private) for e in events],
    }
