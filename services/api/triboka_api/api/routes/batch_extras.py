"""S-07..S-10: the caller's purchases, available batches, batch search and batch traceability.

Registered before the batches router: `/api/batches/available` and `/api/batches/search` would otherwise be
taken for `/api/batches/{batch_id}`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from triboka_api.api.deps import PrincipalDep, SessionDep
from triboka_api.api.errors import bad_request, forbidden, not_found
from triboka_api.api.openapi import documented
from triboka_api.api.routes.lots import lot_items
from triboka_api.api.schemas.extras import (
    AvailableBatch,
    BatchSearchItem,
    BatchTraceability,
    PurchasedLotItem,
)
from triboka_api.domain.access import batch_visible_to, of_company
from triboka_api.domain.dashboards import AVAILABLE_BATCH_STATUSES
from triboka_api.models import BatchNft, ProducerLot
from triboka_api.queries import lots_by_id
from triboka_api.serializers.batches import batch_available_item, batch_base, batch_search_item
from triboka_api.serializers.lots import lot_chain_link, lot_purchase_item

router = APIRouter(tags=["batches"])


@router.get("/api/purchases", tags=["lots"], **documented(list[PurchasedLotItem], 404))
async def purchases(principal: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """Lots bought by the caller's company (any role that has a company, as the first generation)."""
    if principal.company_id is None:
        raise not_found("Company")
    lots = await session.scalars(
        select(ProducerLot)
        .where(of_company(ProducerLot.purchased_by_company_id, principal.company_id))
        .order_by(ProducerLot.purchase_date.desc().nulls_last(), ProducerLot.id.desc())
    )
    return [lot_purchase_item(lot) for lot in lots.unique()]


@router.get("/api/batches/available", **documented(list[AvailableBatch]))
async def available_batches(_: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    batches = await session.scalars(
        select(BatchNft).where(BatchNft.status.in_(AVAILABLE_BATCH_STATUSES)).order_by(BatchNft.id.desc())
    )
    return [batch_available_item(b) for b in batches.unique()]


@router.get("/api/batches/search", **documented(list[BatchSearchItem], 400))
async def search_batches(
    _: PrincipalDep, session: SessionDep, q: str | None = None, code: str | None = None
) -> list[dict[str, Any]]:
    """`q`, or (Δ) `code` as the web client sends it; a case-insensitive substring of the batch code."""
    term = (q if q is not None else code or "").strip()
    if not term:
        raise bad_request("Query parameter 'q' is required")
    batches = await session.scalars(
        select(BatchNft).where(BatchNft.batch_code.icontains(term, autoescape=True)).order_by(BatchNft.id)
    )
    return [batch_search_item(b) for b in batches.unique()]


@router.get("/api/batches/{batch_id}/traceability", **documented(BatchTraceability, 403, 404))
async def batch_traceability(batch_id: int, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    batch = await session.get(BatchNft, batch_id)
    if batch is None:
        raise not_found("Batch")
    if not await batch_visible_to(session, principal, batch):  # Δ: the C-24 rule (ORIG checked nothing)
        raise forbidden("No access to this batch")
    lots = await lots_by_id(session, batch.source_lot_ids)
    return {
        "batch": batch_base(batch),
        "source_lots": await lot_items(session, batch.source_lot_ids),
        "traceability_chain": [lot_chain_link(lots[i]) for i in batch.source_lot_ids if i in lots],
    }
