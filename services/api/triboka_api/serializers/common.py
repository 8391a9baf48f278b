from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from triboka_api.models import Company


def num(value: Decimal | float | int | None) -> float | None:
    """NUMERIC columns as JSON numbers (§1.5)."""
    return None if value is None else float(value)


def num0(value: Decimal | float | int | None) -> float:
    """Amounts whose absence reads as 0 (dispatch costs, available-for-batch prices)."""
    return 0.0 if value is None else float(value)


def iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def company_name(company: Company | None) -> str | None:
    return company.name if company is not None else None


def company_ref(company: Company | None, *, with_type: bool = False) -> dict[str, Any] | None:
    if company is None:
        return None
    ref: dict[str, Any] = {"id": company.id, "name": company.name}
    if with_type:
        ref["company_type"] = company.company_type
    return ref


def certification_list(raw: str | None) -> list[str]:
    """The stored comma string as a trimmed list (Δ §1.5: ORIG did not trim)."""
    return [part.strip() for part in raw.split(",") if part.strip()] if raw else []
