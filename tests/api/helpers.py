"""Shape and error assertions shared by the contract tests, and the SPEC's response shapes (§4).

A shape is a dict of key → spec (the key set is asserted exactly), a `Kind` (a JSON type or format), `ListOf`,
`Nullable`, or a literal that must compare equal. `assert_shape` walks a response against it and names the
JSON path of the first mismatch.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from triboka_api.api.api_key_auth import key_company

NAIVE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$")
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LOT_CODE = re.compile(r"^LOT-.{1,3}-\d{14}-\d{3,}(-\d+)?$")
BATCH_CODE = re.compile(r"^BATCH-.{1,3}-\d{14}-\d{3,}(-\d+)?$")
DISPATCH_CODE = re.compile(r"^DSP-\d{4}-\d{3,}$")


class Kind:
    """A JSON type or string format."""

    def __init__(self, name: str, check: Callable[[Any], bool]) -> None:
        self.name, self.check = name, check

    def __repr__(self) -> str:
        return self.name


INT = Kind("int", lambda v: type(v) is int)
NUM = Kind("number", lambda v: type(v) in (int, float))
STR = Kind("string", lambda v: type(v) is str)
BOOL = Kind("bool", lambda v: type(v) is bool)
DICT = Kind("object", lambda v: type(v) is dict)
LIST = Kind("array", lambda v: type(v) is list)
ANY = Kind("any JSON value", lambda v: True)
DT = Kind("naive ISO datetime", lambda v: type(v) is str and NAIVE_DATETIME.match(v) is not None)
DATE = Kind("YYYY-MM-DD", lambda v: type(v) is str and DATE_ONLY.match(v) is not None)


class ListOf:
    def __init__(self, item: Any) -> None:
        self.item = item


class Nullable:
    def __init__(self, spec: Any) -> None:
        self.spec = spec


def opt(spec: Any) -> Nullable:
    return Nullable(spec)


def assert_shape(value: Any, spec: Any, path: str = "$") -> None:
    if isinstance(spec, Nullable):
        if value is not None:
            assert_shape(value, spec.spec, path)
    elif isinstance(spec, dict):
        assert type(value) is dict, f"{path}: expected an object, got {value!r}"
        missing, extra = set(spec) - set(value), set(value) - set(spec)
        assert not missing, f"{path}: missing keys {sorted(missing)} (unexpected: {sorted(extra)})"
        assert not extra, f"{path}: unexpected keys {sorted(extra)}"
        for key, sub in spec.items():
            assert_shape(value[key], sub, f"{path}.{key}")
    elif isinstance(spec, ListOf):
        assert type(value) is list, f"{path}: expected an array, got {value!r}"
        for i, item in enumerate(value):
            assert_shape(item, spec.item, f"{path}[{i}]")
    elif isinstance(spec, Kind):
        assert spec.check(value), f"{path}: expected {spec}, got {value!r}"
    else:
        assert value == spec, f"{path}: expected {spec!r}, got {value!r}"
        assert type(value) is type(spec), f"{path}: expected {spec!r}, got {value!r}"


# Error bodies (§1.3) -------------------------------------------------------------------------------------------


def assert_error(response: httpx.Response, status: int, *mentions: str) -> str:
    """A handler-level error: `status` and exactly `{"error": "<text>"}`; the text names every `mentions`."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    body = response.json()
    assert set(body) == {"error"}, body
    assert type(body["error"]) is str, body
    assert body["error"], body
    for word in mentions:
        assert word.lower() in body["error"].lower(), f"{word!r} not named in {body['error']!r}"
    return body["error"]


