"""Per-entity trace timelines (C-41, S-56): the row every event of an entity counts into."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.models import TraceEvent, TraceTimeline, utcnow


async def timeline(session: AsyncSession, entity_type: str, entity_id: str) -> TraceTimeline:
    """Get or create the entity's timeline row (with a title: ORIG's missing title made this a 500)."""
    query = select(TraceTimeline).where(
        TraceTimeline.entity_type == entity_type, TraceTimeline.entity_id == entity_id
    )
    timeline = await session.scalar(query)
    if timeline is None:
        session.add(
            TraceTimeline(entity_type=entity_type, entity_id=entity_id, title=f"{entity_type} {entity_id}")
        )
        try:
            await session.commit()
        except IntegrityError:  # created concurrently
            await session.rollback()
        timeline = await session.scalar(query)
    assert timeline is not None
    return timeline


async def refresh_timeline_stats(session: AsyncSession, timeline: TraceTimeline) -> None:
    count, started, with_hash = (
        await session.execute(
            select(
                func.count(), func.min(TraceEvent.event_timestamp), func.count(TraceEvent.blockchain_tx_hash)
            ).where(
                TraceEvent.entity_type == timeline.entity_type, TraceEvent.entity_id == timeline.entity_id
            )
        )
    ).one()
    timeline.total_events, timeline.started_at, timeline.blockchain_events = count, started, with_hash
    timeline.updated_at = utcnow()
