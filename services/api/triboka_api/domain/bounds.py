"""Bounds of every value a request may carry, derived from the SQLAlchemy models (issue 11, bounded input).

One source of truth: a request value named like a column (`farm_name`, `weight_kg`, `company_id`; camelCase
aliases such as `productType` too) must fit that column: strings its length (Text columns `TEXT_MAX_CHARS`),
numbers its precision, scale and sign rule (`models.base.Sign`), integers its integer type's range, dates and
datetimes the calendar range below. Where several tables have a column of that name the strictest bound applies.
Values no column describes still get the generic rules: no NUL character anywhere (PostgreSQL refuses it in text
and JSON), no string longer than `TEXT_MAX_CHARS`, only finite numbers.

Pure functions: they raise `OutOfBoundsError` (a domain error) and the API layer answers it with a 400 or a 404.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, Integer, Numeric, SmallInteger, String

from triboka_api.models import Base
from triboka_api.models.base import SIGN, Sign

# Text columns (notes, descriptions, certifications) and strings no column describes (passwords, search terms,
# strings inside JSON documents): long enough for any honest text, short enough to store and render.
TEXT_MAX_CHARS = 10_000
# Dates and datetimes the API accepts (inclusive): nothing in cacao trade happens outside them, and every
# database and formatter handles them (year 1 or 9999 overflow time-zone conversions and charts).
EARLIEST = datetime(1900, 1, 1)
LATEST = datetime(2199, 12, 31, 23, 59, 59, 999999)
_INTEGER_BITS = ((BigInteger, 64), (SmallInteger, 16), (Integer, 32))  # subclasses before Integer
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class OutOfBoundsError(ValueError):
    """A value outside what its column (or the generic rules) allow; `field` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"Invalid value for '{field}': {reason}")
        self.field = field


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    OTHER = "other"  # booleans, JSON documents: only the generic rules


_SIGN_STRICTNESS = (Sign.ANY, Sign.NON_NEGATIVE, Sign.POSITIVE)


@dataclass(frozen=True)
class Bound:
    kind: Kind
    max_chars: int = TEXT_MAX_CHARS
    low: int = 0
    high: int = 0
    integer_digits: int = 0
    scale: int = 0
    sign: Sign = Sign.ANY

    def stricter(self, other: Bound) -> Bound:
        if other.kind is not self.kind:
            raise TypeError(f"columns of one name have different kinds: {self.kind} and {other.kind}")
        return replace(
            self,
            max_chars=min(self.max_chars, other.max_chars),
            low=max(self.low, other.low),
            high=min(self.high, other.high),
            integer_digits=min(self.integer_digits, other.integer_digits),
            scale=min(self.scale, other.scale),
            sign=max(self.sign, other.sign, key=_SIGN_STRICTNESS.index),
        )


def column_bound(column: Column[Any]) -> Bound:
    kind = column.type
    if isinstance(kind, String):  # Text is a String without a length
        return Bound(Kind.TEXT, max_chars=kind.length or TEXT_MAX_CHARS)
    if isinstance(kind, Integer):
        bits = next(b for t, b in _INTEGER_BITS if isinstance(kind, t))
        return Bound(Kind.INTEGER, low=-(2 ** (bits - 1)), high=2 ** (bits - 1) - 1)
    if isinstance(kind, Numeric):
        if SIGN not in column.info:
            raise TypeError(f"NUMERIC column {column} declares no sign rule (models.base.amount)")
        precision, scale = kind.precision or 0, kind.scale or 0
        return Bound(Kind.DECIMAL, integer_digits=precision - scale, scale=scale, sign=column.info[SIGN])
    if isinstance(kind, DateTime):
        return Bound(Kind.DATETIME)
    if isinstance(kind, Date):
        return Bound(Kind.DATE)
    return Bound(Kind.OTHER)


@cache
def bounds_by_name() -> dict[str, Bound]:
    """Every column name of the schema with the strictest bound among the columns of that name."""
    bounds: dict[str, Bound] = {}
    for table in Base.metadata.tables.values():
        for column in table.columns:
            bound = column_bound(column)
            bounds[column.name] = bounds[column.name].stricter(bound) if column.name in bounds else bound
    return bounds


def bound_for(name: str) -> Bound | None:
    """The bound of a request field or parameter name (`productType` is `product_type`)."""
    return bounds_by_name().get(_CAMEL.sub("_", name).lower())


def id_bound() -> Bound:
    """The range of row ids (every primary key is an `id` column of one integer type)."""
    return bounds_by_name()["id"]


def row_id(text: str) -> int | None:
    """A string of digits as a row id, or None when it is not one (not digits, or beyond any id)."""
    # ASCII digits only: str.isdigit() is also true for "³" or "١", which int() refuses or reads as another number
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(id_bound().high)):
        return None
    value = int(text)
    return value if value <= id_bound().high else None


