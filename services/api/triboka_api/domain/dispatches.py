"""Dispatch status machine (§4.9) and the batch quantity still available for dispatch."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.models import BatchNft, Dispatch

DISPATCH_STATUSES = ("planned", "in_transit", "delivered", "cancelled")
DISPATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"in_transit", "cancelled"}),
    "in_transit": frozenset({"delivered", "cancelled"}),
    "delivered": frozenset(),
    "cancelled": frozenset(),
}


def transition_error(current: str, target: str) -> str | None:
    if target not in DISPATCH_STATUSES:
        return f"Invalid status '{target}'. Valid: {', '.join(DISPATCH_STATUSES)}"
    if target not in DISPATCH_TRANSITIONS.get(current, frozenset()):
        return f"Cannot change dispatch status from '{current}' to '{target}'"
    return None


async def available_mt(session: AsyncSession, batch: BatchNft) -> Decimal:
    """Batch weight in MT minus what non-cancelled dispatches of the batch already carry."""
    dispatched = await session.scalar(
        select(func.coalesce(func.sum(Dispatch.quantity_mt), 0)).where(
            Dispatch.batch_id == batch.id, Dispatch.status != "cancelled"
        )
    )
    return (batch.total_weight_kg or Decimal(0)) / 1000 - Decimal(dispatched or 0)
