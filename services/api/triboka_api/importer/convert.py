"""Value conversions of first-generation columns: SQLite's loose types (text timestamps, 0/1 booleans, JSON as
text, numbers as text) into the values the second generation's columns hold. A value that cannot be read raises
RowSkipped with the reason, and the row is kept aside rather than imported half-right."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from triboka_api.domain.access import Scope


class RowSkipped(Exception):  # noqa: N818 - a reason, not an error
    """Raised by a converter when one source row cannot be imported, with the reason (the row is kept aside)."""


def as_datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace(" ", "T", 1)).replace(tzinfo=None)
    except ValueError as exc:
        raise RowSkipped(f"unparsable timestamp {value!r}") from exc


def as_date(value: Any) -> date | None:
    parsed = as_datetime(value)
    return parsed.date() if parsed else None


def as_decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise RowSkipped(f"unparsable number {value!r}") from exc
    if not number.is_finite():
        raise RowSkipped(f"unparsable number {value!r}")
    return number


def as_bool(value: Any, default: bool = True) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "t", "yes"}
    return bool(value)


def as_json(value: Any, default: Any) -> Any:
    if value in (None, ""):
        return default
    if isinstance(value, (list, dict)):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError) as exc:
        raise RowSkipped("invalid JSON text") from exc


def as_certifications(value: Any) -> str | None:
    parts = [p.strip() for p in str(value).split(",")] if value else []
    return ",".join(p for p in parts if p) or None


def imported_scope(value: Any) -> str:
    """A note's confidentiality: absent is PUBLIC, as in the first generation; a value it does not name is read
    as the narrowest scope, SOLO_ADMIN, so an import never shows a note to more people than it was meant for."""
    if value in (None, ""):
        return Scope.PUBLIC.value
    try:
        return Scope(str(value).strip().upper()).value
    except ValueError:
        return Scope.SOLO_ADMIN.value