def parse_iso_datetime(value: str) -> datetime:
    """`YYYY-MM-DD`, ISO datetimes, a trailing `Z` or an offset; converted to UTC, zone dropped (§1.5)."""
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:  # OverflowError: year 1 or 9999 moved across midnight UTC
        raise ValueError("expected an ISO-8601 date or datetime") from exc
    return parsed


# Checks ---------------------------------------------------------------------------------------------------------


def check_text(field: str, text: str, max_chars: int = TEXT_MAX_CHARS) -> None:
    if "\x00" in text:
        raise OutOfBoundsError(field, "NUL characters are not allowed")
    if len(text) > max_chars:
        raise OutOfBoundsError(field, f"at most {max_chars} characters")


def check_moment(field: str, moment: date) -> None:
    as_datetime = moment if isinstance(moment, datetime) else datetime(moment.year, moment.month, moment.day)
    if not EARLIEST <= as_datetime <= LATEST:
        raise OutOfBoundsError(field, f"must be between {EARLIEST.date()} and {LATEST.date()}")


def check_integer(field: str, value: int, bound: Bound) -> None:
    if not bound.low <= value <= bound.high:
        raise OutOfBoundsError(field, f"must be between {bound.low} and {bound.high}")


def check_finite(field: str, value: float) -> None:
    if not math.isfinite(value):
        raise OutOfBoundsError(field, "must be a finite number")


def _decimal(value: Any) -> Decimal | None:
    """A JSON number or numeric string as a Decimal; None for what is no number (the type check reports it)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation:
        return None


def check_decimal(field: str, number: Decimal, bound: Bound) -> None:
    """Finite, fits NUMERIC(precision, scale) once rounded to its scale (as the database stores it), and
    keeps the column's sign rule at that scale (a weight of 1e-9 would be stored as 0.00)."""
    if not number.is_finite():
        raise OutOfBoundsError(field, "must be a finite number")
    limit = Decimal(10) ** bound.integer_digits
    if abs(number) >= limit:
        raise OutOfBoundsError(field, f"must be less than {limit:,.0f} in absolute value")
    stored = number.quantize(Decimal(1).scaleb(-bound.scale), rounding=ROUND_HALF_UP)
    if abs(stored) >= limit:
        raise OutOfBoundsError(field, f"must be less than {limit:,.0f} in absolute value")
    if bound.sign is Sign.POSITIVE and stored <= 0:
        raise OutOfBoundsError(field, f"must be greater than 0 (at {bound.scale} decimal places)")
    if bound.sign is Sign.NON_NEGATIVE and number < 0:
        raise OutOfBoundsError(field, "must not be negative")


def _check_column_value(field: str, value: Any, bound: Bound) -> None:
    """A raw JSON value against the bound of the column it is named after. Values of the wrong type pass:
    the request model's type check names them."""
    if bound.kind is Kind.TEXT:
        if isinstance(value, str):
            check_text(field, value, bound.max_chars)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):  # stored comma-joined
            check_text(field, ",".join(value), bound.max_chars)
    elif bound.kind in (Kind.INTEGER, Kind.DECIMAL):
        number = _decimal(value)
        if number is None:
            return
        if bound.kind is Kind.DECIMAL:
            check_decimal(field, number, bound)
        elif not number.is_finite():
            raise OutOfBoundsError(field, "must be a finite number")
        elif number == number.to_integral_value():
            check_integer(field, int(number), bound)
    elif bound.kind in (Kind.DATE, Kind.DATETIME) and isinstance(value, str):
        try:
            moment = parse_iso_datetime(value)
        except ValueError:
            return
        check_moment(field, moment)


def check_tree(field: str, value: Any) -> None:
    """The generic rules, through nested objects and arrays (keys included)."""
    if isinstance(value, str):
        check_text(field, value)
    elif isinstance(value, float):
        check_finite(field, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(field, key)
            check_tree(f"{field}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_tree(f"{field}[{index}]", item)


def check_document(data: dict[str, Any]) -> None:
    """A request body: the generic rules everywhere, and each top-level value against its column; the items
    of an `…_ids` array are row ids."""
    for field, value in data.items():
        check_tree(field, value)
        if field.endswith("_ids") and isinstance(value, list):
            for index, item in enumerate(value):
                _check_column_value(f"{field}[{index}]", item, id_bound())
        elif (bound := bound_for(field)) is not None:
            _check_column_value(field, value, bound)


def check_parameter(name: str, raw: str, annotation: type) -> None:
    """A path or query parameter (a string as sent) against its column, or its declared type's rules."""
    bound = bound_for(name)
    check_text(name, raw, bound.max_chars if bound and bound.kind is Kind.TEXT else TEXT_MAX_CHARS)
    if annotation is int:
        integer_bound = bound if bound and bound.kind is Kind.INTEGER else id_bound()
        _check_column_value(name, raw, integer_bound)
    elif annotation is float:
        try:
            number = float(raw)
        except ValueError:
            return
        check_finite(name, number)  # "1e999" too: it is infinity as a float
    elif annotation in (date, datetime):
        _check_column_value(name, raw, Bound(Kind.DATETIME))
