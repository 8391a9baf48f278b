"""S-13..S-24: ESG, analytics reports, market trends, report generation and the analytics cache.

Every figure is computed from the data (`domain.analytics`) for what the caller may see, and kept in the
analytics cache (`analytics_cache`) under a key naming the endpoint, the caller's scope and the parameters.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from triboka_api.api.cached import analytics_cache, cached
from triboka_api.api.deps import PrincipalDep, SessionDep, require_roles
from triboka_api.api.errors import bad_request
from triboka_api.api.openapi import documented, json_body
from triboka_api.api.schemas.analytics import (
    AnalyticsCacheStats,
    ContractMetrics,
    EsgReport,
    FinancialReport,
    FixationMetrics,
    GeneratedReport,
    MarketTrend,
    Overview,
    QualityReport,
    RealTime,
    SupplyChainReport,
)
from triboka_api.api.schemas.common import Message
from triboka_api.api.validation import parse_datetime_param, read_json
from triboka_api.domain import analytics
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role

router = APIRouter(tags=["analytics"])

CacheAdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR))]
FINANCIAL_DEFAULT_DAYS = 90
OVERVIEW_DEFAULT_DAYS = 30
SLOW_DATABASE_MS = 500.0


class GenerateReportBody(BaseModel):
    report_type: str
    period: str | None = "30d"


async def _health(request: Request, session: SessionDep) -> dict[str, Any]:
    started = time.perf_counter()
    await session.execute(text("SELECT 1"))
    latency = round((time.perf_counter() - started) * 1000, 2)
    return {
        "database": "ok" if latency < SLOW_DATABASE_MS else "slow",
        "database_latency_ms": latency,
        "cache": analytics_cache(request).backend,
    }


async def _scoped(
    request: Request,
    principal: Principal,
    session: SessionDep,
    name: str,
    report: Callable[[AsyncSession, analytics.Scope], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """`report` for the caller's scope, through the cache."""
    scope = analytics.scope_of(principal)
    return await cached(request, f"{name}:{scope.key}", lambda: report(session, scope))


def _period(start_date: str | None, end_date: str | None, days: int) -> analytics.Period:
    return analytics.period_of(
        parse_datetime_param("start_date", start_date), parse_datetime_param("end_date", end_date), days
    )


@router.get("/api/analytics/esg", **documented(EsgReport))
async def esg(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    return await _scoped(request, principal, session, "esg", analytics.esg)


@router.get("/api/analytics/dashboard/overview", **documented(Overview, 400))
async def overview(
    principal: PrincipalDep,
    request: Request,
    session: SessionDep,
    start_date: str | None = None,
    end_date: str | None = None,
) -> dict[str, Any]:
    scope, period = analytics.scope_of(principal), _period(start_date, end_date, OVERVIEW_DEFAULT_DAYS)
    health = await _health(request, session)
    return await analytics.overview(session, scope, principal, period, health)


@router.get("/api/analytics/reports/supply-chain", **documented(SupplyChainReport))
async def supply_chain(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    return await _scoped(request, principal, session, "supply-chain", analytics.supply_chain_report)


@router.get("/api/analytics/reports/financial", **documented(FinancialReport, 400))
async def financial(
    principal: PrincipalDep,
    request: Request,
    session: SessionDep,
    start_date: str | None = None,
    end_date: str | None = None,
) -> dict[str, Any]:
    """Default period: the last 90 days."""
    scope, period = analytics.scope_of(principal), _period(start_date, end_date, FINANCIAL_DEFAULT_DAYS)
    key = f"financial:{scope.key}:{start_date}:{end_date}"
    return await cached(request, key, lambda: analytics.financial_report(session, scope, period))


@router.get("/api/analytics/reports/quality", **documented(QualityReport))
async def quality(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    return await _scoped(request, principal, session, "quality", analytics.quality_report)


@router.get("/api/analytics/real-time", **documented(RealTime))
async def real_time(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    """Never cached: it is the figures of now."""
    health = await _health(request, session)
    return await analytics.real_time(session, analytics.scope_of(principal), principal, health)


@router.get("/api/analytics/contracts", **documented(ContractMetrics))
async def contract_metrics(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    return await _scoped(request, principal, session, "contracts", analytics.contract_metrics)


@router.get("/api/analytics/fixations", **documented(FixationMetrics))
async def fixation_metrics(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    return await _scoped(request, principal, session, "fixations", analytics.fixation_metrics)


@router.get("/api/analytics/market/trends", **documented(MarketTrend, 400))
async def market_trends(
    _: PrincipalDep, request: Request, session: SessionDep, period: str = "7d"
) -> dict[str, Any]:
    days = analytics.TREND_PERIODS.get(period)
    if days is None:
        raise bad_request(f"period must be one of {', '.join(analytics.TREND_PERIODS)}")
    return await cached(request, f"trends:{period}", lambda: analytics.market_trend(session, days))


@router.post(
    "/api/analytics/reports/generate",
    openapi_extra=json_body(GenerateReportBody),
    **documented(GeneratedReport, 400),
)
async def generate_report(principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, Any]:
    """A report of any `report_type` for the last `period` (`30d` by default): `performance` is the overview."""
    data = await read_json(request)
    report_type = data.get("report_type")
    if report_type not in analytics.REPORT_TYPES:
        raise bad_request(f"report_type must be one of {', '.join(analytics.REPORT_TYPES)}")
    if not isinstance(data.get("period", "30d"), str | None):
        raise bad_request("period must be a string such as '30d'")
    days = analytics.period_days(data.get("period"))
    scope, period = analytics.scope_of(principal), analytics.period_of(None, None, days)
    if report_type == "performance":
        report = await analytics.overview(session, scope, principal, period, await _health(request, session))
    elif report_type == "financial":
        report = await analytics.financial_report(session, scope, period)
    elif report_type == "supply_chain":
        report = await analytics.supply_chain_report(session, scope, period)
    else:
        report = await analytics.quality_report(session, scope, period)
    return report | {"report_type": report_type, "period": period.view(), "generated_at": analytics.now_iso()}


@router.get("/api/analytics/cache/stats", **documented(AnalyticsCacheStats))
async def cache_stats(_: CacheAdminDep, request: Request) -> dict[str, Any]:
    """Keys of the current generation, after deleting those of old generations and expired ones."""
    stats = await analytics_cache(request).stats()
    return {"total_keys": stats.total_keys, "expired_keys_cleaned": stats.expired_keys_cleaned}


@router.post("/api/analytics/cache/clear", **documented(Message))
async def cache_clear(_: CacheAdminDep, request: Request) -> dict[str, Any]:
    cleared = await analytics_cache(request).clear()
    return {"message": f"Analytics cache cleared ({cleared} keys)"}
