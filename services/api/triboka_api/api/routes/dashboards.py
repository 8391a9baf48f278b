"""C-47..C-50: role dashboards and the analytics summary, served through the analytics cache when it is shared
(Redis; `api.cached.cached_when_shared`).

Each key names what the answer depends on: the company for the producer and exporter dashboards, nothing for the
buyer's (every open batch, the same for every buyer), the role and company for the summary. Any successful write
starts a new cache generation, so a figure is never older than the last write (see `analytics_cache`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.api.cached import cached_when_shared
from triboka_api.api.deps import PrincipalDep, SessionDep, require_roles
from triboka_api.api.openapi import documented
from triboka_api.api.schemas.dashboards import (
    AnalyticsSummary,
    BuyerDashboard,
    ExporterDashboard,
    ProducerDashboard,
)
from triboka_api.domain import dashboards
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import ProducerLot
from triboka_api.queries import lots_by_id
from triboka_api.serializers.common import certification_list, company_name, iso, num

router = APIRouter(tags=["dashboards"])

ProducerDashDep = Annotated[Principal, Depends(require_roles(Role.PRODUCER, Role.ADMIN))]
ExporterDashDep = Annotated[Principal, Depends(require_roles(Role.EXPORTER, Role.ADMIN))]
BuyerDashDep = Annotated[Principal, Depends(require_roles(Role.BUYER, Role.ADMIN))]
BLOCKCHAIN_STATUS: dict[str, Any] = {
    "connected": False,
    "network": None,
    "chain_id": None,
    "account": None,
    "balance": 0.0,
    "contracts_loaded": 0,
    "contracts": [],
    "simulation_mode": False,
}


@router.get("/api/dashboard/producer", **documented(ProducerDashboard))
async def producer_dashboard(
    principal: ProducerDashDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    company = principal.company_id
    return await cached_when_shared(
        request, f"dashboard:producer:{company}", lambda: _producer(session, company)
    )


async def _producer(session: AsyncSession, company: int | None) -> dict[str, Any]:
    figures = await dashboards.producer_figures(session, company)
    rows = await dashboards.producer_lots_with_exporter(session, company)
    return {
        "metrics": {
            "total_lots": figures.total,
            "available_lots": figures.available,
            "purchased_lots": figures.purchased,
            "total_weight_kg": figures.weight_kg,
            "total_revenue_usd": figures.revenue_usd,
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
            for lot, exporter in rows
        ],
    }


def _producer_name(lot: ProducerLot) -> str | None:
    return company_name(lot.producer_company) or lot.producer_name


@router.get("/api/dashboard/exporter", **documented(ExporterDashboard))
async def exporter_dashboard(
    principal: ExporterDashDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    company = principal.company_id
    return await cached_when_shared(
        request, f"dashboard:exporter:{company}", lambda: _exporter(session, company)
    )


async def _exporter(session: AsyncSession, company: int | None) -> dict[str, Any]:
    figures = await dashboards.exporter_figures(session, company)
    lists = await dashboards.exporter_lists(session, company)
    return {
        "metrics": {
            "total_purchased_lots": figures.purchased_lots,
            "total_weight_purchased_kg": figures.purchased_weight_kg,
            "total_batches": figures.batches,
            "total_batch_weight_kg": figures.batch_weight_kg,
            "available_lots_count": figures.available_lots,
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
            for lot in lists.available
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
            for lot in lists.purchased
        ],
        "batches": [
            {
                "id": b.id,
                "batch_code": b.batch_code,
                "total_weight_kg": num(b.total_weight_kg),
                "status": b.status,
                "created_at": iso(b.created_at),
            }
            for b in lists.batches
        ],
    }


@router.get("/api/dashboard/buyer", **documented(BuyerDashboard))
async def buyer_dashboard(_: BuyerDashDep, request: Request, session: SessionDep) -> dict[str, Any]:
    return await cached_when_shared(request, "dashboard:buyer", lambda: _buyer(session))


async def _buyer(session: AsyncSession) -> dict[str, Any]:
    batches = await dashboards.open_batches(session)
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
    figures = await dashboards.buyer_figures(session)
    return {
        "metrics": {
            "available_batches": figures.available_batches,
            "total_weight_available_kg": figures.weight_kg,
        },
        "batches": items,
    }


@router.get("/api/analytics/dashboard", **documented(AnalyticsSummary))
async def analytics_dashboard(
    principal: PrincipalDep, request: Request, session: SessionDep
) -> dict[str, Any]:
    # admins share one answer; every other answer is its role's figures for its company
    who = "admin" if principal.is_admin else f"{principal.role}:{principal.company_id}"
    return await cached_when_shared(request, f"dashboard:summary:{who}", lambda: _summary(session, principal))


async def _summary(session: AsyncSession, principal: Principal) -> dict[str, Any]:
    company = principal.company_id
    if principal.is_admin:
        contracts = await dashboards.all_contract_figures(session)
        counts = await dashboards.platform_counts(session)
        return {
            **_contract_totals(contracts, "total_contracts"),
            "total_lots": counts.lots,
            "available_lots": counts.available_lots,
            "total_companies": counts.companies,
            "blockchain_status": BLOCKCHAIN_STATUS,
        }
    if principal.role == Role.EXPORTER:
        contracts = await dashboards.exporter_contract_figures(session, company)
        reach = await dashboards.exporter_reach(session, company)
        return {
            **_contract_totals(contracts, "my_contracts"),
            "my_fixations": reach.fixations,
            "available_lots_with_contract": reach.available_lots_with_contract,
            "producers_with_contract": reach.producers_with_contract,
        }
    if principal.role == Role.BUYER:
        return _contract_totals(await dashboards.buyer_contract_figures(session, company), "my_contracts")
    if principal.role == Role.PRODUCER:
        mine = await dashboards.producer_counts(session, company)
        return {
            "my_lots": mine.lots,
            "available_lots": mine.available,
            "total_weight_kg": mine.weight_kg,
            "assigned_lots": mine.assigned,
        }
    return {}


def _contract_totals(figures: dashboards.ContractFigures, count_key: str) -> dict[str, Any]:
    return {
        count_key: figures.total,
        "active_contracts": figures.active,
        "total_volume_mt": figures.volume_mt,
        "fixed_volume_mt": figures.fixed_mt,
    }
