"""C-25..C-28: export contracts — list (flat app shape), create (draft + app role rules), detail, status."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from triboka_api.models import ExportContract, ProducerLot

from tests.api.helpers import (
    CONTRACT_BASE,
    DT,
    INT,
    NUM,
    STR,
    ListOf,
    assert_error,
    assert_ok,
    assert_shape,
    ids,
    naive,
    opt,
    utcnow,
)

LIST_ITEM = {
    "id": INT,
    "contract_code": STR,
    "buyer_company": opt(STR),
    "exporter_company": opt(STR),
    "product_type": opt(STR),
    "product_grade": opt(STR),
    "total_volume_mt": NUM,
    "differential_usd": NUM,
    "start_date": opt(DT),
    "end_date": opt(DT),
    "delivery_date": opt(DT),
    "status": STR,
    "created_at": DT,
    "blockchain_contract_id": None,
    "fixed_volume_mt": NUM,
    "pending_volume_mt": NUM,
}
PARTY = {"id": INT, "name": STR, "blockchain_address": opt(STR)}
DETAIL = {
    "id": INT,
    "contract_code": STR,
    "buyer_company": opt(PARTY),
    "exporter_company": opt(PARTY),
    "product_type": opt(STR),
    "product_grade": opt(STR),
    "total_volume_mt": NUM,
    "fixed_volume_mt": NUM,
    "pending_volume_mt": NUM,
    "differential_usd": NUM,
    "start_date": opt(DT),
    "end_date": opt(DT),
    "delivery_date": opt(DT),
    "status": STR,
    "created_at": DT,
    "blockchain_contract_id": None,
    "fixations": ListOf(
        {
            "id": INT,
            "fixed_quantity_mt": NUM,
            "spot_price_usd": NUM,
            "total_value_usd": NUM,
            "fixation_date": DT,
            "notes": opt(STR),
            "blockchain_fixation_id": None,
        }
    ),
    "lots": ListOf(
        {
            "id": INT,
            "producer_company": opt(STR),
            "farm_name": opt(STR),
            "location": opt(STR),
            "weight_kg": opt(NUM),
            "quality_grade": opt(STR),
            "harvest_date": opt(DT),
            "status": STR,
            "blockchain_lot_id": None,
        }
    ),
}
REQUIRED = [
    "contract_code",
    "buyer_company_id",
    "exporter_company_id",
    "product_type",
    "product_grade",
    "total_volume_mt",
    "differential_usd",
    "start_date",
    "end_date",
]
STATUSES = ["draft", "active", "suspended", "completed", "cancelled"]
ALLOWED = {
    "draft": {"active", "cancelled"},
    "active": {"suspended", "completed"},
    "suspended": {"active", "cancelled"},
    "completed": set(),
    "cancelled": set(),
}


def _body(buyer_company_id, exporter_company_id, **overrides):
    return {
        "contract_code": f"C-{uuid.uuid4().hex[:10]}",
        "buyer_company_id": buyer_company_id,
        "exporter_company_id": exporter_company_id,
        "product_type": "Cacao",
        "product_grade": "A",
        "total_volume_mt": 100,
        "differential_usd": -150,
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "delivery_date": "2025-12-01",
    } | overrides


@pytest.fixture
async def pair(world):
    return await world.user("exporter"), await world.user("buyer")


# C-25 -----------------------------------------------------------------------------------------------------------


async def test_list_contracts_shape(client, world, pair) -> None:
    exporter, buyer = pair
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id, total_volume_mt=100)
    await world.fixation(exporter, contract["id"], 85)
    [item] = assert_ok(await client.get("/api/contracts", headers=exporter.headers))
    assert_shape(item, LIST_ITEM)
    assert item == {
        "id": contract["id"],
        "contract_code": contract["contract_code"],
        "buyer_company": buyer.company_name,
        "exporter_company": exporter.company_name,
        "product_type": "Cacao",
        "product_grade": "A",
        "total_volume_mt": 100.0,
        "differential_usd": -150.0,
        "start_date": "2025-01-01T00:00:00",
        "end_date": "2025-12-31T00:00:00",
        "delivery_date": "2025-12-01T00:00:00",
        "status": "draft",
        "created_at": contract["created_at"],
        "blockchain_contract_id": None,
        "fixed_volume_mt": 85.0,
        "pending_volume_mt": 15.0,
    }


async def test_list_contracts_scoping(client, world, admin, pair) -> None:
    exporter, buyer = pair
    other_exporter, other_buyer = await world.user("exporter"), await world.user("buyer")
    producer, lone_producer = await world.user("producer"), await world.user("producer")
    mine = (await world.contract(exporter, buyer.company_id, exporter.company_id))["id"]
    theirs = (await world.contract(admin, other_buyer.company_id, other_exporter.company_id))["id"]
    lot = (await world.lot(producer))["lot_id"]
    await world.update(ProducerLot, lot, export_contract_id=theirs)
    listing = [
        (exporter, [mine]),
        (buyer, [mine]),
        (other_exporter, [theirs]),
        (other_buyer, [theirs]),
        (producer, [theirs]),
        (lone_producer, []),
        (await world.user("user"), []),
        (await world.user("exporter", company=None), []),
    ]
    for party, expected in listing:
        assert ids(assert_ok(await client.get("/api/contracts", headers=party.headers))) == expected, (
            party.role
        )
    for role in ("admin", "operator"):
        body = assert_ok(
            await client.get("/api/contracts", headers=(await world.user(role, company=None)).headers)
        )
        assert {mine, theirs} <= set(ids(body))
        assert ids(body) == sorted(ids(body))


async def test_list_contracts_filters(client, world, admin, pair) -> None:
    exporter, buyer = pair
    other_buyer = await world.user("buyer")
    a = (await world.contract(exporter, buyer.company_id, exporter.company_id, product_type="Cacao"))["id"]
    b = (await world.contract(admin, other_buyer.company_id, exporter.company_id, product_type="Nibs"))["id"]
    await world.update(ExportContract, b, status="active")

    async def listed(party, **params) -> list[int]:
        return ids(assert_ok(await client.get("/api/contracts", params=params, headers=party.headers)))

    assert await listed(exporter) == [a, b]
    assert await listed(exporter, status="active") == [b]
    assert await listed(exporter, status="draft") == [a]
    assert await listed(exporter, product_type="Nibs") == [b]
    assert await listed(exporter, product_type="nibs") == []
    assert await listed(exporter, buyer_id=other_buyer.company_id) == [b]
    assert await listed(exporter, exporter_id=exporter.company_id, status="draft") == [a]
    # Filters never widen the caller's scope.
    assert await listed(buyer, buyer_id=other_buyer.company_id) == []
    assert await listed(admin, buyer_id=other_buyer.company_id) == [b]


# C-26 -----------------------------------------------------------------------------------------------------------


async def test_create_contract(client, world, pair) -> None:
    exporter, buyer = pair
    body = _body(buyer.company_id, exporter.company_id, start_date="2025-01-01T03:00:00+03:00")
    created = assert_ok(await client.post("/api/contracts", json=body, headers=exporter.headers), 201)
    assert_shape(
        created,
        {"message": STR, "contract": CONTRACT_BASE, "contract_id": INT, "blockchain_contract_id": None},
    )
    contract = created["contract"]
    assert created["contract_id"] == contract["id"]
    assert contract | {"id": 0, "created_at": "", "updated_at": ""} == {
        "id": 0,
        "contract_code": body["contract_code"],
        "buyer_company_id": buyer.company_id,
        "exporter_company_id": exporter.company_id,
        "product_type": "Cacao",
        "product_grade": "A",
        "total_volume_mt": 100.0,
        "fixed_volume_mt": 0,
        "differential_usd": -150.0,
        "start_date": "2025-01-01T00:00:00",
        "end_date": "2025-12-31T00:00:00",
        "delivery_date": "2025-12-01T00:00:00",
        "status": "draft",
        "blockchain_contract_id": None,
        "created_by_user_id": exporter.id,
        "created_at": "",
        "updated_at": "",
    }
    assert abs(naive(contract["created_at"]) - utcnow()) < timedelta(minutes=5)


async def test_create_contract_by_each_allowed_role(client, world, pair) -> None:
    exporter, buyer = pair
    other = await world.company("exporter")
    as_buyer = _body(buyer.company_id, other.id, delivery_date=None)
    created = assert_ok(await client.post("/api/contracts", json=as_buyer, headers=buyer.headers), 201)
    assert created["contract"]["delivery_date"] is None
    no_delivery = {
        k: v for k, v in _body(buyer.company_id, exporter.company_id).items() if k != "delivery_date"
    }
    assert_ok(await client.post("/api/contracts", json=no_delivery, headers=exporter.headers), 201)
    for role in ("admin", "operator"):
        staff = await world.user(role, company=None)
        body = _body(buyer.company_id, other.id, total_volume_mt="12.5", differential_usd="0")
        contract = assert_ok(await client.post("/api/contracts", json=body, headers=staff.headers), 201)[
            "contract"
        ]
        assert (contract["total_volume_mt"], contract["differential_usd"]) == (12.5, 0)


@pytest.mark.parametrize("role", ["producer", "user"])
async def test_create_contract_role_check_first(client, world, pair, role) -> None:
    exporter, buyer = pair
    party = await world.user(role)
    assert_error(await client.post("/api/contracts", json={}, headers=party.headers), 403)
    body = _body(buyer.company_id, exporter.company_id)
    assert_error(await client.post("/api/contracts", json=body, headers=party.headers), 403)


@pytest.mark.parametrize("missing", range(len(REQUIRED)))
async def test_create_contract_required_fields_in_order(client, world, pair, missing) -> None:
    exporter, buyer = pair
    body = {
        k: v for k, v in _body(buyer.company_id, exporter.company_id).items() if k not in REQUIRED[missing:]
    }
    assert_error(
        await client.post("/api/contracts", json=body, headers=exporter.headers), 400, REQUIRED[missing]
    )


async def test_create_contract_rule_order(client, world, pair) -> None:
    exporter, buyer = pair
    other_exporter = await world.user("exporter")

    async def post(party, **overrides):
        body = _body(buyer.company_id, exporter.company_id) | overrides
        return await client.post("/api/contracts", json=body, headers=party.headers)

    # Missing company → 400, before the side check.
    assert_error(await post(exporter, buyer_company_id=987654), 400)
    assert_error(await post(other_exporter, exporter_company_id=987654), 400)
    assert_error(await post(buyer, buyer_company_id=987654), 400)
    # Side checks → 403.
    assert_error(await post(other_exporter), 403)
    assert_error(await post(exporter, exporter_company_id=other_exporter.company_id), 403)
    assert_error(await post(buyer, buyer_company_id=exporter.company_id), 403)
    # Dates → 400, after the side check.
    assert_error(await post(other_exporter, end_date="2024-01-01"), 403)
    assert_error(await post(exporter, end_date="2024-12-31"), 400, "end_date")
    assert_error(await post(exporter, end_date="2025-01-01"), 400, "end_date")
    # Duplicate code → 400.
    code = (await world.contract(exporter, buyer.company_id, exporter.company_id))["contract_code"]
    assert_error(await post(exporter, contract_code=code), 400)
    # Types and values.
    assert_error(await post(exporter, total_volume_mt=0), 400, "total_volume_mt")
    assert_error(await post(exporter, total_volume_mt=-5), 400, "total_volume_mt")
    assert_error(await post(exporter, total_volume_mt="lots"), 400, "total_volume_mt")
    assert_error(await post(exporter, start_date="01/01/2025"), 400, "start_date")
    assert_error(await post(exporter, buyer_company_id="abc"), 400, "buyer_company_id")
    listed = assert_ok(await client.get("/api/contracts", headers=exporter.headers))
    assert [c["contract_code"] for c in listed] == [code]


# C-27 -----------------------------------------------------------------------------------------------------------


async def test_contract_detail(client, world, pair) -> None:
    exporter, buyer = pair
    producer = await world.user("producer")
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    first = await world.fixation(exporter, contract["id"], 40, 3000.5, notes="n")
    second = await world.fixation(exporter, contract["id"], 5, 3100)
    lot = (await world.lot(producer))["lot_id"]
    await world.update(ProducerLot, lot, export_contract_id=contract["id"])
    body = assert_ok(await client.get(f"/api/contracts/{contract['id']}", headers=buyer.headers))
    assert_shape(body, DETAIL)
    assert body["buyer_company"] == {
        "id": buyer.company_id,
        "name": buyer.company_name,
        "blockchain_address": None,
    }
    assert body["exporter_company"]["id"] == exporter.company_id
    assert (body["total_volume_mt"], body["fixed_volume_mt"], body["pending_volume_mt"]) == (
        100.0,
        45.0,
        55.0,
    )
    assert ids(body["fixations"]) == [first, second]
    assert body["fixations"][0] | {"fixation_date": ""} == {
        "id": first,
        "fixed_quantity_mt": 40.0,
        "spot_price_usd": 3000.5,
        "total_value_usd": 114020.0,
        "fixation_date": "",
        "notes": "n",
        "blockchain_fixation_id": None,
    }
    assert body["fixations"][1]["notes"] == ""
    assert body["lots"] == [
        {
            "id": lot,
            "producer_company": producer.company_name,
            "farm_name": "Finca La Esperanza",
            "location": "Chone, Manabí",
            "weight_kg": 1500.0,
            "quality_grade": "A",
            "harvest_date": "2025-10-01T00:00:00",
            "status": "available",
            "blockchain_lot_id": None,
        }
    ]
    assert "blockchain_info" not in body
    # The linked producer may read it (Δ), others may not.
    assert_ok(await client.get(f"/api/contracts/{contract['id']}", headers=producer.headers))


async def test_contract_detail_access(client, world, pair) -> None:
    exporter, buyer = pair
    contract = (await world.contract(exporter, buyer.company_id, exporter.company_id))["id"]
    url = f"/api/contracts/{contract}"
    for party in (exporter, buyer, await world.user("admin"), await world.user("operator", company=None)):
        assert_ok(await client.get(url, headers=party.headers))
    for role in ("exporter", "buyer", "producer", "user"):
        assert_error(await client.get(url, headers=(await world.user(role)).headers), 403)
    assert_error(await client.get("/api/contracts/987654", headers=(await world.user("user")).headers), 404)


# C-28 -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", STATUSES)
async def test_status_transition_table(client, world, admin, pair, source) -> None:
    exporter, buyer = pair
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    for target in STATUSES:
        await world.update(ExportContract, contract["id"], status=source)
        response = await client.put(
            f"/api/contracts/{contract['id']}/status", json={"status": target}, headers=exporter.headers
        )
        if target in ALLOWED[source]:
            body = assert_ok(response)
            assert_shape(body, {"message": STR, "contract": CONTRACT_BASE})
            assert body["contract"]["status"] == target
        else:
            assert_error(response, 400)
            detail = assert_ok(await client.get(f"/api/contracts/{contract['id']}", headers=admin.headers))
            assert detail["status"] == source


async def test_status_change(client, world, pair) -> None:
    exporter, buyer = pair
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    await world.fixation(exporter, contract["id"], 10)
    url = f"/api/contracts/{contract['id']}/status"
    body = assert_ok(await client.put(url, json={"status": "active"}, headers=buyer.headers))
    assert body["contract"]["status"] == "active"
    assert naive(body["contract"]["updated_at"]) > naive(contract["updated_at"])
    assert body["contract"]["fixed_volume_mt"] == 10.0
    body = assert_ok(await client.put(url, json={"status": "completed"}, headers=exporter.headers))
    assert body["contract"]["status"] == "completed"
    detail = assert_ok(await client.get(f"/api/contracts/{contract['id']}", headers=buyer.headers))
    assert len(detail["fixations"]) == 1


async def test_status_check_order(client, world, pair) -> None:
    exporter, buyer = pair
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    url = f"/api/contracts/{contract['id']}/status"
    outsider = await world.user("exporter")
    assert_error(await client.put("/api/contracts/987654/status", json={}, headers=outsider.headers), 404)
    for party in (
        outsider,
        await world.user("producer"),
        await world.user("user"),
        await world.user("buyer"),
    ):
        assert_error(await client.put(url, json={}, headers=party.headers), 403)
    assert_error(await client.put(url, json={}, headers=exporter.headers), 400, "status")
    assert_error(await client.put(url, json={"status": ""}, headers=exporter.headers), 400, "status")
    assert_error(await client.put(url, json={"status": "pending"}, headers=exporter.headers), 400)
    assert_error(await client.put(url, json={"status": "ACTIVE"}, headers=exporter.headers), 400)
    assert_error(await client.put(url, json={"status": "draft"}, headers=exporter.headers), 400)
    for role in ("admin", "operator"):
        staff = await world.user(role, company=None)
        assert_error(await client.put(url, json={"status": "completed"}, headers=staff.headers), 400)
    operator = await world.user("operator", company=None)
    assert assert_ok(await client.put(url, json={"status": "cancelled"}, headers=operator.headers))[
        "contract"
    ]["status"] == ("cancelled")


@pytest.mark.parametrize(
    "broken",
    [{"start_date": None}, {"end_date": None}, {"total_volume_mt": 0}],
    ids=["no-start", "no-end", "no-volume"],
)
async def test_activation_requirements(client, world, pair, broken) -> None:
    exporter, buyer = pair
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    await world.update(ExportContract, contract["id"], **broken)
    url = f"/api/contracts/{contract['id']}/status"
    assert_error(await client.put(url, json={"status": "active"}, headers=exporter.headers), 400)
    assert assert_ok(await client.put(url, json={"status": "cancelled"}, headers=exporter.headers))