def assert_jwt_error(response: httpx.Response, status: int, msg: str | None = None) -> None:
    """A JWT-layer error: `{"msg": ...}` (an equal `error` key is allowed, §1.3)."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    body = response.json()
    assert type(body.get("msg")) is str, body
    assert body["msg"], body
    assert set(body) <= {"msg", "error"}, body
    assert body.get("error", body["msg"]) == body["msg"], body
    if msg is not None:
        assert body["msg"] == msg, body


def assert_ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    return response.json()


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


def naive(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is None, value
    return parsed


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# Tokens ---------------------------------------------------------------------------------------------------------


def mint_token(
    user_id: int | str, secret: str, *, lifetime: timedelta = timedelta(hours=1), **claims: Any
) -> str:
    """A Flask-JWT-Extended-shaped access token (§2), for expired, foreign and impersonation cases."""
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "fresh": False,
        "iat": now,
        "nbf": now if lifetime.total_seconds() > 0 else now + lifetime - timedelta(seconds=10),
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
        "type": "access",
        "sub": str(user_id),
        "tv": 0,  # a user's token version until something revokes its tokens
        "scopes": ["read", "write"],
    }
    if lifetime.total_seconds() <= 0:
        payload["iat"] = payload["nbf"]
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# SPEC shapes ----------------------------------------------------------------------------------------------------

LOT_ITEM = {  # C-13
    "id": INT,
    "lot_code": STR,
    "producer_company": opt(STR),
    "producer_company_id": opt(INT),
    "producer_name": opt(STR),
    "farm_name": opt(STR),
    "location": opt(STR),
    "product_type": opt(STR),
    "weight_kg": opt(NUM),
    "weight_mt": opt(NUM),
    "quality_grade": opt(STR),
    "quality_score": opt(NUM),
    "moisture_content": opt(NUM),
    "harvest_date": opt(DT),
    "purchase_date": opt(DT),
    "purchase_price_usd": opt(NUM),
    "price_per_mt": opt(NUM),
    "status": STR,
    "created_at": DT,
    "blockchain_lot_id": None,
    "export_contract_id": opt(INT),
    "batch_id": opt(INT),
    "certifications": ListOf(STR),
    "has_contract": BOOL,
    "purchased_by": opt(STR),
    "created_by": opt(STR),
}

LOT_AVAILABLE_ITEM = {  # C-16, C-17
    "id": INT,
    "lot_code": STR,
    "producer_company": opt(STR),
    "producer_name": opt(STR),
    "farm_name": opt(STR),
    "location": opt(STR),
    "product_type": opt(STR),
    "weight_kg": opt(NUM),
    "quality_grade": opt(STR),
    "harvest_date": opt(DT),
    "certifications": ListOf(STR),
    "created_at": DT,
    "blockchain_lot_id": None,
}

LOT_DETAIL_CORE = {  # shared by C-20 `lot` and C-24 `source_lots`
    "id": INT,
    "lot_code": STR,
    "producer_company": opt(STR),
    "producer_name": opt(STR),
    "farm_name": opt(STR),
    "location": opt(STR),
    "product_type": opt(STR),
    "weight_kg": opt(NUM),
    "quality_grade": opt(STR),
    "harvest_date": opt(DT),
    "certifications": ListOf(STR),
}

BATCH_BASE = {
    "id": INT,
    "batch_code": STR,
    "source_lot_ids": ListOf(INT),
    "source_lot_weights": ListOf(NUM),
    "total_weight_kg": NUM,
    "batch_type": opt(STR),
    "location": opt(STR),
    "creator_company_id": opt(INT),
    "current_owner_company_id": opt(INT),
    "blockchain_batch_id": None,
    "status": STR,
    "created_at": DT,
}

COMPANY_REF_TYPED = {"id": INT, "name": STR, "company_type": opt(STR)}
COMPANY_REF = {"id": INT, "name": STR}

CONTRACT_BASE = {
    "id": INT,
    "contract_code": STR,
    "buyer_company_id": opt(INT),
    "exporter_company_id": opt(INT),
    "product_type": opt(STR),
    "product_grade": opt(STR),
    "total_volume_mt": NUM,
    "fixed_volume_mt": NUM,
    "differential_usd": NUM,
    "start_date": opt(DT),
    "end_date": opt(DT),
    "delivery_date": opt(DT),
    "status": STR,
    "blockchain_contract_id": None,
    "created_by_user_id": opt(INT),
    "created_at": DT,
    "updated_at": DT,
}

FIXATION_BASE = {
    "id": INT,
    "export_contract_id": INT,
    "fixed_quantity_mt": NUM,
    "spot_price_usd": NUM,
    "total_value_usd": NUM,
    "fixation_date": DT,
    "notes": opt(STR),
    "blockchain_fixation_id": None,
    "created_by_user_id": opt(INT),
    "created_at": DT,
}

USER_OBJECT = {
    "id": INT,
    "keycloak_id": opt(STR),
    "email": STR,
    "first_name": opt(STR),
    "last_name": opt(STR),
    "name": STR,
    "role": STR,
    "company_id": opt(INT),
    "active": BOOL,
    "profile": opt(
        {"location": opt(STR), "product_type": opt(STR), "business_type": opt(STR), "additional_data": ANY}
    ),
}

CONTRACT_SUMMARY = {"total_volume": NUM, "fixed_volume": NUM, "available_volume": NUM}

DISPATCH_BASE = {
    "id": INT,
    "dispatch_code": STR,
    "contract_id": INT,
    "batch_id": INT,
    "quantity_mt": NUM,
    "destination_country": STR,
    "destination_port": opt(STR),
    "destination_company": opt(STR),
    "shipping_date": DATE,
    "estimated_delivery_date": opt(DATE),
    "actual_delivery_date": opt(DATE),
    "carrier_name": opt(STR),
    "vessel_name": opt(STR),
    "tracking_number": opt(STR),
    "bill_of_lading": opt(STR),
    "status": STR,
    "freight_cost_usd": NUM,
    "insurance_cost_usd": NUM,
    "other_costs_usd": NUM,
    "created_by_id": INT,
    "documents": LIST,
    "notes": opt(STR),
    "created_at": DT,
    "updated_at": DT,
}

DISPATCH_FULL = DISPATCH_BASE | {"contract": CONTRACT_BASE, "batch": BATCH_BASE, "created_by": USER_OBJECT}

EVENT_PUBLIC = {
    "id": INT,
    "event_type": STR,
    "entity_type": STR,
    "entity_id": STR,
    "title": STR,
    "description": opt(STR),
    "location": opt(STR),
    "actor_id": opt(INT),
    "actor_name": opt(STR),
    "event_timestamp": DT,
    "status": STR,
    "is_public": BOOL,
    "created_at": DT,
}

EVENT_PRIVATE = EVENT_PUBLIC | {
    "event_data": DICT,
    "measurements": DICT,
    "blockchain_tx_hash": None,
    "blockchain_block_number": None,
    "tags": LIST,
}


# Route tables ---------------------------------------------------------------------------------------------------

JWT_ROUTES = [  # every core route behind a JWT (§3.2), plus the market write extension
    ("GET", "/api/profile"),
    ("GET", "/api/auth/profile"),
    ("GET", "/api/auth/context"),
    ("POST", "/api/auth/change-context"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("PUT", "/api/users/1"),
    ("DELETE", "/api/users/1"),
    ("GET", "/api/companies"),
    ("GET", "/api/lots"),
    ("POST", "/api/lots"),
    ("POST", "/api/lots/1/purchase"),
    ("GET", "/api/lots/available"),
    ("GET", "/api/lots/search?q=LOT"),
    ("GET", "/api/lots/1/traceability"),
    ("GET", "/api/lots/available-for-batch"),
    ("POST", "/api/batches"),
    ("GET", "/api/batches"),
    ("GET", "/api/batches/1"),
    ("GET", "/api/contracts"),
    ("POST", "/api/contracts"),
    ("GET", "/api/contracts/1"),
    ("PUT", "/api/contracts/1/status"),
    ("POST", "/api/contracts/1/fixations"),
    ("POST", "/api/fixations/contract/1"),
    ("GET", "/api/fixations"),
    ("GET", "/api/fixations/1"),
    ("DELETE", "/api/fixations/1"),
    ("GET", "/api/fixations/contract/1/summary"),
    ("GET", "/api/dispatches"),
    ("POST", "/api/dispatches"),
    ("GET", "/api/dispatches/stats"),
    ("GET", "/api/dispatches/1"),
    ("PUT", "/api/dispatches/1"),
    ("DELETE", "/api/dispatches/1"),
    ("POST", "/api/trace/event"),
    ("GET", "/api/trace/events"),
    ("GET", "/api/trace/timeline/lot/1"),
    ("GET", "/api/trace/event/1"),
    ("PUT", "/api/trace/event/1"),
    ("GET", "/api/dashboard/producer"),
    ("GET", "/api/dashboard/exporter"),
    ("GET", "/api/dashboard/buyer"),
    ("GET", "/api/analytics/dashboard"),
    ("POST", "/api/market/prices"),
    # second tier (issue 14)
    ("PUT", "/api/contracts/1"),
    ("DELETE", "/api/contracts/1"),
    ("POST", "/api/contracts/from-lots"),
    ("PUT", "/api/fixations/1"),
    ("GET", "/api/purchases"),
    ("GET", "/api/batches/available"),
    ("GET", "/api/batches/search?q=B"),
    ("GET", "/api/batches/1/traceability"),
    ("GET", "/api/blockchain/status"),
    ("GET", "/api/blockchain/transactions"),
    ("POST", "/api/traceability/events"),
    ("GET", "/api/traceability/events"),
    ("GET", "/api/traceability/timeline/lot/1"),
    ("GET", "/api/traceability/validate-chain/lot/1"),
    ("GET", "/api/analytics/esg"),
    ("GET", "/api/analytics/dashboard/overview"),
    ("GET", "/api/analytics/reports/supply-chain"),
    ("GET", "/api/analytics/reports/financial"),
    ("GET", "/api/analytics/reports/quality"),
    ("GET", "/api/analytics/real-time"),
    ("GET", "/api/analytics/contracts"),
    ("GET", "/api/analytics/fixations"),
    ("GET", "/api/analytics/market/trends?period=7d"),
    ("POST", "/api/analytics/reports/generate"),
    ("GET", "/api/analytics/cache/stats"),
    ("POST", "/api/analytics/cache/clear"),
    ("POST", "/api/performance/cache/clear"),
    ("GET", "/api/performance/cache/stats"),
    ("GET", "/api/performance/metrics"),
    ("POST", "/api/performance/optimize/queries"),
    ("POST", "/api/performance/optimize/apply"),
]

MUTATING_ROUTES = [route for route in JWT_ROUTES if route[0] != "GET"]

PUBLIC_ROUTES = [
    ("GET", "/api/health"),
    ("GET", "/health"),
    ("GET", "/api/public/lots/available"),
    ("GET", "/api/lots/id/LOT-NONE"),
    ("GET", "/api/public/trace/verify/lot/999999"),
    ("GET", "/api/market/cacao-prices"),
]


def route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1]}"


def takes_api_key(route: RouteContext) -> bool:
    """An AgroWeight route (§5.9): authenticated by a company API key, not a user's JWT."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if dependency.call is key_company:
            return True
        pending.extend(dependency.dependencies)
    return False


def api_routes(app: FastAPI) -> list[RouteContext]:
    """The app's API routes as its route table has them (included routers flattened)."""
    return [c for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)]
