"""C-35..C-40: dispatches of batches against contracts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from triboka_api.models import Dispatch

from tests.api.helpers import (
    BOOL,
    DICT,
    DISPATCH_BASE,
    DISPATCH_CODE,
    DISPATCH_FULL,
    INT,
    NUM,
    STR,
    ListOf,
    assert_error,
    assert_ok,
    assert_shape,
    ids,
    naive,
    utcnow,
)

LISTED = {
    "dispatches": ListOf(DISPATCH_FULL),
    "pagination": {
        "page": INT,
        "per_page": INT,
        "total": INT,
        "pages": INT,
        "has_next": BOOL,
        "has_prev": BOOL,
    },
}
STATS = {
    "total_dispatches": INT,
    "status_distribution": DICT,
    "monthly_stats": ListOf({"year": INT, "month": INT, "count": INT, "total_quantity_mt": NUM}),
    "top_destinations": ListOf({"country": STR, "count": INT, "total_quantity_mt": NUM}),
}
REQUIRED = ["contract_id", "batch_id", "quantity_mt", "destination_country", "shipping_date"]
STATUSES = ["planned", "in_transit", "delivered", "cancelled"]
ALLOWED = {
    "planned": {"in_transit", "cancelled"},
    "in_transit": {"delivered", "cancelled"},
    "delivered": set(),
    "cancelled": set(),
}


@pytest.fixture
async def chain(world):
    return await world.chain(lot_weights=(1500.0,))


def _body(chain, **overrides):
    return {
        "contract_id": chain.contract["id"],
        "batch_id": chain.batch["id"],
        "quantity_mt": 0.5,
        "destination_country": "USA",
        "shipping_date": "2025-11-01",
    } | overrides


async def _post(client, party, body):
    return await client.post("/api/dispatches", json=body, headers=party.headers)


def _number(code: str) -> int:
    return int(code.rsplit("-", 1)[1])


# C-36 -----------------------------------------------------------------------------------------------------------


async def test_create_dispatch(client, world, chain) -> None:
    body = _body(
        chain,
        quantity_mt="1.25",
        shipping_date="2025-11-01T23:30:00",
        destination_port="Rotterdam",
        carrier_name="Maersk",
        estimated_delivery_date="2025-12-15",
        freight_cost_usd=100,
        notes="fragile",
    )
    created = assert_ok(await _post(client, chain.exporter, body), 201)
    assert_shape(created, {"message": STR, "dispatch": DISPATCH_BASE})
    dispatch = created["dispatch"]
    assert dispatch | {"id": 0, "dispatch_code": "", "created_at": "", "updated_at": ""} == {
        "id": 0,
        "dispatch_code": "",
        "contract_id": chain.contract["id"],
        "batch_id": chain.batch["id"],
        "quantity_mt": 1.25,
        "destination_country": "USA",
        "destination_port": "Rotterdam",
        "destination_company": None,
        "shipping_date": "2025-11-01",
        "estimated_delivery_date": "2025-12-15",
        "actual_delivery_date": None,
        "carrier_name": "Maersk",
        "vessel_name": None,
        "tracking_number": None,
        "bill_of_lading": None,
        "status": "planned",
        "freight_cost_usd": 100.0,
        "insurance_cost_usd": 0,
        "other_costs_usd": 0,
        "created_by_id": chain.exporter.id,
        "documents": [],
        "notes": "fragile",
        "created_at": "",
        "updated_at": "",
    }
    assert DISPATCH_CODE.match(dispatch["dispatch_code"])
    assert dispatch["dispatch_code"].startswith(f"DSP-{utcnow().year}-")


async def test_dispatch_codes_use_max_plus_one(client, world, chain) -> None:
    codes = [
        (await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.1))["dispatch_code"]
        for _ in range(3)
    ]
    numbers = [_number(code) for code in codes]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    assert all(re.match(rf"^DSP-{utcnow().year}-\d{{3,}}$", code) for code in codes)
    middle = next(
        d
        for d in assert_ok(await client.get("/api/dispatches", headers=chain.exporter.headers))["dispatches"]
        if d["dispatch_code"] == codes[1]
    )
    assert_ok(await client.delete(f"/api/dispatches/{middle['id']}", headers=chain.exporter.headers))
    again = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.1)
    assert _number(again["dispatch_code"]) == numbers[2] + 1


async def test_create_dispatch_roles_and_check_order(client, world, chain) -> None:
    for party in (chain.buyer, chain.producer, await world.user("user")):
        assert_error(await _post(client, party, {}), 403)
        assert_error(await _post(client, party, _body(chain)), 403)
    outsider = await world.user("exporter")
    for i, field in enumerate(REQUIRED):
        body = {k: v for k, v in _body(chain).items() if k not in REQUIRED[i:]}
        assert_error(await _post(client, outsider, body), 400, field)
    assert_error(await _post(client, outsider, _body(chain, quantity_mt=0)), 400, "quantity_mt")
    assert_error(await _post(client, outsider, _body(chain, quantity_mt=-1)), 400, "quantity_mt")
    assert_error(await _post(client, outsider, _body(chain, shipping_date="soon")), 400, "shipping_date")
    assert_error(await _post(client, outsider, _body(chain, contract_id=987654)), 404)
    assert_error(await _post(client, outsider, _body(chain, batch_id=987654)), 403)
    assert_error(await _post(client, chain.exporter, _body(chain, batch_id=987654)), 404)
    assert_error(await _post(client, chain.exporter, _body(chain, quantity_mt=1.501)), 400, "1.500")
    for role in ("admin", "operator"):
        staff = await world.user(role, company=None)
        assert_ok(await _post(client, staff, _body(chain, quantity_mt=0.25)), 201)


async def test_create_dispatch_quantity_available(client, world, chain) -> None:
    first = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 1.0)
    assert_error(await _post(client, chain.exporter, _body(chain, quantity_mt=0.6)), 400, "0.500")
    exact = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.5)
    assert_error(await _post(client, chain.exporter, _body(chain, quantity_mt=0.001)), 400, "0.000")
    # A cancelled dispatch gives its quantity back.
    put = await client.put(
        f"/api/dispatches/{first['id']}", json={"status": "cancelled"}, headers=chain.exporter.headers
    )
    assert_ok(put)
    assert_ok(await _post(client, chain.exporter, _body(chain, quantity_mt=1.0)), 201)
    assert exact["quantity_mt"] == 0.5


# C-35 / C-37 ----------------------------------------------------------------------------------------------------


async def test_list_and_get_dispatches(client, world, chain) -> None:
    first = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.2)
    second = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.3)
    other = await world.chain()
    foreign = await world.dispatch(other.exporter, other.contract["id"], other.batch["id"], 0.1)
    for party in (chain.exporter, chain.buyer):
        body = assert_ok(await client.get("/api/dispatches", headers=party.headers))
        assert_shape(body, LISTED)
        assert ids(body["dispatches"]) == [second["id"], first["id"]]
        assert body["pagination"] == {
            "page": 1,
            "per_page": 20,
            "total": 2,
            "pages": 1,
            "has_next": False,
            "has_prev": False,
        }
    item = body["dispatches"][1]
    assert {k: item[k] for k in DISPATCH_BASE} == first
    assert item["contract"]["id"] == chain.contract["id"]
    assert item["batch"] == chain.batch
    assert (item["created_by"]["id"], item["created_by"]["role"]) == (chain.exporter.id, "exporter")
    for party in (
        chain.producer,
        await world.user("exporter"),
        await world.user("buyer", company=None),
        await world.user("user"),
    ):
        body = assert_ok(await client.get("/api/dispatches", headers=party.headers))
        assert (body["dispatches"], body["pagination"]["total"]) == ([], 0)
    for role in ("admin", "operator"):
        staff = await world.user(role, company=None)
        body = assert_ok(await client.get("/api/dispatches?per_page=1000", headers=staff.headers))
        assert {first["id"], second["id"], foreign["id"]} <= set(ids(body["dispatches"]))
        detail = assert_ok(await client.get(f"/api/dispatches/{first['id']}", headers=staff.headers))
        assert_shape(detail, {"dispatch": DISPATCH_FULL})
    detail = assert_ok(await client.get(f"/api/dispatches/{first['id']}", headers=chain.buyer.headers))
    assert detail["dispatch"] == item
    assert_error(await client.get(f"/api/dispatches/{first['id']}", headers=other.exporter.headers), 403)
    assert_error(await client.get(f"/api/dispatches/{first['id']}", headers=chain.producer.headers), 403)
    assert_error(await client.get("/api/dispatches/987654", headers=other.exporter.headers), 404)


async def test_list_dispatch_filters_and_pages(client, world, chain) -> None:
    a = await world.dispatch(
        chain.exporter,
        chain.contract["id"],
        chain.batch["id"],
        0.1,
        destination_country="Netherlands",
        shipping_date="2025-01-10",
    )
    b = await world.dispatch(
        chain.exporter,
        chain.contract["id"],
        chain.batch["id"],
        0.1,
        destination_country="USA",
        shipping_date="2025-02-10",
    )
    c = await world.dispatch(
        chain.exporter,
        chain.contract["id"],
        chain.batch["id"],
        0.1,
        destination_country="Germany",
        shipping_date="2025-03-10",
    )
    assert_ok(
        await client.put(
            f"/api/dispatches/{b['id']}", json={"status": "in_transit"}, headers=chain.exporter.headers
        )
    )
    second_contract = await world.contract(chain.exporter, chain.buyer.company_id, chain.exporter.company_id)
    d = await world.dispatch(chain.exporter, second_contract["id"], chain.batch["id"], 0.1)

    async def listed(query: str) -> list[int]:
        return ids(
            assert_ok(await client.get(f"/api/dispatches?{query}", headers=chain.buyer.headers))["dispatches"]
        )

    assert await listed("") == [d["id"], c["id"], b["id"], a["id"]]
    assert await listed("status=in_transit") == [b["id"]]
    assert await listed(f"contract_id={second_contract['id']}") == [d["id"]]
    assert await listed(f"batch_id={chain.batch['id']}&status=planned") == [d["id"], c["id"], a["id"]]
    assert await listed("destination_country=nether") == [a["id"]]
    assert await listed("destination_country=us") == [d["id"], b["id"]]
    assert await listed("shipping_from=2025-02-10&shipping_to=2025-03-10") == [c["id"], b["id"]]
    assert await listed("shipping_to=2025-01-10") == [a["id"]]
    page = assert_ok(await client.get("/api/dispatches?per_page=3&page=2", headers=chain.buyer.headers))
    assert ids(page["dispatches"]) == [a["id"]]
    assert page["pagination"] == {
        "page": 2,
        "per_page": 3,
        "total": 4,
        "pages": 2,
        "has_next": False,
        "has_prev": True,
    }
    first = assert_ok(await client.get("/api/dispatches?per_page=3&page=0", headers=chain.buyer.headers))
    assert (
        first["pagination"]["page"],
        first["pagination"]["has_next"],
        first["pagination"]["has_prev"],
    ) == (1, True, False)
    default = assert_ok(await client.get("/api/dispatches?per_page=0", headers=chain.buyer.headers))
    assert default["pagination"]["per_page"] == 20


# C-38 -----------------------------------------------------------------------------------------------------------


async def test_update_dispatch(client, world, chain) -> None:
    dispatch = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.5)
    changes = {
        "destination_port": "Antwerp",
        "destination_company": "Callebaut",
        "estimated_delivery_date": "2026-01-05T10:00:00",
        "carrier_name": "MSC",
        "vessel_name": "MSC Aurora",
        "tracking_number": "TRK-1",
        "bill_of_lading": "BL-9",
        "freight_cost_usd": 1200.5,
        "insurance_cost_usd": "80",
        "other_costs_usd": 5,
        "documents": [{"name": "invoice.pdf", "url": "/files/1"}, "packing-list"],
        "notes": "updated",
        "quantity_mt": 99,
        "contract_id": 987654,
        "batch_id": 987654,
        "shipping_date": "2030-01-01",
    }
    body = assert_ok(
        await client.put(f"/api/dispatches/{dispatch['id']}", json=changes, headers=chain.buyer.headers)
    )
    assert_shape(body, {"message": STR, "dispatch": DISPATCH_BASE})
    updated = body["dispatch"]
    assert updated | {"updated_at": ""} == dispatch | {
        "destination_port": "Antwerp",
        "destination_company": "Callebaut",
        "estimated_delivery_date": "2026-01-05",
        "carrier_name": "MSC",
        "vessel_name": "MSC Aurora",
        "tracking_number": "TRK-1",
        "bill_of_lading": "BL-9",
        "freight_cost_usd": 1200.5,
        "insurance_cost_usd": 80.0,
        "other_costs_usd": 5.0,
        "documents": [{"name": "invoice.pdf", "url": "/files/1"}, "packing-list"],
        "notes": "updated",
        "updated_at": "",
    }
    assert naive(updated["updated_at"]) >= naive(dispatch["updated_at"])
    again = assert_ok(await client.get(f"/api/dispatches/{dispatch['id']}", headers=chain.exporter.headers))
    assert again["dispatch"]["documents"] == changes["documents"]


@pytest.mark.parametrize("source", STATUSES)
async def test_dispatch_status_transitions(client, world, chain, source) -> None:
    dispatch = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.1)
    url = f"/api/dispatches/{dispatch['id']}"
    for target in STATUSES:
        await world.update(Dispatch, dispatch["id"], status=source, actual_delivery_date=None)
        response = await client.put(url, json={"status": target}, headers=chain.exporter.headers)
        if target in ALLOWED[source]:
            updated = assert_ok(response)["dispatch"]
            assert updated["status"] == target
            expected = utcnow().date().isoformat() if target == "delivered" else None
            assert updated["actual_delivery_date"] == expected
        else:
            assert_error(response, 400)  # re-sending the current status too
    assert_error(
        await client.put(url, json={"status": "lost"}, headers=chain.exporter.headers), 400, "status"
    )


async def test_delivered_keeps_an_existing_delivery_date(client, world, chain) -> None:
    dispatch = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.1)
    await world.update(Dispatch, dispatch["id"], status="in_transit", actual_delivery_date=date(2025, 5, 5))
    body = assert_ok(
        await client.put(
            f"/api/dispatches/{dispatch['id']}", json={"status": "delivered"}, headers=chain.exporter.headers
        )
    )
    assert body["dispatch"]["actual_delivery_date"] == "2025-05-05"


async def test_update_dispatch_check_order(client, world, chain) -> None:
    dispatch = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.1)
    url = f"/api/dispatches/{dispatch['id']}"
    outsider = await world.user("exporter")
    assert_error(await client.put("/api/dispatches/987654", json={}, headers=outsider.headers), 404)
    for party in (outsider, chain.producer, await world.user("user")):
        assert_error(await client.put(url, json={"status": "nope"}, headers=party.headers), 403)
    operator = await world.user("operator", company=None)
    assert (
        assert_ok(await client.put(url, json={"notes": "ops"}, headers=operator.headers))["dispatch"]["notes"]
        == "ops"
    )
    assert_error(await client.put(url, json={"freight_cost_usd": "cheap"}, headers=operator.headers), 400)


# C-39 -----------------------------------------------------------------------------------------------------------


async def test_delete_dispatch(client, world, chain) -> None:
    planned = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.1)
    moving = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.1)
    assert_ok(
        await client.put(
            f"/api/dispatches/{moving['id']}", json={"status": "in_transit"}, headers=chain.exporter.headers
        )
    )
    outsider = await world.user("exporter")
    assert_error(await client.delete("/api/dispatches/987654", headers=outsider.headers), 404)
    # Status before permission: an outsider learns 400 for a non-planned dispatch.
    assert_error(
        await client.delete(f"/api/dispatches/{moving['id']}", headers=outsider.headers), 400, "in_transit"
    )
    assert_error(await client.delete(f"/api/dispatches/{moving['id']}", headers=chain.exporter.headers), 400)
    assert_error(await client.delete(f"/api/dispatches/{planned['id']}", headers=outsider.headers), 403)
    assert_error(await client.delete(f"/api/dispatches/{planned['id']}", headers=chain.producer.headers), 403)
    body = assert_ok(await client.delete(f"/api/dispatches/{planned['id']}", headers=chain.buyer.headers))
    assert_shape(body, {"message": STR})
    assert_error(await client.get(f"/api/dispatches/{planned['id']}", headers=chain.buyer.headers), 404)
    for role in ("admin", "operator"):
        extra = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.1)
        staff = await world.user(role, company=None)
        assert_ok(await client.delete(f"/api/dispatches/{extra['id']}", headers=staff.headers))


# C-40 -----------------------------------------------------------------------------------------------------------


async def test_dispatch_stats(client, world, chain) -> None:
    empty = assert_ok(await client.get("/api/dispatches/stats", headers=chain.buyer.headers))
    assert empty == {
        "total_dispatches": 0,
        "status_distribution": {},
        "monthly_stats": [],
        "top_destinations": [],
    }
    plan = [("USA", 0.2), ("Germany", 0.5), ("usa", 0.1), ("Japan", 0.3), ("Germany", 0.1)]
    made = [
        await world.dispatch(
            chain.exporter, chain.contract["id"], chain.batch["id"], q, destination_country=c
        )
        for c, q in plan
    ]
    assert_ok(
        await client.put(
            f"/api/dispatches/{made[0]['id']}", json={"status": "in_transit"}, headers=chain.exporter.headers
        )
    )
    other = await world.chain()
    await world.dispatch(
        other.exporter, other.contract["id"], other.batch["id"], 1.0, destination_country="Brazil"
    )
    body = assert_ok(await client.get("/api/dispatches/stats", headers=chain.buyer.headers))
    assert_shape(body, STATS)
    now = utcnow()
    assert body["total_dispatches"] == 5
    assert body["status_distribution"] == {"planned": 4, "in_transit": 1}
    [month] = body["monthly_stats"]
    assert (month["year"], month["month"], month["count"]) == (now.year, now.month, 5)
    assert month["total_quantity_mt"] == pytest.approx(1.2)
    top = [(d["country"], d["count"], d["total_quantity_mt"]) for d in body["top_destinations"]]
    assert top[0][:2] == ("Germany", 2)
    assert top[0][2] == pytest.approx(0.6)
    assert {(c, n) for c, n, _ in top[1:]} == {("Japan", 1), ("USA", 1), ("usa", 1)}
    quantities = [q for _, _, q in top]
    assert quantities == sorted(quantities, reverse=True)
    for party in (other.producer, await world.user("exporter", company=None)):
        assert (
            assert_ok(await client.get("/api/dispatches/stats", headers=party.headers))["total_dispatches"]
            == 0
        )
    staff = assert_ok(
        await client.get(
            "/api/dispatches/stats", headers=(await world.user("operator", company=None)).headers
        )
    )
    assert staff["total_dispatches"] >= 6
    assert "Brazil" in {d["country"] for d in staff["top_destinations"]}


async def test_dispatch_stats_limits_and_order(client, world, chain) -> None:
    """`monthly_stats`: newest first, at most 12; `top_destinations`: by quantity, at most 10."""
    made = [
        await world.dispatch(
            chain.exporter,
            chain.contract["id"],
            chain.batch["id"],
            0.01 * (n + 1),
            destination_country=f"C{n:02d}",
        )
        for n in range(13)
    ]
    async with world.session() as session:
        for n, dispatch in enumerate(made):
            row = await session.get(Dispatch, dispatch["id"])
            row.created_at = row.created_at.replace(year=2023 + (n // 12), month=n % 12 + 1, day=1)
        await session.commit()
    body = assert_ok(await client.get("/api/dispatches/stats", headers=chain.exporter.headers))
    assert body["total_dispatches"] == 13
    months = [(m["year"], m["month"]) for m in body["monthly_stats"]]
    assert months == [(2024, 1)] + [(2023, m) for m in range(12, 1, -1)]
    assert [d["country"] for d in body["top_destinations"]] == [f"C{n:02d}" for n in range(12, 2, -1)]
