"""C-22..C-24: export batches built from purchased lots."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from triboka_api.models import BatchNft

from tests.api.helpers import (
    BATCH_BASE,
    BATCH_CODE,
    COMPANY_REF_TYPED,
    INT,
    LOT_DETAIL_CORE,
    NUM,
    STR,
    ListOf,
    assert_error,
    assert_ok,
    assert_shape,
    ids,
    opt,
)

LIST_ITEM = BATCH_BASE | {
    "creator_company": opt(COMPANY_REF_TYPED),
    "current_owner_company": opt(COMPANY_REF_TYPED),
    "source_lots": ListOf(
        {
            "id": INT,
            "lot_code": STR,
            "producer_company": opt(STR),
            "weight_kg": NUM,
            "contribution_percentage": NUM,
        }
    ),
}
DETAIL = BATCH_BASE | {"source_lots": ListOf(LOT_DETAIL_CORE | {"contribution_percentage": NUM})}


async def _post(client, party, body):
    return await client.post("/api/batches", json=body, headers=party.headers)


def _body(lot_ids, **extra):
    return {"source_lot_ids": lot_ids, "batch_type": "export", "location": "Guayaquil"} | extra


async def _lot_statuses(client, admin, producer) -> dict[int, tuple[str, int | None]]:
    items = assert_ok(
        await client.get("/api/lots", params={"producer_id": producer.company_id}, headers=admin.headers)
    )
    return {item["id"]: (item["status"], item["batch_id"]) for item in items}


# C-22 -----------------------------------------------------------------------------------------------------------


async def test_create_batch(client, world, admin) -> None:
    producer, exporter = await world.user("producer"), await world.user("exporter")
    a = await world.purchased_lot(producer, exporter, weight_kg=1500)
    b = await world.purchased_lot(producer, exporter, weight_kg=500.5)
    before = datetime.now().replace(microsecond=0)
    response = await _post(client, exporter, _body([b, a], batch_type="sea", location="Puerto Bolívar"))
    body = assert_ok(response, 200)
    assert_shape(body, {"message": STR, "batch": BATCH_BASE})
    batch = body["batch"]
    assert batch | {"id": 0, "batch_code": "", "created_at": ""} == {
        "id": 0,
        "batch_code": "",
        "source_lot_ids": [b, a],
        "source_lot_weights": [500.5, 1500.0],
        "total_weight_kg": 2000.5,
        "batch_type": "sea",
        "location": "Puerto Bolívar",
        "creator_company_id": exporter.company_id,
        "current_owner_company_id": exporter.company_id,
        "blockchain_batch_id": None,
        "status": "created",
        "created_at": "",
    }
    assert BATCH_CODE.match(batch["batch_code"]), batch["batch_code"]
    prefix, stamp, count = re.match(r"^BATCH-(.{1,3})-(\d{14})-(\d{3,})", batch["batch_code"]).groups()
    assert (prefix, count) == (exporter.company_name[:3].upper(), "002")
    assert (
        before - timedelta(seconds=1)
        <= datetime.strptime(stamp, "%Y%m%d%H%M%S")
        <= datetime.now() + timedelta(seconds=1)
    )
    assert await _lot_statuses(client, admin, producer) == {
        a: ("batched", batch["id"]),
        b: ("batched", batch["id"]),
    }


@pytest.mark.parametrize("role", ["admin", "operator"])
async def test_staff_with_a_company_may_batch_any_purchased_lot(client, world, role) -> None:
    producer, exporter = await world.user("producer"), await world.user("exporter")
    staff = await world.user(role, company=await world.company("exporter", name="zeta trading"))
    lot = await world.purchased_lot(producer, exporter)
    batch = assert_ok(await _post(client, staff, _body([str(lot)])))["batch"]
    assert batch["source_lot_ids"] == [lot]
    assert batch["creator_company_id"] == staff.company_id
    assert re.match(r"^BATCH-ZET-\d{14}-001(-\d+)?$", batch["batch_code"]), batch["batch_code"]


@pytest.mark.parametrize("role", ["buyer", "producer", "user"])
async def test_create_batch_role_check_first(client, world, role) -> None:
    party = await world.user(role)
    assert_error(await _post(client, party, {}), 403)
    assert_error(await _post(client, party, _body([987654])), 403)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "source_lot_ids"),
        ({"batch_type": "export", "location": "x"}, "source_lot_ids"),
        ({"source_lot_ids": [1]}, "batch_type"),
        ({"source_lot_ids": [1], "batch_type": "export"}, "location"),
        ({"source_lot_ids": [1], "batch_type": "", "location": "x"}, "batch_type"),
        ({"source_lot_ids": [], "batch_type": "export", "location": "x"}, "source_lot_ids"),
        ({"source_lot_ids": 5, "batch_type": "export", "location": "x"}, "source_lot_ids"),
        ({"source_lot_ids": "1,2", "batch_type": "export", "location": "x"}, "source_lot_ids"),
        ({"source_lot_ids": ["a"], "batch_type": "export", "location": "x"}, "source_lot_ids"),
    ],
)
async def test_create_batch_body_errors(client, world, body, field) -> None:
    exporter = await world.user("exporter")
    assert_error(await _post(client, exporter, body), 400, field)


async def test_create_batch_rule_order(client, world, admin) -> None:
    producer, exporter, rival = (
        await world.user("producer"),
        await world.user("exporter"),
        await world.user("exporter"),
    )
    mine = await world.purchased_lot(producer, exporter)
    theirs = await world.purchased_lot(producer, rival)
    available = (await world.lot(producer))["lot_id"]
    lots = {i["id"]: i for i in assert_ok(await client.get("/api/lots", headers=admin.headers))}
    # 404: unknown or duplicated ids
    assert_error(await _post(client, exporter, _body([mine, 987654])), 404)
    assert_error(await _post(client, exporter, _body([mine, mine])), 404)
    # 403 before the status check, naming the lot
    assert_error(await _post(client, exporter, _body([mine, theirs])), 403, lots[theirs]["lot_code"])
    assert_error(await _post(client, exporter, _body([available])), 403, lots[available]["lot_code"])
    # 400 for a lot that is not purchased, naming code and status
    assert_error(
        await _post(client, admin, _body([available])), 400, lots[available]["lot_code"], "available"
    )
    await world.batch(exporter, [mine])
    mine2 = await world.purchased_lot(producer, exporter)
    response = await _post(client, exporter, _body([mine2, mine]))
    assert_error(response, 400, lots[mine]["lot_code"], "batched")
    # Nothing moved: the batch is all or nothing.
    statuses = await _lot_statuses(client, admin, producer)
    assert statuses[mine2] == ("purchased", None)
    assert statuses[theirs] == ("purchased", None)


async def test_create_batch_needs_a_company(client, world) -> None:
    """Δ C-22: a company-less caller gets 400 (ORIG 500), after the lot checks."""
    producer, exporter = await world.user("producer"), await world.user("exporter")
    lot = await world.purchased_lot(producer, exporter)
    admin = await world.user("admin", company=None)
    assert_error(await _post(client, admin, _body([987654])), 404)
    assert_error(await _post(client, admin, _body([lot])), 400)
    operator = await world.user("operator", company=None)
    assert_error(await _post(client, operator, _body([lot])), 400)
    listed = assert_ok(await client.get("/api/lots/available-for-batch", headers=exporter.headers))
    assert lot in ids(listed["lots"])


# C-23 / C-24 ----------------------------------------------------------------------------------------------------


@pytest.fixture
async def scene(world):
    """Two exporters' batches over two producers' lots; the second batch is owned by a buyer."""
    p1, p2 = await world.user("producer"), await world.user("producer")
    e1, e2 = await world.user("exporter"), await world.user("exporter")
    buyer = await world.user("buyer")
    l1 = await world.purchased_lot(p1, e1, weight_kg=1500)
    l2 = await world.purchased_lot(p2, e1, weight_kg=500)
    l3 = await world.purchased_lot(p2, e2, weight_kg=1000)
    first = await world.batch(e1, [l1, l2])
    second = await world.batch(e2, [l3])
    await world.update(BatchNft, second["id"], current_owner_company_id=buyer.company_id)
    return {"p1": p1, "p2": p2, "e1": e1, "e2": e2, "buyer": buyer, "first": first, "second": second}


async def test_list_batches_shape_and_scoping(client, world, scene) -> None:
    first, second = scene["first"]["id"], scene["second"]["id"]
    outsider_exporter = await world.user("exporter")
    expectations = {
        "p1": {first},
        "p2": {first, second},
        "e1": {first},
        "e2": {second},  # created, although owned by the buyer now
        "buyer": {second},
    }
    for name, expected in expectations.items():
        body = assert_ok(await client.get("/api/batches", headers=scene[name].headers))
        assert set(ids(body)) == expected, name
    assert assert_ok(await client.get("/api/batches", headers=outsider_exporter.headers)) == []
    assert assert_ok(await client.get("/api/batches", headers=(await world.user("buyer")).headers)) == []
    assert assert_ok(await client.get("/api/batches", headers=(await world.user("user")).headers)) == []
    assert assert_ok(await client.get("/api/batches", headers=(await world.user("producer")).headers)) == []
    # An exporter also sees batches its company owns without having created them.
    await world.update(BatchNft, first, current_owner_company_id=scene["e2"].company_id)
    assert set(ids(assert_ok(await client.get("/api/batches", headers=scene["e2"].headers)))) == {
        first,
        second,
    }
    for role in ("admin", "operator"):
        body = assert_ok(
            await client.get("/api/batches", headers=(await world.user(role, company=None)).headers)
        )
        assert {first, second} <= set(ids(body))
        assert ids(body) == sorted(ids(body))
        for item in body:
            assert_shape(item, LIST_ITEM)
    item = next(i for i in body if i["id"] == first)
    assert item["creator_company"] == {
        "id": scene["e1"].company_id,
        "name": scene["e1"].company_name,
        "company_type": "exporter",
    }
    assert item["current_owner_company"]["id"] == scene["e2"].company_id
    assert [(s["id"], s["weight_kg"], s["contribution_percentage"]) for s in item["source_lots"]] == [
        (scene["first"]["source_lot_ids"][0], 1500.0, 75.0),
        (scene["first"]["source_lot_ids"][1], 500.0, 25.0),
    ]
    assert item["source_lots"][0]["producer_company"] == scene["p1"].company_name


async def test_batch_detail(client, world, scene) -> None:
    first = scene["first"]
    body = assert_ok(await client.get(f"/api/batches/{first['id']}", headers=scene["p1"].headers))
    assert_shape(body, DETAIL)
    assert {k: body[k] for k in BATCH_BASE} == first
    assert "sub_batches" not in body
    lots = body["source_lots"]
    assert [lot["id"] for lot in lots] == first["source_lot_ids"]
    assert [lot["contribution_percentage"] for lot in lots] == [75.0, 25.0]
    assert lots[0]["certifications"] == ["Organic", "Fair Trade"]
    assert lots[0]["harvest_date"] == "2025-10-01T00:00:00"


async def test_batch_detail_access(client, world, scene) -> None:
    first, second = scene["first"]["id"], scene["second"]["id"]
    allowed = {
        first: ["p1", "p2", "e1"],
        second: ["p2", "e2", "buyer"],
    }
    denied = {first: ["e2", "buyer"], second: ["p1", "e1"]}
    for batch_id, names in allowed.items():
        for name in names:
            assert_ok(await client.get(f"/api/batches/{batch_id}", headers=scene[name].headers))
        for name in denied[batch_id]:
            assert_error(await client.get(f"/api/batches/{batch_id}", headers=scene[name].headers), 403)
    for role in ("admin", "operator"):
        staff = await world.user(role, company=None)
        assert_ok(await client.get(f"/api/batches/{second}", headers=staff.headers))
    for party in (await world.user("user"), await world.user("producer", company=None)):
        assert_error(await client.get(f"/api/batches/{first}", headers=party.headers), 403)
    # 404 before the access check.
    assert_error(await client.get("/api/batches/987654", headers=scene["buyer"].headers), 404)
