"""Dashboards: the overview every role lands on, the producer/exporter/buyer boards, and analytics."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from triboka_web import charts
from triboka_web.auth import CurrentUser, SessionUser, allowed_to
from triboka_web.dependencies import Api
from triboka_web.i18n import _
from triboka_web.labels import translated_labels
from triboka_web.roles import Action, Role
from triboka_web.templating import render

router = APIRouter()
BuyerDashboardUser = Annotated[SessionUser, Depends(allowed_to(Action.BUYER_DASHBOARD))]
ExporterDashboardUser = Annotated[SessionUser, Depends(allowed_to(Action.EXPORTER_DASHBOARD))]
ProducerDashboardUser = Annotated[SessionUser, Depends(allowed_to(Action.PRODUCER_DASHBOARD))]

ROLE_BOARDS: dict[str, tuple[str, Action]] = {
    Role.PRODUCER: ("producer_board", Action.PRODUCER_DASHBOARD),
    Role.EXPORTER: ("exporter_board", Action.EXPORTER_DASHBOARD),
    Role.BUYER: ("buyer_board", Action.BUYER_DASHBOARD),
}


def _analytics_charts(role: str, analytics: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if role == Role.PRODUCER:
        assigned = analytics.get("assigned_lots", 0)
        return [
            (
                _("My lots"),
                charts.chart(
                    "doughnut",
                    [_("Available"), _("Assigned to a contract"), _("Other")],
                    {
                        _("Lots"): [
                            analytics.get("available_lots", 0),
                            assigned,
                            max(
                                analytics.get("my_lots", 0) - analytics.get("available_lots", 0) - assigned, 0
                            ),
                        ]
                    },
                ),
            )
        ]
    if "total_volume_mt" in analytics:
        progress = charts.volume_progress(analytics["total_volume_mt"], analytics["fixed_volume_mt"])
        return [(_("Contract volume fixed"), progress)]
    return []


@router.get("/dashboard")
async def dashboard(request: Request, user: CurrentUser, api: Api) -> Response:
    analytics, market = await asyncio.gather(
        api.get("/api/analytics/dashboard"), api.get("/api/market/cacao-prices")
    )
    board = ROLE_BOARDS.get(user.role)
    context = {
        "analytics": analytics,
        "market": market,
        "charts": [
            *_analytics_charts(user.role, analytics),
            (_("Cacao prices (USD/MT)"), charts.market_prices(market)),
        ],
        "board": board[0] if board else None,
    }
    return render(request, "dashboards/overview.html", context)


@router.get("/producer")
async def producer_board(request: Request, user: ProducerDashboardUser, api: Api) -> Response:
    data = await api.get("/api/dashboard/producer")
    lots = data["lots"]
    context = {
        "data": data,
        "status_chart": charts.count_by(lots, "status", translated_labels()),
        "weight_chart": charts.weights(
            "bar", [lot["lot_code"] for lot in lots], [lot["weight_kg"] for lot in lots]
        ),
    }
    return render(request, "dashboards/producer.html", context)


@router.get("/exporter")
async def exporter_board(request: Request, user: ExporterDashboardUser, api: Api) -> Response:
    data = await api.get("/api/dashboard/exporter")
    metrics = data["metrics"]
    context = {
        "data": data,
        "weights_chart": charts.weights(
            "bar",
            [_("Purchased lots"), _("In batches")],
            [metrics["total_weight_purchased_kg"], metrics["total_batch_weight_kg"]],
        ),
    }
    return render(request, "dashboards/exporter.html", context)


@router.get("/buyer")
async def buyer_board(request: Request, user: BuyerDashboardUser, api: Api) -> Response:
    data = await api.get("/api/dashboard/buyer")
    batches = data["batches"]
    context = {
        "data": data,
        "batches_chart": charts.weights(
            "bar", [b["batch_code"] for b in batches], [b["total_weight_kg"] for b in batches]
        ),
    }
    return render(request, "dashboards/buyer.html", context)


@router.get("/analytics/dashboard")
async def analytics(request: Request, user: CurrentUser, api: Api) -> Response:
    analytics_data, market, stats = await asyncio.gather(
        api.get("/api/analytics/dashboard"),
        api.get("/api/market/cacao-prices"),
        api.get("/api/dispatches/stats"),
    )
    monthly = list(reversed(stats["monthly_stats"]))
    labels = translated_labels()
    context = {
        "analytics": analytics_data,
        "market": market,
        "stats": stats,
        "charts": [
            *_analytics_charts(user.role, analytics_data),
            (_("Cacao prices (USD/MT)"), charts.market_prices(market)),
            (
                _("Dispatched per month (MT)"),
                charts.chart(
                    "bar",
                    [f"{m['year']}-{m['month']:02d}" for m in monthly],
                    {_("MT"): [m["total_quantity_mt"] for m in monthly]},
                    "MT",
                ),
            ),
            (
                _("Dispatches by status"),
                charts.chart(
                    "doughnut",
                    [labels.get(s, s) for s in stats["status_distribution"]],
                    {_("Dispatches"): list(stats["status_distribution"].values())},
                ),
            ),
        ],
    }
    return render(request, "dashboards/analytics.html", context)
