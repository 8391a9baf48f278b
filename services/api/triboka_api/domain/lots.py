"""Lot rules: the derived quality score (§4.5) and the price per metric ton."""

from __future__ import annotations

from decimal import Decimal

QUALITY_SCORES = {
    "Premium": 95.0,
    "A": 90.0,
    "B": 80.0,
    "C": 70.0,
    "Standard": 75.0,
    "High": 85.0,
    "Medium": 75.0,
    "Low": 65.0,
}
DEFAULT_QUALITY_SCORE = 75.0

LOT_AVAILABLE = "available"
LOT_PURCHASED = "purchased"
LOT_BATCHED = "batched"


def quality_score(grade: str | None) -> float | None:
    if not grade:
        return None
    return QUALITY_SCORES.get(grade, DEFAULT_QUALITY_SCORE)


def price_per_mt(total_price: Decimal | float | None, weight_kg: Decimal | float | None) -> float | None:
    """The lot's total purchase price per metric ton, when both are known and the weight is positive."""
    if total_price is None or weight_kg is None or weight_kg <= 0:
        return None
    return float(total_price) / (float(weight_kg) / 1000)
