"""The dashboards' figures (C-47..C-50): the aggregations and the short lists each role's dashboard shows, one
round trip per figure group. The routes only shape them into the contract's JSON."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from triboka_api.domain.access import of_company
from triboka_api.domain.lots import LOT_AVAILABLE, LOT_PURCHASED
from triboka_api.models import BatchNft, Company, ContractFixation, ExportContract, ProducerLot

# the batches a buyer may still take (C-49)
AVAILABLE_BATCH_STATUSES = ("created", "active")
# a dashboard's lists are short previews, newest or first few
PREVIEW_LOTS = 20
PREVIEW_BATCHES = 10


def _sum(column: SQLColumnExpression[Any]) -> ColumnElement[Decimal | float]:
    """SUM that is 0, not NULL, over no rows (a Decimal on PostgreSQL, a float on SQLite)."""
    return func.coalesce(func.sum(column), 0)


class ProducerFigures(NamedTuple):
    total: int
    available: int
    purchased: int
    weight_kg: float
    revenue_usd: float


async def producer_figures(session: AsyncSession, company: int | None) -> ProducerFigures:
    total, available, purchased, weight, revenue = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(ProducerLot.status == LOT_AVAILABLE),
                func.count().filter(ProducerLot.status == LOT_PURCHASED),
                _sum(ProducerLot.weight_kg),
                _sum(ProducerLot.purchase_price_usd),
            ).where(of_company(ProducerLot.producer_company_id, company))
        )
    ).one()
    return ProducerFigures(total, available, purchased, float(weight), float(revenue))


async def producer_lots_with_exporter(
    session: AsyncSession, company: int | None
) -> list[tuple[ProducerLot, str | None]]:
    """The producer's first lots, each with the name of the exporter of the contract it went into."""
    rows = await session.execute(
        select(ProducerLot, Company.name)
        .outerjoin(ExportContract, ExportContract.id == ProducerLot.export_contract_id)
        .outerjoin(Company, Company.id == ExportContract.exporter_company_id)
        .where(of_company(ProducerLot.producer_company_id, company))
        .order_by(ProducerLot.id)
        .limit(PREVIEW_LOTS)
    )
    return [(lot, exporter) for lot, exporter in rows.unique()]


class ExporterFigures(NamedTuple):
    purchased_lots: int
    purchased_weight_kg: float
    available_lots: int
    batches: int
    batch_weight_kg: float


class ExporterLists(NamedTuple):
    available: Sequence[ProducerLot]
    purchased: Sequence[ProducerLot]
    batches: Sequence[BatchNft]


def _bought_by(company: int | None) -> ColumnElement[bool]:
    return and_(of_company(ProducerLot.purchased_by_company_id, company), ProducerLot.status == LOT_PURCHASED)


async def exporter_figures(session: AsyncSession, company: int | None) -> ExporterFigures:
    bought = _bought_by(company)
    own_batches = of_company(BatchNft.creator_company_id, company)
    # the five figures in one round trip
    purchased, weight, available, batches, batch_weight = (
        await session.execute(
            select(
                select(func.count()).where(bought).scalar_subquery(),
                select(_sum(ProducerLot.weight_kg)).where(bought).scalar_subquery(),
                select(func.count()).where(ProducerLot.status == LOT_AVAILABLE).scalar_subquery(),
                select(func.count()).select_from(BatchNft).where(own_batches).scalar_subquery(),
                select(_sum(BatchNft.total_weight_kg)).where(own_batches).scalar_subquery(),
            )
        )
    ).one()
    return ExporterFigures(purchased, float(weight), available, batches, float(batch_weight))


async def exporter_lists(session: AsyncSession, company: int | None) -> ExporterLists:
    available = await session.scalars(
        select(ProducerLot)
        .where(ProducerLot.status == LOT_AVAILABLE)
        .order_by(ProducerLot.id)
        .limit(PREVIEW_LOTS)
    )
    purchased = await session.scalars(
        select(ProducerLot).where(_bought_by(company)).order_by(ProducerLot.id).limit(PREVIEW_LOTS)
    )
    batches = await session.scalars(
        select(BatchNft)
        .where(of_company(BatchNft.creator_company_id, company))
        .order_by(BatchNft.id.desc())
        .limit(PREVIEW_BATCHES)
    )
    return ExporterLists(available.unique().all(), purchased.unique().all(), batches.unique().all())


class BuyerFigures(NamedTuple):
    available_batches: int
    weight_kg: float


_OPEN_BATCH = BatchNft.status.in_(AVAILABLE_BATCH_STATUSES)


async def buyer_figures(session: AsyncSession) -> BuyerFigures:
    count, weight = (
        await session.execute(select(func.count(), _sum(BatchNft.total_weight_kg)).where(_OPEN_BATCH))
    ).one()
    return BuyerFigures(count, float(weight))


async def open_batches(session: AsyncSession) -> Sequence[BatchNft]:
    """The newest batches a buyer may take, with their members loaded."""
    batches = await session.scalars(
        select(BatchNft)
        .where(_OPEN_BATCH)
        .options(selectinload(BatchNft.members))
        .order_by(BatchNft.id.desc())
        .limit(PREVIEW_LOTS)
    )
    return batches.unique().all()


class ContractFigures(NamedTuple):
    total: int
    active: int
    volume_mt: float
    fixed_mt: float


async def contract_figures(session: AsyncSession, scope: ColumnElement[bool]) -> ContractFigures:
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
    return ContractFigures(total, active, float(volume), float(fixed))


async def all_contract_figures(session: AsyncSession) -> ContractFigures:
    return await contract_figures(session, true())


async def exporter_contract_figures(session: AsyncSession, company: int | None) -> ContractFigures:
    return await contract_figures(session, of_company(ExportContract.exporter_company_id, company))


async def buyer_contract_figures(session: AsyncSession, company: int | None) -> ContractFigures:
    return await contract_figures(session, of_company(ExportContract.buyer_company_id, company))


class PlatformCounts(NamedTuple):
    lots: int
    available_lots: int
    companies: int


async def platform_counts(session: AsyncSession) -> PlatformCounts:
    lots, available = (
        await session.execute(select(func.count(), func.count().filter(ProducerLot.status == LOT_AVAILABLE)))
    ).one()
    return PlatformCounts(lots, available, await session.scalar(select(func.count(Company.id))) or 0)


class ExporterReach(NamedTuple):
    fixations: int
    producers_with_contract: int
    available_lots_with_contract: int


async def exporter_reach(session: AsyncSession, company: int | None) -> ExporterReach:
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
            ProducerLot.status == LOT_AVAILABLE, ProducerLot.producer_company_id.in_(producers)
        )
    )
    return ExporterReach(fixations or 0, producer_count or 0, lots_with_contract or 0)


class ProducerCounts(NamedTuple):
    lots: int
    available: int
    weight_kg: float
    assigned: int


async def producer_counts(session: AsyncSession, company: int | None) -> ProducerCounts:
    mine, available, weight, assigned = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(ProducerLot.status == LOT_AVAILABLE),
                _sum(ProducerLot.weight_kg),
                func.count(ProducerLot.export_contract_id),
            ).where(of_company(ProducerLot.producer_company_id, company))
        )
    ).one()
    return ProducerCounts(mine, available, float(weight), assigned)
