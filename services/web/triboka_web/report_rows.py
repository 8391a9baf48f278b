"""A generated report (POST /api/analytics/reports/generate) as rows a table and a CSV file can show: nested
objects become dotted metric names, lists of texts or objects become one row per item."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from triboka_web.i18n import N_

REPORT_TYPES = {
    "performance": N_("Performance overview"),
    "financial": N_("Financial"),
    "supply_chain": N_("Supply chain"),
    "quality": N_("Quality"),
}
PERIODS = {
    "7d": N_("Last 7 days"),
    "30d": N_("Last 30 days"),
    "90d": N_("Last 90 days"),
    "365d": N_("Last year"),
}
# the report's own bookkeeping, shown in the page header rather than as rows
HEADER_KEYS = frozenset({"report_type", "period", "generated_at"})


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def rows(report: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(metric, value) pairs in the report's order."""
    for key, value in report.items():
        if not prefix and key in HEADER_KEYS:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if value:
                yield from rows(value, f"{name}.")
            else:
                yield name, "—"
        elif isinstance(value, list):
            for index, item in enumerate(value, start=1):
                if isinstance(item, dict):
                    yield from rows(item, f"{name}[{index}].")
                else:
                    yield f"{name}[{index}]", _cell(item)
        else:
            yield name, _cell(value)


def to_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["metric", "value"])
    period = report.get("period") or {}
    writer.writerow(["report_type", report.get("report_type", "")])
    writer.writerow(["period.start_date", period.get("start_date", "")])
    writer.writerow(["period.end_date", period.get("end_date", "")])
    writer.writerow(["generated_at", report.get("generated_at", "")])
    writer.writerows(rows(report))
    return buffer.getvalue()
