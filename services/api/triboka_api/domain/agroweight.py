"""The AgroWeight integration (S-55..S-57): what a company's API key may read and write.

Scope (Δ 159): S-55 reads any lot, as the contract says. S-56 records an event only on a lot the key's company
produced or bought (another company's lot is a 403: a key must not write into someone else's history). S-57 batches
only lots the key's company bought and that are still `purchased`; every other lot (another company's, still
available, already batched) is skipped, as the contract skips lots in the wrong status; already batched lots are
not moved (Δ 160: moving them would leave their first batch's weight and dispatches wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.bounds import id_bound
from triboka_api.domain.errors import NotFoundError, PermissionDeniedError, RuleViolationError
from triboka_api.domain.lots import LOT_BATCHED, LOT_PURCHASED
from triboka_api.domain.timelines import refresh_timeline_stats, timeline
from triboka_api.domain.trace_chain import record_event
from triboka_api.models import BatchLot, BatchNft, ProducerLot, TraceEvent, utcnow
from triboka_api.queries import rows_changed


async def lot_by_nft(session: AsyncSession, nft_hash: str) -> ProducerLot:
    lot = await session.scalar(
        select(ProducerLot)
        .where(or_(ProducerLot.blockchain_lot_id == nft_hash, ProducerLot.lot_code == nft_hash))
        .order_by(ProducerLot.id)
        .limit(1)
    )
    if lot is None:
        raise NotFoundError("Lot")
    return lot


async def record_lot_event(
    session: AsyncSession, company_id: int, lot_id: int, body: dict[str, Any]
) -> TraceEvent:
    """S-56: a trace event on the lot (`event_type` = tipo, the whole body as `event_data`, no actor)."""
    lot = await session.get(ProducerLot, lot_id)
    if lot is None:
        raise NotFoundError("Lot")
    if company_id not in (lot.producer_company_id, lot.purchased_by_company_id):
        raise PermissionDeniedError("This key's company neither produced nor bought the lot")
    tipo = str(body["tipo"])
    event = TraceEvent(
        event_type=tipo,
        entity_type="lot",
        entity_id=str(lot.id),
        title=f"Evento: {tipo}",
        description=body.get("descripcion") if isinstance(body.get("descripcion"), str) else None,
        actor_id=None,
        event_data=body,
        measurements={},
        tags=[],
        is_public=True,
        status="active",
    )
    await record_event(session, event)  # the next link of the lot's hash chain (S-78 validates it)
    await session.commit()
    line = await timeline(session, "lot", str(lot.id))
    await refresh_timeline_stats(session, line)
    await session.commit()
    await session.refresh(event)
    return event


@dataclass(frozen=True)
class BatchRequest:
    batch_code: str
    lot_ids: list[int]
    batch_type: str
    location: str | None


async def batch_from_lots(session: AsyncSession, company_id: int, request: BatchRequest) -> BatchNft:
    """S-57: a batch owned by the key's company from its purchased lots (request order, duplicates once)."""
    if await session.scalar(select(BatchNft.id).where(BatchNft.batch_code == request.batch_code)) is not None:
        raise RuleViolationError(f"batch_code {request.batch_code} already exists")
    ids = id_bound()
    # an id beyond the column's range names no lot: skipped like any other (PostgreSQL refuses it as a parameter)
    wanted = [i for i in dict.fromkeys(request.lot_ids) if ids.low <= i <= ids.high]
    found = {
        lot.id: lot
        for lot in await session.scalars(
            select(ProducerLot).where(
                ProducerLot.id.in_(wanted),
                ProducerLot.status == LOT_PURCHASED,
                ProducerLot.purchased_by_company_id == company_id,
            )
        )
    }
    lots = [found[i] for i in wanted if i in found]
    if not lots:
        raise RuleViolationError("No valid lots: only purchased lots of this key's company can be batched")
    batch = BatchNft(
        batch_code=request.batch_code,
        total_weight_kg=sum(lot.weight_kg or 0 for lot in lots),
        batch_type=request.batch_type,
        location=request.location,
        creator_company_id=company_id,
        current_owner_company_id=company_id,
        blockchain_batch_id=None,
        status="created",
        members=[BatchLot(position=i, lot_id=lot.id, weight_kg=lot.weight_kg) for i, lot in enumerate(lots)],
    )
    session.add(batch)
    try:
        await session.flush()
        moved = await rows_changed(
            session,
            update(ProducerLot)
            .where(ProducerLot.id.in_([lot.id for lot in lots]), ProducerLot.status == LOT_PURCHASED)
            .values(status=LOT_BATCHED, batch_id=batch.id, updated_at=utcnow()),
        )
        if moved != len(lots):  # a concurrent batch took one of them first
            raise RuleViolationError("A lot was batched concurrently; retry")
        await session.commit()
    except IntegrityError as exc:  # the same batch_code created concurrently
        await session.rollback()
        raise RuleViolationError(f"batch_code {request.batch_code} already exists") from exc
    except RuleViolationError:
        await session.rollback()
        raise
    return batch
