"""Chart specifications built on the server, drawn by static/js/charts.js with Chart.js (no inline script)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from triboka_web.i18n import _

ChartType = Literal["bar", "line", "doughnut"]


def chart(
    kind: ChartType,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    unit: str = "",
    stacked: bool = False,
) -> dict[str, Any]:
    """`series` maps a (translated) dataset label to its values, one per label."""
    return {
        "type": kind,
        "labels": list(labels),
        "datasets": [{"label": name, "data": [v or 0 for v in values]} for name, values in series.items()],
        "unit": unit,
        "stacked": stacked,
    }


def weights(kind: ChartType, labels: Sequence[str], kilograms: Sequence[float | None]) -> dict[str, Any]:
    """Weights in kg, one per label (lots of a producer, batches, the lots inside a batch)."""
    return chart(kind, labels, {_("Weight (kg)"): kilograms}, unit="kg")


def volume_progress(total: float | None, fixed: float | None) -> dict[str, Any]:
    """Fixed vs pending volume (MT) of one contract or of a set of contracts."""
    fixed = fixed or 0
    pending = max((total or 0) - fixed, 0)
    return chart("doughnut", [_("Fixed"), _("Pending")], {_("Volume (MT)"): [fixed, pending]}, unit="MT")


def market_prices(market: dict[str, Any]) -> dict[str, Any]:
    """Spot vs what contracts and fixations pay, and the one-year range (GET /api/market/cacao-prices)."""
    labels = [_("Spot"), _("Contract average"), _("Fixed average"), _("Year low"), _("Year high")]
    values = [
        market["spot"]["price"],
        market["contracts"]["avgPrice"],
        market["fixed"]["avgPrice"],
        market["market"]["rangeMin"],
        market["market"]["rangeMax"],
    ]
    return chart("bar", labels, {_("USD per MT"): values}, unit="USD/MT")


def count_by(items: Sequence[dict[str, Any]], key: str, labels: dict[str, str]) -> dict[str, Any]:
    """A doughnut of how many items have each value of `key` (labels maps value → translated label)."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.get(key) or "—"] = counts.get(item.get(key) or "—", 0) + 1
    names = [labels.get(value, value) for value in counts]
    return chart("doughnut", names, {_("Count"): list(counts.values())})
