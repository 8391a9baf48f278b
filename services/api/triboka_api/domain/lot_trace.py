"""A lot's traceability (C-20): the batches it went into and its derived (not stored) timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from triboka_api.domain.lots import LOT_BATCHED, LOT_PURCHASED
from triboka_api.models import BatchLot, BatchNft, ProducerLot
from triboka_api.serializers.common import certification_list, company_name, iso


async def lot_batches(session: AsyncSession, lot_id: int) -> Sequence[BatchNft]:
    """The batches holding the lot, oldest first, with their members loaded."""
    batches = await session.scalars(
        select(BatchNft)
        .join(BatchLot, BatchLot.batch_id == BatchNft.id)
        .where(BatchLot.lot_id == lot_id)
        .options(selectinload(BatchNft.members))
        .order_by(BatchNft.id)
    )
    return batches.unique().all()


def _event(
    event: str, when: datetime | None, actor: str | None, description: str, icon: str, color: str
) -> dict[str, Any]:
    return {
        "event": event,
        "timestamp": iso(when),
        "actor": actor,
        "description": description,
        "tx_hash": None,
        "block_number": None,
        "icon": icon,
        "color": color,
    }


def lot_timeline(
    lot: ProducerLot, batches: Sequence[BatchNft], contract_exporter: str | None
) -> list[dict[str, Any]]:
    """The derived (not stored) timeline of C-20, newest first."""
    producer = company_name(lot.producer_company)
    items = [
        _event(
            "Lote registrado",
            lot.created_at,
            producer,
            f"Lote {lot.lot_code} registrado en {lot.farm_name or 'finca'}",
            "seedling",
            "success",
        )
    ]
    if certification_list(lot.certifications):
        items.append(
            _event(
                "Certificaciones verificadas",
                lot.created_at,
                producer,
                f"Certificaciones: {', '.join(certification_list(lot.certifications))}",
                "certificate",
                "info",
            )
        )
    if lot.status in (LOT_PURCHASED, LOT_BATCHED) and lot.purchase_date is not None:
        buyer = company_name(lot.purchased_by_company) or contract_exporter or "Exportador"
        items.append(
            _event(
                "Lote comprado",
                lot.purchase_date,
                buyer,
                f"Compra del lote por {buyer}",
                "handshake",
                "primary",
            )
        )
    for batch in batches:
        items.append(
            _event(
                "Agregado a lote de exportación",
                batch.created_at,
                company_name(batch.creator_company),
                f"Incluido en el lote {batch.batch_code}",
                "boxes",
                "warning",
            )
        )
    # Newest first; at equal timestamps the later step first, so the timeline always ends with the creation.
    order = sorted(
        range(len(items)),
        key=lambda i: (items[i]["timestamp"] is not None, items[i]["timestamp"] or "", i),
        reverse=True,
    )
    return [items[i] for i in order]
