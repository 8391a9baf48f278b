"""Form posts in, API payloads out: typed parsing at the edge and errors placed next to the fields.

Required-ness is left to the API, which reports the first missing field in its own order; the web side only
rejects values it cannot convert (a weight that is not a number, a date that is not a date).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from triboka_web.api_client import ApiAuthError, ApiError, ApiForbiddenError, ApiRateLimitedError
from triboka_web.i18n import N_, _

FORM_ERROR = "__form__"


class FormModel(BaseModel):
    """Blank inputs count as absent; the payload carries only what was filled in."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    @classmethod
    def field_names(cls) -> list[str]:
        return list(cls.model_fields)


M = TypeVar("M", bound=FormModel)


@dataclass(frozen=True)
class ParsedForm(Generic[M]):
    """The submitted values (to refill the form), the parsed model when it converted, and the errors."""

    values: dict[str, Any]
    model: M | None
    errors: dict[str, str]


_MESSAGES = {
    "float_parsing": N_("Enter a number."),
    "int_parsing": N_("Enter a whole number."),
    "date_from_datetime_parsing": N_("Enter a valid date."),
    "date_parsing": N_("Enter a valid date."),
}


def parse_form(model: type[M], form: FormData, lists: Iterable[str] = ()) -> ParsedForm[M]:
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    for name in lists:
        values[name] = [v for v in form.getlist(name) if isinstance(v, str) and v]
    try:
        return ParsedForm(values, model.model_validate(values), {})
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else FORM_ERROR
            errors.setdefault(field, _(_MESSAGES.get(error["type"], N_("Enter a valid value."))))
        return ParsedForm(values, None, errors)


def api_refusal(exc: ApiError) -> str:
    """The text of a refusal to show the user. Auth and permission answers are not shown in place: they
    propagate to the session-expiry and 403 handlers."""
    if isinstance(exc, ApiAuthError | ApiForbiddenError):
        raise exc
    if isinstance(exc, ApiRateLimitedError):
        return wait_message(exc)
    return exc.message


def wait_message(exc: ApiRateLimitedError) -> str:
    """What a person reads when the API says 429: how long to wait, when it said so."""
    if exc.retry_after is None:
        return _("Too many attempts. Please wait a moment and try again.")
    return _("Too many attempts. Please try again in %(seconds)d seconds.") % {"seconds": exc.retry_after}


def api_form_errors(exc: ApiError, fields: Iterable[str]) -> dict[str, str]:
    """Place the API's refusal next to the field its text names (the longest match), else on the form."""
    message = api_refusal(exc)
    for field in sorted(fields, key=len, reverse=True):
        if re.search(rf"(?<![A-Za-z_]){re.escape(field)}(?![A-Za-z_])", message):
            return {field: message}
    return {FORM_ERROR: message}


Redisplay = Callable[[dict[str, Any], dict[str, str]], Awaitable[Response]]


async def submit_form(
    request: Request,
    model: type[M],
    send: Callable[[M], Awaitable[Any]],
    redisplay: Redisplay,
    lists: Iterable[str] = (),
) -> Response | tuple[M, Any]:
    """Parse the posted form and `send` it to the API. A value that does not convert, or the API's refusal, gives
    `redisplay(values, errors)`: the same form, refilled, with the errors next to their fields. Otherwise the
    parsed form and the API's answer."""
    parsed = parse_form(model, await request.form(), lists)
    if parsed.model is None:
        return await redisplay(parsed.values, parsed.errors)
    try:
        return parsed.model, await send(parsed.model)
    except ApiError as exc:
        return await redisplay(parsed.values, api_form_errors(exc, model.field_names()))


def _certifications(value: Any) -> list[str]:
    parts = value if isinstance(value, list) else str(value).split(",")
    return [p.strip() for p in parts if p and p.strip()]


class LoginForm(FormModel):
    email: str | None = None
    password: str | None = None


class LotEditForm(FormModel):
    """What can still change on an available lot (PUT /api/lots/{id})."""

    farm_name: str | None = None
    location: str | None = None
    quality_grade: str | None = None
    certifications: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _split_certifications(cls, data: Any) -> Any:
        if isinstance(data, dict) and "certifications" in data:
            data = {**data, "certifications": _certifications(data["certifications"])}
        return data


