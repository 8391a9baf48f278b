"""Reports: choose a type and a period, view the generated report, download it as CSV (issue 14)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from triboka_web.api_client import ApiClient
from triboka_web.auth import CurrentUser
from triboka_web.dependencies import Api
from triboka_web.report_rows import PERIODS, REPORT_TYPES, rows, to_csv
from triboka_web.templating import render

router = APIRouter()


async def _generate(api: ApiClient, report_type: str, period: str) -> dict[str, Any]:
    report: dict[str, Any] = await api.post(
        "/api/analytics/reports/generate", {"report_type": report_type, "period": period}
    )
    return report


def _choice(value: str, options: dict[str, str], default: str) -> str:
    return value if value in options else default


@router.get("/reports", name="reports")
async def reports(
    request: Request, user: CurrentUser, api: Api, report_type: str = "", period: str = ""
) -> Response:
    """Without a type: the form only; with one: the report below it (the API scopes it to the user)."""
    chosen_period = _choice(period, PERIODS, "30d")
    report = None
    if report_type in REPORT_TYPES:
        report = await _generate(api, report_type, chosen_period)
    context = {
        "report_types": REPORT_TYPES,
        "periods": PERIODS,
        "report_type": report_type,
        "period": chosen_period,
        "report": report,
        "rows": list(rows(report)) if report else [],
    }
    return render(request, "reports/report.html", context)


@router.get("/reports/export.csv", name="report_csv")
async def report_csv(
    request: Request, user: CurrentUser, api: Api, report_type: str, period: str = "30d"
) -> Response:
    chosen = _choice(report_type, REPORT_TYPES, "performance")
    report = await _generate(api, chosen, _choice(period, PERIODS, "30d"))
    filename = f"triboka-{chosen}-{report['period']['end_date'][:10]}.csv"
    return Response(
        to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
