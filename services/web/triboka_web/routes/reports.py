"""Reports: choose a type and a period, view the generated report, download it as CSV or PDF (issue 14)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from triboka_web.api_client import ApiClient
from triboka_web.auth import CurrentUser
from triboka_web.dependencies import Api
from triboka_web.i18n import _
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


async def _export(api: ApiClient, report_type: str, period: str) -> tuple[dict[str, Any], str]:
    """The report to download and its file name without the extension."""
    chosen = _choice(report_type, REPORT_TYPES, "performance")
    report = await _generate(api, chosen, _choice(period, PERIODS, "30d"))
    return report, f"triboka-{chosen}-{report['period']['end_date'][:10]}"


def _attachment(content: str | bytes, media_type: str, filename: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/reports/export.csv", name="report_csv")
async def report_csv(
    request: Request, user: CurrentUser, api: Api, report_type: str, period: str = "30d"
) -> Response:
    report, name = await _export(api, report_type, period)
    return _attachment(to_csv(report), "text/csv; charset=utf-8", f"{name}.csv")


@router.get("/reports/export.pdf", name="report_pdf")
async def report_pdf(
    request: Request, user: CurrentUser, api: Api, report_type: str, period: str = "30d"
) -> Response:
    # imported on the first PDF, not at start: reportlab and Pillow are ~16 MiB a worker keeps
    from triboka_web.report_pdf import render_report_pdf

    report, name = await _export(api, report_type, period)
    span = report["period"]
    kind, within = REPORT_TYPES[report["report_type"]], PERIODS[_choice(period, PERIODS, "30d")]
    title = _("Report: %(type)s") % {"type": _(kind)}
    period_line = _("Period: %(name)s, %(start)s – %(end)s") % {
        "name": _(within),
        "start": span["start_date"][:10],
        "end": span["end_date"][:10],
    }
    generated = _("Generated: %(when)s UTC") % {"when": report["generated_at"][:19].replace("T", " ")}
    # rendering is CPU work: off the event loop
    pdf = await asyncio.to_thread(render_report_pdf, title, period_line, generated, list(rows(report)))
    return _attachment(pdf, "application/pdf", f"{name}.pdf")