class LotForm(LotEditForm):
    producer_company_id: int | None = None
    product_type: str | None = None
    weight_kg: float | None = None
    harvest_date: date | None = None
    producer_name: str | None = None


class PurchaseForm(FormModel):
    purchase_price_usd: float | None = None


class BatchForm(FormModel):
    source_lot_ids: list[int] = []
    batch_type: str | None = None
    location: str | None = None


class ContractForm(FormModel):
    contract_code: str | None = None
    buyer_company_id: int | None = None
    exporter_company_id: int | None = None
    product_type: str | None = None
    product_grade: str | None = None
    total_volume_mt: float | None = None
    differential_usd: float | None = None
    start_date: date | None = None
    end_date: date | None = None
    delivery_date: date | None = None


class StatusForm(FormModel):
    status: str | None = None


class FixationForm(FormModel):
    fixed_quantity_mt: float | None = None
    spot_price_usd: float | None = None
    notes: str | None = None


class DispatchForm(FormModel):
    contract_id: int | None = None
    batch_id: int | None = None
    quantity_mt: float | None = None
    destination_country: str | None = None
    shipping_date: date | None = None
    destination_port: str | None = None
    destination_company: str | None = None
    carrier_name: str | None = None
    vessel_name: str | None = None
    tracking_number: str | None = None
    estimated_delivery_date: date | None = None
    freight_cost_usd: float | None = None
    notes: str | None = None


class UserForm(FormModel):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    role: str | None = None
    company_id: int | None = None
    password: str | None = None
    active: bool = False

    def update_payload(self) -> dict[str, Any]:
        """PUT /api/users/{id}: email is fixed, a blank password keeps the old one, no company clears it."""
        body = self.model_dump(mode="json", exclude={"email", "password"})
        return body | ({"password": self.password} if self.password else {})


class ErpConnectionForm(FormModel):
    system_type: str | None = None
    name: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    username: str | None = None
    password: str | None = None


class ErpPushForm(FormModel):
    connection_id: str | None = None
    contract_id: int | None = None


class ContactForm(FormModel):
    producer_company_id: int | None = None
    contact_type: str | None = None
    message: str | None = None
    lot_ids: list[int] = []

    def payload(self) -> dict[str, Any]:
        """The S-53 body: the producer travels in the path."""
        return self.model_dump(mode="json", exclude_none=True, exclude={"producer_company_id"})


class TraceEventForm(FormModel):
    event_type: str | None = None
    title: str | None = None
    description: str | None = None
    location: str | None = None
    is_public: bool = False


class FinanceForm(FormModel):
    """S-34: a blank amount keeps the stored one (the API changes only the fields sent)."""

    costo_admin: float | None = None
    precio_admin: float | None = None
    currency: str | None = None
    notes: str | None = None


class MemberForm(FormModel):
    """S-28: `party` is `company:<id>` or `user:<id>` (one select of both); `write` asks for write permission,
    unticked leaves the API's default for the role."""

    party: str | None = None
    role_in_deal: str | None = None
    write: bool = False

    def payload(self) -> dict[str, Any]:
        party_type, _sep, party_id = (self.party or "").partition(":")
        body = {
            "party_type": party_type or None,
            "party_id": int(party_id) if party_id.isdigit() else None,
            "role_in_deal": self.role_in_deal,
        }
        return {k: v for k, v in body.items() if v is not None} | (
            {"permissions": ["read", "write"]} if self.write else {}
        )


class TraceLinkForm(FormModel):
    """S-36: lots and batches chosen from the caller's lists, and an optional event of the broker's own."""

    lote_ids: list[int] = []
    batch_ids: list[int] = []
    event_title: str | None = None
    event_description: str | None = None

    def payload(self) -> dict[str, Any]:
        event = {"title": self.event_title, "description": self.event_description}
        events = [{k: v for k, v in event.items() if v}] if self.event_title else []
        body = {"lote_ids": self.lote_ids, "batch_ids": self.batch_ids, "events": events}
        return {k: v for k, v in body.items() if v}  # the API names what is missing when nothing was chosen
