"""S-13..S-22: analytics computed from the stored data, scoped to what the caller may see.

Scope: admin and operator see everything; an exporter its company's contracts as exporter side, a buyer as buyer
side, a producer the contracts its lots are linked to (C-25's rule); lots are a producer's own and the lots an
exporter's or buyer's company purchased; any other role sees nothing (Δ 71). Figures the data cannot give (carbon
footprint, schools supported, ...) are null, never invented (§1.7's rule applied to analytics).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.domain.access import of_company, party_company
from triboka_api.domain.errors import RuleViolationError
from triboka_api.domain.lots import DEFAULT_QUALITY_SCORE, QUALITY_SCORES
from triboka_api.domain.market import FALLBACK_SPOT, volatility
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import (
    ContractFixation,
    Dispatch,
    ExportContract,
    MarketPrice,
    ProducerLot,
    TraceEvent,
    utcnow,
)

TREND_PERIODS = {"1d": 1, "7d": 7, "30d": 30, "90d": 90}
REPORT_TYPES = ("performance", "financial", "supply_chain", "quality")
STABLE_BAND_PCT = 1.0  # a move within ±1 % over the period is "stable"
# events that carry a moisture measurement (C-41 imports and S-75 types)
MEASURED_EVENT_TYPES = ("quality_check", "CALIDAD", "drying", "DRYING")
MOISTURE_LIMIT_PCT = 8.0  # above this, dried cacao beans risk mould (the usual trade limit is 7-8 %)
CERTIFICATIONS = {
    "organic": ("organic",),
    "fair_trade": ("fair trade", "fairtrade"),
    "rainforest_alliance": ("rainforest",),
}


@dataclass(frozen=True)
class Scope:
    """Row filters of what the caller may see, and a key naming them for the cache."""

    contracts: ColumnElement[bool]
    lots: ColumnElement[bool]
    key: str

    @property
    def fixations(self) -> ColumnElement[bool]:
        return ContractFixation.export_contract_id.in_(select(ExportContract.id).where(self.contracts))


def scope_of(principal: Principal) -> Scope:
    if principal.is_admin:
        return Scope(true(), true(), "all")
    company = party_company(principal)
    role = principal.role
    if company is None:
        return Scope(false(), false(), "none")
    if role == Role.PRODUCER:
        own_lots = of_company(ProducerLot.producer_company_id, company)
        linked = exists().where(ProducerLot.export_contract_id == ExportContract.id, own_lots)
        return Scope(linked, own_lots, f"producer:{company}")
    side = ExportContract.exporter_company_id if role == Role.EXPORTER else ExportContract.buyer_company_id
    return Scope(
        of_company(side, company),
        of_company(ProducerLot.purchased_by_company_id, company),
        f"{role}:{company}",
    )


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def view(self) -> dict[str, str]:
        return {"start_date": self.start.isoformat(), "end_date": self.end.isoformat()}


def period_of(start: datetime | None, end: datetime | None, default_days: int) -> Period:
    end = end or utcnow()
    start = start or end - timedelta(days=default_days)
    if end <= start:
        raise RuleViolationError("end_date must be after start_date")
    return Period(start, end)


def period_days(text: str | None, default: str = "30d") -> int:
    """`7d`, `30d`, ... (1 to 3650 days)."""
    value = (text or default).strip().lower()
    digits = value[:-1] if value.endswith("d") else value
    if not digits.isdigit() or not 1 <= int(digits) <= 3650:
        raise RuleViolationError("period must be a number of days such as '30d' (1 to 3650)")
    return int(digits)


def _pct(part: float, whole: float) -> float:
    return round(part / whole * 100, 2) if whole else 0.0


def _f(value: Any) -> float:
    return float(value or 0)


def _sum(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0)


def _in(column: Any, period: Period | None) -> ColumnElement[bool]:
    return true() if period is None else and_(column >= period.start, column <= period.end)


# Building blocks ------------------------------------------------------------------------------------------------


async def contract_figures(
    session: AsyncSession, scope: Scope, period: Period | None = None
) -> dict[str, Any]:
    where = and_(scope.contracts, _in(ExportContract.created_at, period))
    by_status = dict(
        (
            await session.execute(
                select(ExportContract.status, func.count()).where(where).group_by(ExportContract.status)
            )
        ).all()
    )
    total, volume, fixed = (
        await session.execute(
            select(
                func.count(), _sum(ExportContract.total_volume_mt), _sum(ExportContract.fixed_volume_mt)
            ).where(where)
        )
    ).one()
    return {
        "total": total,
        "by_status": by_status,
        "total_volume_mt": _f(volume),
        "fixed_volume_mt": _f(fixed),
        "fixation_rate": _pct(_f(fixed), _f(volume)),
    }


async def fixation_figures(
    session: AsyncSession, scope: Scope, period: Period | None = None
) -> dict[str, Any]:
    count, quantity, value, avg_spot = (
        await session.execute(
            select(
                func.count(),
                _sum(ContractFixation.fixed_quantity_mt),
                _sum(ContractFixation.total_value_usd),
                func.avg(ContractFixation.spot_price_usd),
            ).where(scope.fixations, _in(ContractFixation.fixation_date, period))
        )
    ).one()
    return {
        "total": count,
        "total_quantity_mt": _f(quantity),
        "total_value_usd": _f(value),
        "avg_spot_price_usd": round(_f(avg_spot), 2),
    }


async def lot_figures(session: AsyncSession, scope: Scope, period: Period | None = None) -> dict[str, Any]:
    where = and_(scope.lots, _in(ProducerLot.created_at, period))
    by_status = dict(
        (
            await session.execute(
                select(ProducerLot.status, func.count()).where(where).group_by(ProducerLot.status)
            )
        ).all()
    )
    total, weight = (
        await session.execute(select(func.count(), _sum(ProducerLot.weight_kg)).where(where))
    ).one()
    return {"total": total, "by_status": by_status, "total_weight_kg": _f(weight)}


def _lot_events() -> ColumnElement[bool]:
    return and_(TraceEvent.entity_type == "lot", TraceEvent.entity_id == cast(ProducerLot.id, String))


async def traceability_figures(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    lots = await session.scalar(select(func.count()).where(scope.lots)) or 0
    traced = await session.scalar(select(func.count()).where(scope.lots, exists().where(_lot_events()))) or 0
    events = (
        await session.scalar(
            select(func.count()).select_from(TraceEvent).join(ProducerLot, _lot_events()).where(scope.lots)
        )
        or 0
    )
    return {"events": events, "lots_with_events": traced, "coverage_pct": _pct(traced, lots)}


def _has_certification(names: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(func.lower(ProducerLot.certifications).contains(name) for name in names))


async def certification_figures(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    total = await session.scalar(select(func.count()).where(scope.lots)) or 0
    counts = {
        name: await session.scalar(select(func.count()).where(scope.lots, _has_certification(words))) or 0
        for name, words in CERTIFICATIONS.items()
    }
    certified = (
        await session.scalar(
            select(func.count()).where(
                scope.lots, ProducerLot.certifications.is_not(None), ProducerLot.certifications != ""
            )
        )
        or 0
    )
    fair_trade_producers = (
        await session.scalar(
            select(func.count(func.distinct(ProducerLot.producer_company_id))).where(
                scope.lots, _has_certification(CERTIFICATIONS["fair_trade"])
            )
        )
        or 0
    )
    return {
        "lots": total,
        "counts": counts,
        "pct": {name: _pct(count, total) for name, count in counts.items()},
        "certified": certified,
        "fair_trade_producers": fair_trade_producers,
    }


# S-13 -----------------------------------------------------------------------------------------------------------


async def esg(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    certs = await certification_figures(session, scope)
    trace = await traceability_figures(session, scope)
    lots = await lot_figures(session, scope)
    contracts = await contract_figures(session, scope)
    producers = (
        await session.scalar(
            select(func.count(func.distinct(ProducerLot.producer_company_id))).where(scope.lots)
        )
        or 0
    )
    certified_pct = _pct(certs["certified"], certs["lots"])
    strengths: list[str] = []
    improvements: list[str] = []
    for label, value in (("certified lots", certified_pct), ("traceability coverage", trace["coverage_pct"])):
        (strengths if value >= 75 else improvements).append(f"{label}: {value} %")
    pct = certs["pct"]
    return {
        "overall": {
            "esg_score": round((certified_pct + trace["coverage_pct"]) / 2, 2) if certs["lots"] else None,
            "sustainability_rating": None,
            "last_updated": utcnow().isoformat(),
            "improvement_areas": improvements,
            "strengths": strengths,
        },
        "environmental": {
            "carbon_footprint": {
                "total_co2_tons": None,
                "co2_per_ton": None,
                "reduction_target": None,
                "renewable_energy": None,
            },
            "water_usage": {
                "efficiency_score": None,
                "conservation_projects": None,
                "water_saved_liters": None,
            },
            "biodiversity": {
                "protected_hectares": None,
                "species_preserved": None,
                "reforestation_projects": None,
            },
            "waste_management": {
                "waste_recycled_pct": None,
                "organic_waste_composted": None,
                "plastic_reduction": None,
            },
        },
        "social": {
            "fair_trade": {
                "certified_lots": certs["counts"]["fair_trade"],
                "certified_producers": certs["fair_trade_producers"],
                "premium_paid_usd": None,
            },
            "worker_welfare": {"safety_score": None, "healthcare_coverage": None, "training_hours": None},
            "community_impact": {
                "schools_supported": None,
                "healthcare_centers": None,
                "micro_credits_granted": None,
            },
            "gender_equality": {"women_producers": None, "women_leadership": None, "equal_pay_score": None},
        },
        "governance": {
            "transparency": {
                "blockchain_traced_pct": 0.0,
                "public_reporting": None,
                "third_party_audits": None,
                "audit_compliance": None,
            },
            "compliance": {
                "certifications_current": certs["certified"],
                "regulatory_compliance": None,
                "dispute_resolution": None,
            },
            "certifications": {
                "organic_pct": pct["organic"],
                "fair_trade_pct": pct["fair_trade"],
                "rainforest_alliance_pct": pct["rainforest_alliance"],
                "total_certified_lots": certs["certified"],
            },
            "stakeholder_engagement": {"producer_count": producers},
            "supply_chain": {
                "traceability_score": trace["coverage_pct"],
                "verified_suppliers": None,
                "ethical_sourcing": None,
            },
        },
        "metrics": {
            "total_producers": producers,
            "total_volume_mt": round(lots["total_weight_kg"] / 1000, 3),
            "contracts_completed": contracts["by_status"].get("completed", 0),
            "traceability_coverage": trace["coverage_pct"],
        },
    }


# S-15, S-16, S-17 -----------------------------------------------------------------------------------------------


def now_iso() -> str:
    return utcnow().isoformat()


async def supply_chain_report(
    session: AsyncSession, scope: Scope, period: Period | None = None
) -> dict[str, Any]:
    contracts = await contract_figures(session, scope, period)
    fixations = await fixation_figures(session, scope, period)
    lots = await lot_figures(session, scope, period)
    trace = await traceability_figures(session, scope)
    insights = []
    if contracts["total_volume_mt"]:
        insights.append(f"{contracts['fixation_rate']} % of the contracted volume is price-fixed")
    if lots["total"]:
        insights.append(f"{trace['coverage_pct']} % of lots have traceability events")
    if not contracts["total"] and not lots["total"]:
        insights.append("No contracts or lots in this scope yet")
    return {
        "metrics": {
            "contracts": contracts,
            "fixations": fixations,
            "lots": lots,
            "traceability": trace,
            "blockchain": {"connected": False, "registered_items": 0},
        },
        "insights": insights,
        "generated_at": now_iso(),
    }


async def market_trend(session: AsyncSession, days: int) -> dict[str, Any]:
    """S-21 from the C-51 price data (`market_prices`); the C-51 fallback price and no movement without data."""
    today = utcnow().date()
    rows = (
        await session.execute(
            select(MarketPrice.price_date, MarketPrice.close_usd_per_mt)
            .where(
                MarketPrice.symbol == "CC",
                MarketPrice.price_date >= today - timedelta(days=max(days, 7) + 7),
            )
            .order_by(MarketPrice.price_date)
        )
    ).all()
    closes = [(day, float(close)) for day, close in rows]
    if not closes:
        return {
            "current_price": FALLBACK_SPOT,
            "price_change_24h": 0.0,
            "price_change_7d": 0.0,
            "volatility": 0.0,
            "trend_direction": "stable",
            "data_points": 0,
        }
    current_day, current = closes[-1]

    def change_since(since: date) -> float:
        before = [close for day, close in closes if day <= since] or [closes[0][1]]
        return _pct(current - before[-1], before[-1])

    in_period = [close for day, close in closes if day >= current_day - timedelta(days=days)]
    move = _pct(in_period[-1] - in_period[0], in_period[0]) if in_period else 0.0
    direction = "upward" if move > STABLE_BAND_PCT else "downward" if move < -STABLE_BAND_PCT else "stable"
    return {
        "current_price": current,
        "price_change_24h": change_since(current_day - timedelta(days=1)),
        "price_change_7d": change_since(current_day - timedelta(days=7)),
        "volatility": round(volatility(in_period), 2) if len(in_period) > 2 else 0.0,
        "trend_direction": direction,
        "data_points": len(in_period),
    }


async def financial_report(session: AsyncSession, scope: Scope, period: Period) -> dict[str, Any]:
    fixations = await fixation_figures(session, scope, period)
    purchases = await session.scalar(
        select(_sum(ProducerLot.purchase_price_usd)).where(scope.lots, _in(ProducerLot.purchase_date, period))
    )
    dispatch_costs = await session.scalar(
        select(
            _sum(
                func.coalesce(Dispatch.freight_cost_usd, 0)
                + func.coalesce(Dispatch.insurance_cost_usd, 0)
                + func.coalesce(Dispatch.other_costs_usd, 0)
            )
        ).where(
            Dispatch.contract_id.in_(select(ExportContract.id).where(scope.contracts)),
            _in(Dispatch.created_at, period),
        )
    )
    avg_differential = await session.scalar(
        select(func.avg(ExportContract.differential_usd)).where(scope.contracts)
    )
    revenue = fixations["total_value_usd"]
    costs = _f(purchases) + _f(dispatch_costs)
    days = max(1, (period.end - period.start).days)
    trend = await market_trend(session, days)
    recommendations = []
    if trend["trend_direction"] == "upward":
        recommendations.append("Prices are rising: consider fixing pending volume")
    elif trend["trend_direction"] == "downward":
        recommendations.append("Prices are falling: consider waiting before fixing pending volume")
    if revenue and costs > revenue:
        recommendations.append("Costs exceed the fixed value in this period")
    return {
        "analytics": {
            "revenue": {
                "fixation_value_usd": revenue,
                "fixations": fixations["total"],
                "fixed_quantity_mt": fixations["total_quantity_mt"],
            },
            "costs": {
                "lot_purchases_usd": _f(purchases),
                "dispatch_costs_usd": _f(dispatch_costs),
                "total_usd": costs,
            },
            "profitability": {
                "gross_margin_usd": round(revenue - costs, 2),
                "margin_pct": _pct(revenue - costs, revenue),
            },
            "price_trends": trend,
            "market_insights": {
                "current_price": trend["current_price"],
                "avg_contract_differential_usd": round(_f(avg_differential), 2),
            },
        },
        "recommendations": recommendations,
        "generated_at": now_iso(),
    }


async def quality_report(session: AsyncSession, scope: Scope, period: Period | None = None) -> dict[str, Any]:
    where = and_(scope.lots, _in(ProducerLot.created_at, period))
    by_grade = dict(
        (
            await session.execute(
                select(ProducerLot.quality_grade, func.count())
                .where(where)
                .group_by(ProducerLot.quality_grade)
            )
        ).all()
    )
    graded = sum(count for grade, count in by_grade.items() if grade)
    score = (
        sum(
            QUALITY_SCORES.get(grade, DEFAULT_QUALITY_SCORE) * count
            for grade, count in by_grade.items()
            if grade
        )
        / graded
        if graded
        else None
    )
    avg_moisture = await session.scalar(select(func.avg(ProducerLot.moisture_content)).where(where))
    events = (
        await session.execute(
            select(TraceEvent.entity_id, TraceEvent.measurements)
            .join(ProducerLot, _lot_events())
            .where(where, TraceEvent.event_type.in_(MEASURED_EVENT_TYPES))
        )
    ).all()
    alerts: list[dict[str, Any]] = [
        {
            "type": "moisture",
            "lot_id": int(entity_id),
            "moisture_pct": moisture,
            "message": f"Moisture {moisture} % above {MOISTURE_LIMIT_PCT} %",
        }
        for entity_id, measurements in events
        if isinstance(moisture := (measurements or {}).get("moisture_pct"), int | float)
        and moisture > MOISTURE_LIMIT_PCT
    ]
    low = by_grade.get("C", 0) + by_grade.get("Low", 0)
    if low:
        alerts.append(
            {"type": "grade", "lot_id": None, "moisture_pct": None, "message": f"{low} lot(s) of a low grade"}
        )
    return {
        "analytics": {
            "lots_by_grade": {str(grade): count for grade, count in by_grade.items()},
            "avg_quality_score": None if score is None else round(score, 2),
            "avg_moisture_content": None if avg_moisture is None else round(float(avg_moisture), 2),
            "measured_events": len(events),
        },
        "alerts": alerts,
        "generated_at": now_iso(),
    }


# S-18, S-14 -----------------------------------------------------------------------------------------------------


def _today() -> Period:
    start = datetime.combine(utcnow().date(), datetime.min.time())
    return Period(start, start + timedelta(days=1))


async def real_time(
    session: AsyncSession, scope: Scope, principal: Principal, health: dict[str, Any]
) -> dict[str, Any]:
    today = _today()
    contracts = await session.scalar(
        select(func.count()).where(scope.contracts, _in(ExportContract.created_at, today))
    )
    fixations = await session.scalar(
        select(func.count()).where(scope.fixations, _in(ContractFixation.created_at, today))
    )
    visible = true() if principal.is_admin else TraceEvent.is_public.is_(True)  # C-42's visibility
    events_today = await session.scalar(
        select(func.count()).where(visible, _in(TraceEvent.created_at, today))
    )
    recent = (
        await session.scalars(
            select(TraceEvent)
            .where(visible)
            .order_by(TraceEvent.created_at.desc(), TraceEvent.id.desc())
            .limit(10)
        )
    ).all()
    stamp = now_iso()
    return {
        "real_time_data": {
            "timestamp": stamp,
            "performance": {"database_latency_ms": health["database_latency_ms"]},
            "business_today": {
                "contracts_created": contracts,
                "fixations_created": fixations,
                "trace_events_created": events_today,
            },
            "system_health": {
                "database": health["database"],
                "cache": health["cache"],
                "blockchain": "not_configured",
            },
        },
        "recent_events": [
            {
                "id": e.id,
                "event_type": e.event_type,
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
                "title": e.title,
                "event_timestamp": e.event_timestamp.isoformat(),
            }
            for e in recent
        ],
        "alerts": [] if health["database"] == "ok" else [{"type": "database", "message": "database is slow"}],
        "timestamp": stamp,
    }


async def overview(
    session: AsyncSession, scope: Scope, principal: Principal, period: Period, health: dict[str, Any]
) -> dict[str, Any]:
    return {
        "supply_chain": (await supply_chain_report(session, scope, period))["metrics"],
        "financial": (await financial_report(session, scope, period))["analytics"],
        "quality": (await quality_report(session, scope, period))["analytics"],
        "real_time": (await real_time(session, scope, principal, health))["real_time_data"],
        "period": period.view(),
    }


# S-19, S-20 -----------------------------------------------------------------------------------------------------


async def contract_metrics(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    """S-19 (Δ): sums of `total_volume_mt` and `fixed_volume_mt` (ORIG read keys that do not exist: always 0)."""
    figures = await contract_figures(session, scope)
    value = (await fixation_figures(session, scope))["total_value_usd"]
    total = figures["total"]
    return {
        "metrics": {
            "total_contracts": total,
            "total_quantity_mt": figures["total_volume_mt"],
            "total_fixed_mt": figures["fixed_volume_mt"],
            "total_remaining_mt": round(figures["total_volume_mt"] - figures["fixed_volume_mt"], 2),
            "total_value_usd": value,
            "avg_contract_value": round(value / total, 2) if total else 0.0,
            "fixation_rate": figures["fixation_rate"],
        }
    }


async def fixation_metrics(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    figures = await fixation_figures(session, scope)
    rows = (
        await session.execute(
            select(ContractFixation.created_at, ContractFixation.fixed_quantity_mt)
            .where(scope.fixations)
            .order_by(ContractFixation.created_at)
        )
    ).all()
    timeline: dict[str, float] = {}
    for day, group in itertools.groupby(rows, key=lambda row: row[0].date().isoformat()):
        timeline[day] = round(sum(float(qty) for _, qty in group), 2)
    return {
        "metrics": {
            "total_fixations": figures["total"],
            "total_fixed_quantity_mt": figures["total_quantity_mt"],
            "avg_fixation_price": figures["avg_spot_price_usd"],
            "total_fixation_value": figures["total_value_usd"],
            "fixation_timeline": timeline,
        }
    }
