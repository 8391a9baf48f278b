"""S-05: purchase contracts from available lots, one per producer company.

The contract's roles are deliberately inverted (the contract says so): the caller's company is the buyer and the
producer company is the "exporter" side. Each lot becomes purchased by the caller's company and linked to its
producer's contract; the price is not set.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.codes import commit_unique, free_code, purchase_code_base
from triboka_api.domain.contracts import to_cents
from triboka_api.domain.errors import NotFoundError, RuleViolationError
from triboka_api.domain.lots import LOT_AVAILABLE, LOT_PURCHASED
from triboka_api.models import Company, ExportContract, ProducerLot, utcnow
from triboka_api.queries import lots_by_id, rows_changed

KG_PER_MT = Decimal(1000)


@dataclass(frozen=True)
class PurchaseRequest:
    lot_ids: list[int]
    differential_usd: float
    delivery_date: datetime
    notes: str | None


@dataclass(frozen=True)
class PurchaseContract:
    contract_id: int
    contract_code: str
    producer: str
    volume_mt: float
    lot_count: int


async def _available_lots(session: AsyncSession, lot_ids: list[int]) -> list[ProducerLot]:
    found = await lots_by_id(session, lot_ids)
    missing = [i for i in lot_ids if i not in found]
    if missing:
        raise NotFoundError(f"Lot {missing[0]}")
    lots = [found[i] for i in dict.fromkeys(lot_ids)]
    for lot in lots:
        if lot.status != LOT_AVAILABLE:
            raise RuleViolationError(f"Lot {lot.lot_code} is not available (status: {lot.status})")
        if lot.producer_company is None:
            raise RuleViolationError(f"Lot {lot.lot_code} has no producer company")
    return lots


async def purchase_from_lots(
    session: AsyncSession, buyer: Company, request: PurchaseRequest, user_id: int
) -> list[PurchaseContract]:
    """All contracts and lot changes in one transaction. The lots move with a conditional UPDATE (status still
    `available`), so two concurrent requests for one lot cannot both buy it."""
    lots = await _available_lots(session, request.lot_ids)
    by_producer: dict[int, list[ProducerLot]] = defaultdict(list)
    for lot in lots:
        assert lot.producer_company_id is not None  # checked in _available_lots
        by_producer[lot.producer_company_id].append(lot)
    producers = {lot.producer_company_id: lot.producer_company for lot in lots}
    differential = to_cents(request.differential_usd)

    async def insert() -> list[PurchaseContract]:
        now = utcnow()
        made = []
        for producer_id, group in by_producer.items():
            producer = producers[producer_id]
            assert producer is not None
            volume = sum((lot.weight_kg or Decimal(0) for lot in group), Decimal(0)) / KG_PER_MT
            code = await free_code(session, purchase_code_base(buyer.name, producer.name, datetime.now()))
            contract = ExportContract(
                contract_code=code,
                buyer_company_id=buyer.id,
                exporter_company_id=producer_id,
                total_volume_mt=to_cents(volume),
                fixed_volume_mt=Decimal(0),
                differential_usd=differential,
                start_date=now,
                delivery_date=request.delivery_date,
                status="active",
                notes=request.notes,
                created_by_user_id=user_id,
            )
            session.add(contract)
            await session.flush()
            ids = [lot.id for lot in group]
            moved = await rows_changed(
                session,
                update(ProducerLot)
                .where(ProducerLot.id.in_(ids), ProducerLot.status == LOT_AVAILABLE)
                .values(
                    status=LOT_PURCHASED,
                    export_contract_id=contract.id,
                    purchased_by_company_id=buyer.id,
                    purchase_date=now,
                    updated_at=now,
                ),
            )
            if moved != len(ids):
                await session.rollback()
                raise RuleViolationError("A lot changed status meanwhile, please retry")
            made.append(
                PurchaseContract(
                    contract.id, code, producer.name, float(contract.total_volume_mt), len(group)
                )
            )
        return made

    return await commit_unique(session, insert)
