"""Issue 11, bounded input: every route of the app's route table, driven with hostile values.

Path and query parameters come from the route table itself (their declared types), so a new route is covered
without editing this file. What the route table cannot say is described here: the JSON body of every route that
takes one (`BODIES`), the value of each path parameter name (`PATH_VALUES`), and query strings that carry numbers
or dates (`QUERY_MEANING`). A route or parameter missing from those fails the test until it is described.

Each hostile request must get a 4xx `{"error": ...}` (400 naming the field, 404 for an id beyond its column in the
path, 413 for an oversized body), and nothing may be stored: every table's rows are compared before and after.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, get_args

import pytest
import pytest_asyncio
from fastapi.routing import RouteContext
from pydantic import BaseModel
from sqlalchemy import select
from triboka_api.api.routes import deal_files, kyc
from triboka_api.api.uploads import MULTIPART_ENVELOPE_BYTES
from triboka_api.app import create_app
from triboka_api.models import Base, DealMember
from triboka_api.settings import Settings

from tests.api.conftest import JWT_SECRET, PASSWORD
from tests.api.helpers import api_routes, assert_ok, takes_api_key

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
TEXT_MAX = 10_000  # the documented maximum of Text columns and of strings no column describes
NUL = "a\x00b"
OUT_OF_RANGE_IDS = [2**31, -(2**31) - 1, 10**30, "99999999999"]
NOT_FINITE = ["NaN", "Infinity", "-Infinity", "nan", "inf"]
HUGE = [1e300, "1e300", -1e300]
BAD_MOMENTS = ["0001-01-01", "1899-12-31T23:59:59", "9999-12-31T23:59:59", "9999-12-31T23:00:00-14:00"]


# Field descriptions: a valid value and the hostile values its kind implies --------------------------------------


@dataclass
class Text:
    value: Any
    max_chars: int = TEXT_MAX

    def hostile(self) -> list[Any]:
        return [NUL, "x" * (self.max_chars + 1)]


@dataclass
class Texts(Text):
    """A list of strings stored joined (certifications)."""

    def hostile(self) -> list[Any]:
        return [[NUL], ["x" * (self.max_chars + 1)]]


@dataclass
class Id:
    value: Any

    def hostile(self) -> list[Any]:
        return OUT_OF_RANGE_IDS


@dataclass
class Ids:
    value: Any

    def hostile(self) -> list[Any]:
        return [[i] for i in OUT_OF_RANGE_IDS]


@dataclass
class Num:
    value: Any
    sign: str  # "positive" (weights, volumes, quantities), "non_negative" (costs, prices), "any" (differentials)

    def hostile(self) -> list[Any]:
        by_sign = {"positive": [0, -1, 1e-9, "0.0004"], "non_negative": [-0.01, "-5"], "any": []}
        return NOT_FINITE + HUGE + by_sign[self.sign]


@dataclass
class Moment:
    value: Any
    lenient: bool = (
        False  # C-41 event_timestamp: an unparsable value is ignored (only parsable ones are refused)
    )

    def hostile(self) -> list[Any]:
        return BAD_MOMENTS[:3] if self.lenient else BAD_MOMENTS


@dataclass
class Json:
    value: Any

    def hostile(self) -> list[Any]:
        if isinstance(self.value, list):
            return [[NUL], [{"k": NUL}], ["x" * (TEXT_MAX + 1)]]
        return [{"k": NUL}, {NUL: 1}, {"k": ["x" * (TEXT_MAX + 1)]}]


@dataclass
class Plain:
    """A value with no hostile variant of its own (booleans)."""

    value: Any

    def hostile(self) -> list[Any]:
        return []


@dataclass
class Rows:
    """Ids and values of existing rows, by the names the descriptions use."""

    values: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


# `{name}` in a value is replaced by that row value; the descriptions are functions of the rows.
def BODIES(r: Rows) -> dict[tuple[str, str], dict[str, Any]]:  # noqa: N802 - a table, read like a constant
    dispatch_fields = {
        "destination_port": Text("Guayaquil", 255),
        "destination_company": Text("Hershey", 255),
        "carrier_name": Text("Maersk", 255),
        "vessel_name": Text("Ever Given", 255),
        "tracking_number": Text("TRK-1", 100),
        "bill_of_lading": Text("BL-1", 100),
        "notes": Text("careful"),
        "estimated_delivery_date": Moment("2025-12-01"),
        "freight_cost_usd": Num(100, "non_negative"),
        "insurance_cost_usd": Num(10, "non_negative"),
        "other_costs_usd": Num(1, "non_negative"),
    }
    fixation = {
        "fixed_quantity_mt": Num(1, "positive"),
        "spot_price_usd": Num(3000, "non_negative"),
        "notes": Text("first"),
        "fixation_date": Moment("2025-06-01"),
    }
    event = {
        "title": Text("Harvest", 255),
        "description": Text("dried"),
        "location": Text("Chone", 255),
        "event_data": Json({"a": 1}),
        "measurements": Json({"kg": 10}),
        "tags": Json(["x"]),
    }
    # a hostile `changes` list is refused as a whole; values inside a change are the per-item rules (test_sync.py)
    sync_push = {"changes": Json([{"entity": "lot", "id": r["lot_id"], "base_updated_at": 0, "fields": {}}])}
    return {
        ("POST", "/api/auth/login"): {"email": Text(r["admin_email"], 255), "password": Text(PASSWORD)},
        ("POST", "/api/auth/logout"): {},  # reads no field: only the oversized body applies (refused unread)
        ("POST", "/api/auth/impersonate/{target_user_id}"): {},  # likewise
        ("POST", "/api/auth/stop-impersonation"): {},  # likewise
        ("POST", "/api/deals/{deal_id}/upload"): {},  # multipart: its fields are driven in test_deal_files.py
        ("POST", "/api/did/{did_id}/kyc"): {},  # multipart: its fields are driven in test_did_kyc.py
        ("POST", "/api/did/create"): {},  # reads no field
        ("POST", "/api/did/verify"): {"did_id": Id(r["did_id"]), "notes": Text("ok")},
        ("POST", "/api/did/reject"): {"did_id": Id(r["did_id"]), "notes": Text("no")},
        ("POST", "/api/did/{did_id}/sign"): {
            "event_type": Text("lot_created", 50),
            "event_id": Text("1", 100),
            "event_data": Json({"a": 1}),
        },
        ("POST", "/api/did/signatures/{signature_id}/verify"): {"event_data": Json({"a": 1})},
        ("POST", "/api/did/kyc/{document_id}/review"): {"status": Text("verified", 50), "notes": Text("ok")},
        ("POST", "/api/auth/register"): {
            "name": Text("New Producer", 255),
            "email": Text("hostile-new@example.com", 255),
            "password": Text(PASSWORD),
            "role": Text("producer", 50),
            "company_id": Id(r["producer_company"]),
            "location": Text("Chone", 255),
            "productType": Text("Cacao", 100),
        },
        ("POST", "/api/auth/change-context"): {"type": Text("global"), "deal_id": Id(None)},
        ("POST", "/api/users"): {
            "email": Text("hostile-user@example.com", 255),
            "first_name": Text("Ana", 255),
            "last_name": Text("Paz", 255),
            "role": Text("buyer", 50),
            "company_id": Id(r["buyer_company"]),
            "password": Text(PASSWORD),
            "active": Plain(True),
        },
        ("PUT", "/api/users/{user_id}"): {
            "first_name": Text("Ana", 255),
            "last_name": Text("Paz", 255),
            "role": Text("buyer", 50),
            "company_id": Id(r["buyer_company"]),
            "password": Text(PASSWORD),
        },
        ("POST", "/api/lots"): {
            "producer_company_id": Id(r["producer_company"]),
            "farm_name": Text("Finca", 255),
            "location": Text("Chone", 255),
            "product_type": Text("Cacao CCN51", 100),
            "weight_kg": Num(1500, "positive"),
            "quality_grade": Text("A", 50),
            "harvest_date": Moment("2025-10-01"),
            "certifications": Texts(["Organic"]),
            "producer_name": Text("Coop", 255),
        },
        ("PUT", "/api/lots/{lot_id}"): {
            "farm_name": Text("Finca", 255),
            "location": Text("Chone", 255),
            "quality_grade": Text("A", 50),
            "certifications": Texts(["Organic"]),
        },
        ("POST", "/api/lots/{lot_id}/purchase"): {"purchase_price_usd": Num(3000, "non_negative")},
        ("POST", "/api/batches"): {
            "source_lot_ids": Ids([r["purchased_lot"]]),
            "batch_type": Text("export", 50),
            "location": Text("Guayaquil", 255),
        },
        ("POST", "/api/contracts"): {
            "contract_code": Text("HOSTILE-1", 100),
            "buyer_company_id": Id(r["buyer_company"]),
            "exporter_company_id": Id(r["exporter_company"]),
            "product_type": Text("Cacao", 100),
            "product_grade": Text("A", 50),
            "total_volume_mt": Num(100, "positive"),
            "differential_usd": Num(-150, "any"),
            "start_date": Moment("2025-01-01"),
            "end_date": Moment("2025-12-31"),
            "delivery_date": Moment("2025-12-01"),
        },
        ("PUT", "/api/contracts/{contract_id}/status"): {"status": Text("active", 20)},
        ("PUT", "/api/contracts/{contract_id}"): {
            "product_type": Text("Cacao", 100),
            "product_grade": Text("A", 50),
            "total_volume_mt": Num(100, "positive"),
            "differential_usd": Num(-150, "any"),
            "start_date": Moment("2025-01-01"),
            "end_date": Moment("2025-12-31"),
            "delivery_date": Moment("2025-12-01"),
        },
        ("POST", "/api/contracts/from-lots"): {
            "lot_ids": Ids([r["lot_id"]]),
            "differential_usd": Num(-1500, "any"),
            "delivery_date": Moment("2026-03-01"),
            "notes": Text("first purchase"),
        },
        ("PUT", "/api/fixations/{fixation_id}"): {"notes": Text("revised")},
        ("POST", "/api/contracts/{contract_id}/fixations"): fixation,
        ("POST", "/api/fixations/contract/{contract_id}"): fixation,
        ("POST", "/api/dispatches"): {
            "contract_id": Id(r["contract_id"]),
            "batch_id": Id(r["batch_id"]),
            "quantity_mt": Num(0.5, "positive"),
            "destination_country": Text("USA", 100),
            "shipping_date": Moment("2025-11-01"),
            **dispatch_fields,
        },
        ("PUT", "/api/dispatches/{dispatch_id}"): {
            **dispatch_fields,
            "documents": Json(["bl.pdf"]),
            "status": Text("in_transit", 20),
        },
        ("POST", "/api/trace/event"): {
            "event_type": Text("harvest", 100),
            "entity_type": Text("lot", 50),
            "entity_id": Text(str(r["lot_id"]), 100),
            **event,
            "is_public": Plain(True),
            "event_timestamp": Moment("2025-01-02T03:04:05", lenient=True),
        },
        ("PUT", "/api/trace/event/{event_id}"): event,
        ("POST", "/api/traceability/events"): {
            "event_type": Text("DRYING", 100),
            "entity_type": Text("lot", 50),
            "entity_id": Text(str(r["lot_id"]), 100),
            "measurements": Json({"moisture_pct": 7.5, "duration_hours": 96}),
            "location": Text("Chone", 255),
            "notes": Text("sun dried"),
        },
        ("POST", "/api/analytics/reports/generate"): {"report_type": Text("quality"), "period": Text("30d")},
        # these read no field: only the oversized body applies
        ("POST", "/api/analytics/cache/clear"): {},
        ("POST", "/api/performance/cache/clear"): {},
        ("POST", "/api/performance/optimize/queries"): {},
        ("POST", "/api/performance/optimize/apply"): {},
        ("POST", "/api/companies/{company_id}/api-keys"): {
            "label": Text("weighbridge", 100),
            "replace_existing": Plain(False),
        },
        ("POST", "/api/lotes/{lote_id}/eventos"): {"tipo": Text("pesaje"), "descripcion": Text("Báscula")},
        ("POST", "/api/batch-nft"): {
            "batch_code": Text("NFT-HOSTILE", 100),
            "lotes": Json([{"id": r["purchased_lot"]}]),
            "batch_type": Text("export", 50),
            "location": Text("Durán", 255),
        },
        ("POST", "/api/match/contact/{producer_company_id}"): {
            "contact_type": Text("inquiry"),
            "message": Text("Hola", 2_000),  # Δ 221
            "lot_ids": Ids([r["lot_id"]]),
        },
        ("POST", "/api/sync/push"): sync_push,
        ("POST", "/api/sync/sync/push"): sync_push,
        ("POST", "/api/deals"): {
            "producer_id": Id(r["producer_company"]),
            "exporter_id": Id(r["exporter_company"]),
            "terms_public": Json({"volume_mt": 25}),
            "terms_private": Json({"fee": 2}),
            "description": Text("Cacao fino"),
        },
        ("POST", "/api/deals/{deal_id}/members"): {
            "party_id": Id(r["buyer_company"]),
            "role_in_deal": Text("observer", 20),
            "party_type": Text("company", 20),
            "permissions": Json(["read"]),
        },
        ("POST", "/api/deals/{deal_id}/notes"): {
            "content": Text("nota"),
            "scope": Text("PUBLIC", 20),
            "attachments": Json(["a.pdf"]),
        },
        ("POST", "/api/deals/{deal_id}/messages"): {"content": Text("hola"), "attachments": Json(["a.pdf"])},
        ("POST", "/api/deals/{deal_id}/finance"): {
            "costo_admin": Num(2000, "non_negative"),
            "precio_admin": Num(2300, "non_negative"),
            "currency": Text("USD", 10),
            "notes": Text("FOB"),
        },
        ("POST", "/api/deals/{deal_id}/trace"): {
            "lote_ids": Ids([r["lot_id"]]),
            "batch_ids": Ids([r["batch_id"]]),
            "events": Json([{"title": "Inspección"}]),
        },
        ("POST", "/api/realtime/ticket"): {"deal_id": Id(r["deal_id"])},
        ("POST", "/api/erp/connections"): {
            "system_type": Text("custom", 20),
            "name": Text("ERP", 255),
            "base_url": Text("http://erp.invalid", 500),
            "api_key": Text("erp-key"),
            "username": Text("integrador"),
            "password": Text("secreto"),
        },
        **{
            ("POST", f"/api/erp/sync/{kind}/{{entity_id}}"): {"connection_id": Text(r["erp_connection"], 64)}
            for kind in ("company", "contract", "fixation")
        },
        ("POST", "/api/erp/sync/bulk"): {
            "connection_id": Text(r["erp_connection"], 64),
            "entity_type": Text("companies", 50),
            "entity_ids": Ids([r["producer_company"]]),
        },
        ("POST", "/api/erp/test-connection/{connection_id}"): {},
        ("POST", "/api/batches/create-export"): {
            "batch_erp": Json({"codigo": "ERP-HOSTILE"}),
            "lotes": Json([{"codigo_lote_erp": "E-1"}]),
            "cliente": Json({"nombre": "Cliente"}),
            "totales": Json({"peso_kg": 100}),
            "despacho": Json({"pais_destino": "Suiza"}),
            "certificaciones": Texts(["Organic"]),
        },
        ("POST", "/api/market/prices"): {
            "price_date": Moment("2025-06-01"),
            "close_usd_per_mt": Num(3250, "non_negative"),
            "source": Text("manual", 100),
        },
    }


PATH_VALUES = {  # path parameter name -> the row value it takes
    "user_id": "user_id",
    "lot_id": "lot_id",
    "batch_id": "batch_id",
    "contract_id": "contract_id",
    "fixation_id": "fixation_id",
    "dispatch_id": "dispatch_id",
    "event_id": "event_id",
    "entity_type": "entity_type",
    "entity_id": "entity_id",
    "code": "lot_code",
    "company_id": "producer_company",
    "key_id": "api_key_id",
    "lote_id": "lot_id",
    "nft_hash": "lot_code",
    "producer_company_id": "producer_company",
    "deal_id": "deal_id",
    "target_user_id": "user_id",
    "file_id": "file_id",
    "did_id": "did_id",
    "signature_id": "signature_id",
    "document_id": "kyc_document_id",
    "member_id": "member_id",
    "connection_id": "erp_connection",
    "producer_id": "producer_company",
}

# Query parameters declared as strings that the route reads as something else.
QUERY_MEANING = {
    "page": ["99999999999", str(2**63)],
    "per_page": ["99999999999", str(2**63)],
    "start_date": BAD_MOMENTS,
    "end_date": BAD_MOMENTS,
}
# C-42 `date_from`/`date_to`: unparsable values are ignored (the contract), so only the string rules apply.
HOSTILE_BY_TYPE: dict[Any, list[str]] = {
    int: ["2147483648", "-2147483649", "99999999999999999999999", "1e300"],
    float: ["nan", "inf", "-Infinity", "1e999"],
    date: ["0001-01-01", "9999-12-31"],
    datetime: ["0001-01-01", "9999-12-31"],
    str: [NUL, "x" * (TEXT_MAX + 1)],
}


def _route_table() -> list[tuple[str, str]]:
    """The (method, path) pairs of the app (building the app needs no database)."""
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", jwt_secret=JWT_SECRET))
    return sorted((method, route.path) for route in api_routes(app) for method in route.methods)


ROUTES = _route_table()


def _plain(annotation: Any) -> Any:
    kinds = [a for a in get_args(annotation) if a is not type(None)] or [annotation]
    return kinds[0]


def _query_parameters(route) -> Iterator[tuple[str, Any]]:
    """A route's query parameters by name and type; a query model's fields are parameters of their own."""
    for param in route.dependant.query_params:
        model = _plain(param.field_info.annotation)
        if isinstance(model, type) and issubclass(model, BaseModel):
            yield from ((name, field.annotation) for name, field in model.model_fields.items())
        else:
            yield param.name, param.field_info.annotation


def _unwrap(body: dict[str, Any]) -> dict[str, Any]:
    return {name: spec.value for name, spec in body.items()}


async def _snapshot(app) -> dict[str, list[tuple]]:
    async with app.state.sessionmaker() as session:
        snapshot = {}
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            snapshot[table.name] = [tuple(row) for row in rows]
        return snapshot


@pytest.fixture(scope="module")
def settings(fresh_database) -> Settings:
    # rate limits would answer this module's hundreds of requests with 429s; the setting is ignored where absent
    return fresh_database(
        rate_limit_enabled=False, max_upload_bytes=64 * 1024, encryption_keys=f"k1:{'A' * 43}"
    )


@pytest_asyncio.fixture(scope="module")
async def rows(client, world, admin) -> Rows:
    chain = await world.chain()
    lot = await world.lot(chain.producer)
    purchased = await world.purchased_lot(chain.producer, chain.exporter)
    dispatch = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"])
    fixation = await world.fixation(chain.exporter, chain.contract["id"], 1)
    event = assert_ok(
        await client.post(
            "/api/trace/event",
            json={"event_type": "harvest", "entity_type": "lot", "entity_id": lot["lot_id"], "title": "H"},
            headers=admin.headers,
        ),
        201,
    )["event"]
    lot_code = assert_ok(await client.get("/api/lots", headers=admin.headers))[0]["lot_code"]
    key = assert_ok(
        await client.post(
            f"/api/companies/{chain.producer.company_id}/api-keys", json={}, headers=admin.headers
        ),
        201,
    )
    deal_id = await world.deal(
        admin,
        producer_id=chain.producer.company_id,
        exporter_id=chain.exporter.company_id,
        user_members=(chain.buyer.id,),
    )
    did = assert_ok(await client.post("/api/did/create", headers=admin.headers), 201)["did"]
    await client.post("/api/did/verify", json={"did_id": did["id"]}, headers=admin.headers)
    signature = assert_ok(
        await client.post(
            f"/api/did/{did['id']}/sign", json={"event_type": "x", "event_id": "1"}, headers=admin.headers
        ),
        201,
    )["signature"]
    document = assert_ok(
        await client.post(
            f"/api/did/{did['id']}/kyc",
            data={"document_type": "passport", "document_number": "P1"},
            files={"document_file": ("p.pdf", b"%PDF-1.4\n", "application/pdf")},
            headers=admin.headers,
        ),
        201,
    )["kyc_document"]
    async with world.session() as session:
        member_id = await session.scalar(select(DealMember.id).where(DealMember.deal_id == deal_id))
    return Rows(
        {
            "admin_email": admin.email,
            "user_id": chain.buyer.id,
            "lot_id": lot["lot_id"],
            "purchased_lot": purchased,
            "batch_id": chain.batch["id"],
            "contract_id": chain.contract["id"],
            "fixation_id": fixation,
            "dispatch_id": dispatch["id"],
            "event_id": event["id"],
            "entity_type": "lot",
            "entity_id": str(lot["lot_id"]),
            "lot_code": lot_code,
            "deal_id": deal_id,
            "member_id": member_id,
            "file_id": "no-such-file",
            "did_id": did["id"],
            "signature_id": signature["id"],
            "kyc_document_id": document["id"],
            "erp_connection": "custom_20250101_000000",
            "producer_company": chain.producer.company_id,
            "exporter_company": chain.exporter.company_id,
            "buyer_company": chain.buyer.company_id,
            "api_key_id": key["key"]["id"],
            "api_key": key["api_key"],
        }
    )


def _route(app, method: str, path: str) -> RouteContext:
    return next(r for r in api_routes(app) if r.path == path and method in r.methods)


def _path(route: RouteContext, rows: Rows, **override: Any) -> str:
    values = {}
    for param in route.dependant.path_params:
        assert param.name in PATH_VALUES, f"describe path parameter {param.name!r} in PATH_VALUES"
        values[param.name] = override.get(param.name, rows[PATH_VALUES[param.name]])
    return route.path.format(**values)


def _assert_refused(response, status: int, names: str, case: str) -> None:
    assert response.status_code == status, f"{case}: {response.status_code} {response.text[:300]}"
    body = response.json()
    assert set(body) - {"message"} == {"error"}, f"{case}: {body}"  # §1.3: API-key errors add `message`
    assert isinstance(body["error"], str), f"{case}: {body}"
    if status == 400:
        text = body["error"] + body.get("message", "")
        assert names in text, f"{case}: {text!r} does not name {names!r}"


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_route_refuses_hostile_input_and_stores_nothing(app, client, admin, rows, method, path) -> None:
    route = _route(app, method, path)
    bodies = BODIES(rows)
    takes_body = method in BODY_METHODS
    assert not takes_body or (method, path) in bodies, f"describe the JSON body of {method} {path} in BODIES"
    body = _unwrap(bodies.get((method, path), {}))
    limit = app.state.settings.max_body_bytes
    if any(
        p.UPLOAD_PATH.match(path) for p in (deal_files, kyc)
    ):  # upload routes have a larger limit of their own
        limit = app.state.settings.max_upload_bytes + MULTIPART_ENVELOPE_BYTES
    before = await _snapshot(app)
    headers = {"Authorization": f"Bearer {rows['api_key']}"} if takes_api_key(route) else admin.headers

    async def send(url: str, payload: Any = None, **kwargs: Any):
        if takes_body:
            kwargs["json"] = payload if payload is not None else body
        return await client.request(method, url, headers=headers, **kwargs)

    valid_path = _path(route, rows)
    for (
        param
    ) in route.dependant.path_params:  # ids beyond their column name no row; NUL and huge strings: 400
        if _plain(param.field_info.annotation) is int:
            for bad in [*OUT_OF_RANGE_IDS[:2], "99999999999999999999999"]:
                case = f"path {param.name}={bad}"
                _assert_refused(await send(_path(route, rows, **{param.name: bad})), 404, "", case)
        else:
            for bad in HOSTILE_BY_TYPE[str]:
                url = _path(route, rows, **{param.name: bad.replace("\x00", "%00")})
                _assert_refused(await send(url), 400, param.name, f"path {param.name}={bad[:12]!r}")
    for name, annotation in _query_parameters(route):
        kind = _plain(annotation)
        assert kind in HOSTILE_BY_TYPE, f"query parameter {name} of type {kind}: describe it"
        for bad in HOSTILE_BY_TYPE[kind] + QUERY_MEANING.get(name, []):
            case = f"query {name}={bad[:12]!r}"
            _assert_refused(await send(valid_path, params={name: bad}), 400, name, case)
    for name, spec in bodies.get((method, path), {}).items():
        for bad in spec.hostile():
            case = f"body {name}={str(bad)[:24]!r}"
            _assert_refused(await send(valid_path, body | {name: bad}), 400, name, case)
    if takes_body:  # one byte over the limit, declared and sent: refused before the handler reads it
        oversized = {**body, "padding": "x" * limit}
        _assert_refused(await send(valid_path, oversized), 413, "", "oversized body")
    assert await _snapshot(app) == before, f"{method} {path} stored something from a hostile request"


def test_every_described_body_belongs_to_a_route() -> None:
    described = set(BODIES(Rows(defaultdict(int))))
    assert described <= set(ROUTES), f"stale descriptions: {sorted(described - set(ROUTES))}"
