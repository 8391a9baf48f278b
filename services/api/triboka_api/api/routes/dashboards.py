"""C-47..C-50: role dashboards and the analytics summary."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import selectinload

from triboka_api.api.deps import PrincipalDep, SessionDep, require_roles
from triboka_api.api.openapi import documented
from triboka_api.api.schemas.dashboards import (
    AnalyticsSummary,
    BuyerDashboard,
    ExporterDashboard,
    ProducerDashboard,
)
from triboka_api.domain.access import of_company
from triboka_api.domain.principal import Principal
from triboka_api.models import BatchNft, Company, ContractFixation, ExportContract, ProducerLot
from triboka_api.queries import lots_by_id
from triboka_api.serializers.common import certification_list, company_name, iso, num

router = APIRouter(tags=["dashboards"])

ProducerDashDep = Annotated[Principal, Depends(require_roles("producer", "admin"))]
ExporterDashDep = Annotated[Principal, Depends(require_roles("exporter", "admin"))]
BuyerDashDep = Annotated[Principal, Depends(require_roles("buyer", "admin"))]
BLOCKCHAIN_STATUS = {
    "connected": False,
    "network": None,
    "chain_id": None,
    "account": None,
    "balance": 0.0,
    "contracts_loaded": 0,
    "contracts": [],
    "simulation_mode": False,
}
AVAILABLE_BATCH_STATUSES = ("created", "active")


def _sum(column):
    return func.coalesce(func.sum(column), 0)


@router.get("/api/dashboard/producer", **documented(ProducerDashboard))
async def producer_dashboard(principal: ProducerDashDep, session: SessionDep) -> dict[str, Any]:
    company = principal.company_id
    mine = of_company(ProducerLot.producer_company_id, company)
    total, available, purchased, weight, revenue = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(ProducerLot.status == "available"),
                func.count().filter(ProducerLot.status == "purchased"),
                _sum(ProducerLot.weight_kg),
                _sum(ProducerLot.purchase_price_usd),
            ).where(mine)
        )
    ).one()
    rows = await session.execute(
        select(ProducerLot, Company.name)
        .outerjoin(ExportContract, ExportContract.id == ProducerLot.export_contract_id)
        .outerjoin(Company, Company.id == ExportContract.exporter_company_id)
        .where(mine)
        .order_by(ProducerLot.id)
        .limit(20)
    )
    return {
        "metrics": {
            "total_lots": total,
            "available_lots": available,
            "purchased_lots": purchased,
            "total_weight_kg": float(weight),
            "total_revenue_usd": float(revenue),
        },
        "lots": [
            {
                "id": lot.id,
                "lot_code": lot.lot_code,
                "producer_company": company_name(lot.producer_company),
                "farm_name": lot.farm_name,
                "location": lot.location,
                "weight_kg": num(lot.weight_kg),
                "quality_grade": lot.quality_grade,
                "harvest_date": iso(lot.harvest_date),
                "purchase_date": iso(lot.purchase_date),
                "purchase_price_usd": num(lot.purchase_price_usd),
                "status": lot.status,
                "certifications": certification_list(lot.certifications),
                "exporter_name": exporter,
            }
            for lot, exporter in rows.unique()
        ],
    }


def _producer_name(lot: ProducerLot) -> str | None:
    return company_name(lot.producer_company) or lot.producer_name


@router.get("/api/dashboard/exporter", **documented(ExporterDashboard))
async def exporter_dashboard(principal: ExporterDashDep, session: SessionDep) -> dict[str, Any]:
    company = principal.company_id
    bought = and_(of_company(ProducerLot.purchased_by_company_id, company), ProducerLot.status == "purchased")
    own_batches = of_company(BatchNft.creator_company_id, company)
    # the five figures in one round trip
    purchased_count, purchased_weight, available_count, batch_count, batch_weight = (
        await session.execute(
            select(
                select(func.count()).where(bought).scalar_subquery(),
                select(_sum(ProducerLot.weight_kg)).where(bought).scalar_subquery(),
                select(func.count()).where(ProducerLot.status == "available").scalar_subquery(),
                select(func.count()).select_from(BatchNft).where(own_batches).scalar_subquery(),
                select(_sum(BatchNft.total_weight_kg)).where(own_batches).scalar_subquery(),
            )
        )
    ).one()
    available = await session.scalars(
        select(ProducerLot).where(ProducerLot.status == "available").order_by(ProducerLot.id).limit(20)
    )
    purchased = await session.scalars(select(ProducerLot).where(bought).order_by(ProducerLot.id).limit(20))
    batches = await session.scalars(
        select(BatchNft).where(own_batches).order_by(BatchNft.id.desc()).limit(10)
    )
    return {
        "metrics": {
            "total_purchased_lots": purchased_count,
            "total_weight_purchased_kg": float(purchased_weight),
            "total_batches": batch_count,
            "total_batch_weight_kg": float(batch_weight),
            "available_lots_count": available_count,
        },
        "available_lots": [
            {
                "id": lot.id,
                "lot_code": lot.lot_code,
                "producer_name": _producer_name(lot),
                "farm_name": lot.farm_name,
                "location": lot.location,
                "weight_kg": num(lot.weight_kg),
                "quality_grade": lot.quality_grade,
                "harvest_date": iso(lot.harvest_date),
                "certifications": certification_list(lot.certifications),
                "status": lot.status,
            }
            for lot in available.unique()
        ],
        "purchased_lots": [
            {
                "id": lot.id,
                "lot_code": lot.lot_code,
                "producer_name": _producer_name(lot),
                "weight_kg": num(lot.weight_kg),
                "purchase_price_usd": num(lot.purchase_price_usd),
                "purchase_date": iso(lot.purchase_date),
                "quality_grade": lot.quality_grade,
                "status": lot.status,
            }
            for lot in purchased.unique()
        ],
        "batches": [
            {
                "id": b.id,
                "batch_code": b.batch_code,
                "total_weight_kg": num(b.total_weight_kg),
                "status": b.status,
                "created_at": iso(b.created_at),
            }
            for b in batches.unique()
        ],
    }


@router.get("/api/dashboard/buyer", **documented(BuyerDashboard))
async def buyer_dashboard(_: BuyerDashDep, session: SessionDep) -> dict[str, Any]:
    open_batch = BatchNft.status.in_(AVAILABLE_BATCH_STATUSES)
    count, weight = (
        await session.execute(select(func.count(), _sum(BatchNft.total_weight_kg)).where(open_batch))
    ).one()
    batches = (
        (
            await session.scalars(
                select(BatchNft)
                .where(open_batch)
                .options(selectinload(BatchNft.members))
                .order_by(BatchNft.id.desc())
                .limit(20)
            )
        )
        .unique()
        .all()
    )
    lots = await lots_by_id(session, (i for b in batches for i in b.source_lot_ids))
    items = []
    for batch in batches:
        source = [lots[i] for i in batch.source_lot_ids if i in lots]
        certifications: list[str] = []
        for lot in source:
            certifications += [c for c in certification_list(lot.certifications) if c not in certifications]
        items.append(
            {
                "id": batch.id,
                "batch_code": batch.batch_code,
                "exporter_name": company_name(batch.creator_company) or "N/A",
                "total_weight_kg": num(batch.total_weight_kg),
                "quality_grade": next((lot.quality_grade for lot in source if lot.quality_grade), "N/A"),
                "status": batch.status,
                "created_at": iso(batch.created_at),
                "source_lots_count": len(source),
                "certifications": certifications,
                "location": batch.location or "N/A",
            }
        )
    return {
        "metrics": {"available_batches": count, "total_weight_available_kg": float(weight)},
        "batches": items,
    }


async def _contract_metrics(session: SessionDep, scope) -> tuple[int, int, float, float]:
    total, active, volume, fixed = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(ExportContract.status == "active"),
                _sum(ExportContract.total_volume_mt),
                _sum(ExportContract.fixed_volume_mt),
            ).where(scope)
        )
    ).one()
    return total, active, float(volume), float(fixed)


@router.get("/api/analytics/dashboard", **documented(AnalyticsSummary))
async def analytics_dashboard(principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    company = principal.company_id
    if principal.is_admin:
        total, active, volume, fixed = await _contract_metrics(session, true())
        lots_total, lots_available = (
            await session.execute(
                select(func.count(), func.count().filter(ProducerLot.status == "available"))
            )
        ).one()
        return {
            "total_contracts": total,
            "active_contracts": active,
            "total_volume_mt": volume,
            "fixed_volume_mt": fixed,
            "total_lots": lots_total,
            "available_lots": lots_available,
            "total_companies": await session.scalar(select(func.count(Company.id))),
            "blockchain_status": BLOCKCHAIN_STATUS,
        }
    if principal.role == "exporter":
        total, active, volume, fixed = await _contract_metrics(
            session, of_company(ExportContract.exporter_company_id, company)
        )
        fixations = await session.scalar(
            select(func.count(ContractFixation.id))
            .join(ExportContract, ExportContract.id == ContractFixation.export_contract_id)
            .where(of_company(ExportContract.exporter_company_id, company))
        )
        # "Purchase" contracts of the from-lots flow store the producer in the exporter column (§9 #11).
        producers = (
            select(ExportContract.exporter_company_id)
            .where(
                of_company(ExportContract.buyer_company_id, company),
                ExportContract.status.in_(("active", "completed")),
            )
            .distinct()
        )
        producer_count = await session.scalar(select(func.count()).select_from(producers.subquery()))
        lots_with_contract = await session.scalar(
            select(func.count()).where(
                ProducerLot.status == "available", ProducerLot.producer_company_id.in_(producers)
            )
        )
        return {
            "my_contracts": total,
            "active_contracts": active,
            "total_volume_mt": volume,
            "fixed_volume_mt": fixed,
            "my_fixations": fixations,
            "available_lots_with_contract": lots_with_contract,
            "producers_with_contract": producer_count,
        }
    if principal.role == "buyer":
        total, active, volume, fixed = await _contract_metrics(
            session, of_company(ExportContract.buyer_company_id, company)
        )
        return {
            "my_contracts": total,
            "active_contracts": active,
            "total_volume_mt": volume,
            "fixed_volume_mt": fixed,
        }
    if principal.role == "producer":
        mine, available, weight, assigned = (
            await session.execute(
                select(
                    func.count(),
                    func.count().filter(ProducerLot.status == "available"),
                    _sum(ProducerLot.weight_kg),
                    func.count(ProducerLot.export_contract_id),
                ).where(of_company(ProducerLot.producer_company_id, company))
            )
        ).one()
        return {
            "my_lots": mine,
            "available_lots": available,
            "total_weight_kg": float(weight),
            "assigned_lots": assigned,
        }
    return {}
