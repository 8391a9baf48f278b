"""Request bodies, checked the way the contract orders them (§1.4).

Required fields are checked first, in the model's declaration order, and the first missing one is named in a
400; then types are validated (numeric strings coerce, §1.4). Handlers call `read_json` and `parse_body` at the
point of their order of checks where the contract puts body validation (often after role and existence checks);
`read_json` also holds every value to the bounds of the column it is named after (issue 11, `domain.bounds`).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from triboka_api.api.errors import bad_request
from triboka_api.domain.bounds import OutOfBoundsError, check_document, check_moment, parse_iso_datetime


class RequestModel(BaseModel):
    """Base of every request body: unknown keys are ignored, as the first generation did."""

    # NaN and ±Infinity arrive as strings ("NaN", "inf") that float fields would otherwise coerce (issue 11)
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False, allow_inf_nan=False)


def _to_utc_naive(value: Any) -> Any:  # a str is parsed; anything else goes on to pydantic's own check
    return parse_iso_datetime(value) if isinstance(value, str) else value


def _to_date(value: Any) -> Any:
    parsed = _to_utc_naive(value)
    return parsed.date() if isinstance(parsed, datetime) else parsed


def _to_certifications(value: Any) -> Any:
    """A list of names, or one comma string (Δ C-14); parts are trimmed and blanks dropped."""
    parts = value.split(",") if isinstance(value, str) else value
    if isinstance(parts, list) and all(isinstance(p, str) for p in parts):
        return [p.strip() for p in parts if p.strip()]
    return value


M = TypeVar("M", bound=RequestModel)

IsoDatetime = Annotated[datetime, BeforeValidator(_to_utc_naive)]
IsoDate = Annotated[date, BeforeValidator(_to_date)]
Certifications = Annotated[list[str], BeforeValidator(_to_certifications)]


def parse_datetime_param(name: str, value: str | None) -> datetime | None:
    """A datetime query parameter; unparsable → 400 (Δ: ORIG answered 500)."""
    if value is None or value == "":
        return None
    try:
        parsed = parse_iso_datetime(value)
        check_moment(name, parsed)
    except ValueError as exc:  # OutOfBoundsError is a ValueError too
        raise bad_request(f"Invalid date for '{name}'") from exc
    return parsed


async def read_json(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; anything else is 400 `JSON body required` (Δ §1.4). Every value is
    then held to the bounds of the column it is named after (issue 11, `domain.bounds`): 400 naming it."""
    raw = await request.body()
    try:
        data = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise bad_request("JSON body required")
    try:
        check_document(data)
    except OutOfBoundsError as exc:
        raise bad_request(str(exc)) from exc
    return data


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def require_fields(data: dict[str, Any], fields: list[str]) -> None:
    for name in fields:
        if _is_missing(data.get(name)):
            raise bad_request(f"Field '{name}' is required")


@cache
def _required_fields(model: type[RequestModel]) -> list[str]:
    """The model's required fields in declaration order (computed once per model, not per request)."""
    return [name for name, field in model.model_fields.items() if field.is_required()]


def parse_body(model: type[M], data: dict[str, Any]) -> M:
    require_fields(data, _required_fields(model))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise bad_request(f"Invalid value for '{where}': {first['msg']}") from exc
