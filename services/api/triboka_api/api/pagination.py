"""`page`/`per_page` of C-31 and C-35: values < 1 fall back to the defaults, non-integers are 400 (Δ)."""

from __future__ import annotations

import math
from typing import Any

from triboka_api.api.errors import bad_request
from triboka_api.domain.bounds import OutOfBoundsError, check_integer, id_bound


def _page(value: str | None, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise bad_request(f"Query parameter '{name}' must be an integer") from exc
    try:
        check_integer(name, number, id_bound())  # the offset it makes must fit the database's integers
    except OutOfBoundsError as exc:
        raise bad_request(str(exc)) from exc
    return number if number >= 1 else default


def paginate(page: str | None, per_page: str | None) -> tuple[int, int]:
    return _page(page, "page", 1), _page(per_page, "per_page", 20)


def pagination(page: int, per_page: int, total: int) -> dict[str, Any]:
    """The effective values (Δ: ORIG echoed the raw ones) and the page count."""
    return {
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": math.ceil(total / per_page) if total else 0,
    }
