"""C-13..C-21: producer lots — list, create, purchase, available (auth and public), by code, search,
lot traceability and lots available for a batch."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import pytest
from triboka_api.api import responses
from triboka_api.models import BatchNft, ProducerLot

from tests.api.helpers import (
    BOOL,
    DT,
    INT,
    LOT_AVAILABLE_ITEM,
    LOT_CODE,
    LOT_DETAIL_CORE,
    LOT_ITEM,
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

LOT_FIELDS = [
    "producer_company_id",
    "farm_name",
    "location",
    "product_type",
    "weight_kg",
    "quality_grade",
    "harvest_date",
]


async def _lots(client, party, **params):
    return assert_ok(await client.get("/api/lots", params=params, headers=party.headers))


def _body(producer, **overrides):
    return {
        "producer_company_id": producer.company_id if producer else None,
        "farm_name": "Finca Uno",
        "location": "Chone, Manabí",
        "product_type": "Cacao CCN51",
        "weight_kg": 1500,
        "quality_grade": "A",
        "harvest_date": "2025-10-01",
    } | overrides


# C-13 -----------------------------------------------------------------------------------------------------------


async def test_list_item_shape_and_values(client, world) -> None:
    producer, exporter = await world.user("producer"), await world.user("exporter")
    lot_id = (await world.lot(producer, certifications=["Organic ", " Fair Trade"]))["lot_id"]
    [item] = await _lots(client, producer)
    assert_shape(item, LOT_ITEM)
    assert item | {"lot_code": "", "created_at": ""} == {
        "id": lot_id,
        "lot_code": "",
        "producer_company": producer.company_name,
        "producer_company_id": producer.company_id,
        "producer_name": producer.company_name,
        "farm_name": "Finca La Esperanza",
        "location": "Chone, Manabí",
        "product_type": "Cacao CCN51",
        "weight_kg": 1500.0,
        "weight_mt": 1.5,
        "quality_grade": "A",
        "quality_score": 90.0,
        "moisture_content": None,
        "harvest_date": "2025-10-01T00:00:00",
        "purchase_date": None,
        "purchase_price_usd": None,
        "price_per_mt": None,
        "status": "available",
        "created_at": "",
        "blockchain_lot_id": None,
        "export_contract_id": None,
        "batch_id": None,
        "certifications": ["Organic", "Fair Trade"],
        "has_contract": False,
        "purchased_by": None,
        "created_by": producer.email,
    }
    assert abs(naive(item["created_at"]) - utcnow()) < timedelta(minutes=5)
    await client.post(
        f"/api/lots/{lot_id}/purchase", json={"purchase_price_usd": 4500}, headers=exporter.headers
    )
    [item] = await _lots(client, producer)
    assert (item["status"], item["purchase_price_usd"], item["price_per_mt"]) == ("purchased", 4500.0, 3000.0)
    assert item["purchased_by"] == exporter.company_name
    assert_shape(item["purchase_date"], DT)


async def test_list_scoping_by_role(client, world) -> None:
    first, second = await world.user("producer"), await world.user("producer")
    a, b = (await world.lot(first))["lot_id"], (await world.lot(second))["lot_id"]
    assert ids(await _lots(client, first)) == [a]
    assert ids(await _lots(client, second)) == [b]
    for role in ("exporter", "buyer", "admin", "operator"):
        seen = set(ids(await _lots(client, await world.user(role))))
        assert {a, b} <= seen, role
    assert await _lots(client, await world.user("user")) == []
    assert await _lots(client, await world.user("producer", company=None)) == []


async def test_list_filters(client, world, admin) -> None:
    producer, exporter = await world.user("producer"), await world.user("exporter")
    mine = {"producer_id": producer.company_id}
    big = (await world.lot(producer, weight_kg=2000, location="Quevedo, Los Ríos", certifications="Organic"))[
        "lot_id"
    ]
    small = (await world.lot(producer, weight_kg=500, quality_grade="B", certifications=[]))["lot_id"]
    mid = (await world.lot(producer, weight_kg=1000, certifications=["Rainforest Alliance", "Organic"]))[
        "lot_id"
    ]
    await client.post(f"/api/lots/{mid}/purchase", json={"purchase_price_usd": 900}, headers=exporter.headers)

    async def found(**params) -> set[int]:
        return set(ids(await _lots(client, admin, **(mine | params))))

    assert await found() == {big, small, mid}
    assert await found(status="purchased") == {mid}
    assert await found(status="available") == {big, small}
    assert await found(location="quevedo") == {big}
    assert await found(location="MANAB") == {small, mid}
    assert await found(quality_grade="B") == {small}
    assert await found(quality_grade="b") == set()
    assert await found(min_weight=1000) == {big, mid}
    assert await found(max_weight=1000) == {small, mid}
    assert await found(min_weight=600, max_weight=1999.5) == {mid}
    # beyond NUMERIC(12, 2): compared, not overflowed into a 500 on PostgreSQL (found by schemathesis)
    assert await found(min_weight=4.4e15) == set()
    assert await found(max_weight=-5.9e16) == set()
    assert await found(max_weight=4.4e15) == {big, small, mid}
    assert await found(certifications="organic") == {big, mid}
    assert await found(certifications="rainforest", status="purchased") == {mid}
    assert await found(certifications="rainforest", status="available") == set()
    assert await found(location="100%") == set()
    other = await world.user("producer")
    await world.lot(other)
    assert set(ids(await _lots(client, admin, producer_id=other.company_id))).isdisjoint({big, small, mid})
    # A producer's own scope is combined with the filter, never widened by it.
    assert await _lots(client, producer, producer_id=other.company_id) == []


async def test_list_text_filters_match_wildcards_as_typed(client, world, admin) -> None:
    producer = await world.user("producer")
    odd = (await world.lot(producer, location="Lote_1 50% / norte", certifications=["100% Organic"]))[
        "lot_id"
    ]
    plain = (await world.lot(producer, location="Lote 1 50 norte", certifications=["1000 Organic"]))["lot_id"]

    async def found(**params) -> set[int]:
        return set(ids(await _lots(client, admin, producer_id=producer.company_id, **params)))

    assert await found(location="_1 50% /") == {odd}
    assert await found(location="lote 1") == {plain}  # "_" is not "any character"
    assert await found(location="50%") == {odd}
    assert await found(location="Lote%norte") == set()  # "%" is not "anything"
    assert await found(certifications="100%") == {odd}
    assert await found(certifications="1_0") == set()


async def test_list_order_harvest_date_desc_nulls_last(client, world) -> None:
    producer = await world.user("producer")
    old = (await world.lot(producer, harvest_date="2024-01-01"))["lot_id"]
    undated = (await world.lot(producer, harvest_date="2025-06-01"))["lot_id"]
    new = (await world.lot(producer, harvest_date="2025-12-24T10:00:00"))["lot_id"]
    await world.update(ProducerLot, undated, harvest_date=None)
    items = await _lots(client, producer)
    assert ids(items) == [new, old, undated]
    assert items[-1]["harvest_date"] is None


async def test_pages_are_slices_of_the_whole_list(client, world, admin) -> None:
    """`limit`/`offset` (the optional extension of C-13) give the same items in the same order as the whole list
    cut at those places, with a filter and a producer's scope too; a page further down is found by its ids first
    (issue 16), which must not change what it holds. Two lots share a harvest date (the id orders them) and one
    has none (last)."""
    producer = await world.user("producer")
    dates = [
        "2024-01-01",
        "2025-06-01",
        "2025-06-01",
        "2025-12-24T10:00:00",
        "2023-03-03",
        "2025-02-02",
        "2024-07-07",
    ]
    made = [(await world.lot(producer, harvest_date=date))["lot_id"] for date in dates]
    await world.update(ProducerLot, made[4], harvest_date=None)
    await world.update(ProducerLot, made[5], status="purchased")
    for party, params in ((producer, {}), (producer, {"status": "available"}), (admin, {})):
        whole = ids(await _lots(client, party, **params))
        assert len(whole) >= (6 if params else 7)
        for limit in (1, 2, 3, 5):
            for offset in range(len(whole) + 1):
                page = await _lots(client, party, **params, limit=limit, offset=offset)
                assert ids(page) == whole[offset : offset + limit], (params, limit, offset)
        for offset in (1, 4):
            assert ids(await _lots(client, party, **params, offset=offset)) == whole[offset:], (
                params,
                offset,
            )


@pytest.mark.parametrize(
    ("grade", "score"),
    [
        ("Premium", 95.0),
        ("A", 90.0),
        ("B", 80.0),
        ("C", 70.0),
        ("Standard", 75.0),
        ("High", 85.0),
        ("Medium", 75.0),
        ("Low", 65.0),
        ("Extra", 75.0),
        (None, None),
        ("", None),
    ],
)
async def test_quality_score_is_derived_from_the_grade(client, world, grade, score) -> None:
    producer = await world.user("producer")
    lot_id = (await world.lot(producer, quality_grade=grade or "X"))["lot_id"]
    if not grade:
        await world.update(ProducerLot, lot_id, quality_grade=grade)
    [item] = await _lots(client, producer)
    assert item["quality_score"] == score


# C-14 -----------------------------------------------------------------------------------------------------------


async def test_create_lot(client, world) -> None:
    producer = await world.user("producer")
    before = datetime.now().replace(microsecond=0)
    response = await client.post(
        "/api/lots", json=_body(producer, certifications="Fair Trade, Organic ,"), headers=producer.headers
    )
    body = assert_ok(response, 201)
    assert_shape(body, {"message": STR, "lot_id": INT, "blockchain_lot_id": None})
    [item] = await _lots(client, producer)
    assert item["id"] == body["lot_id"]
    assert item["certifications"] == ["Fair Trade", "Organic"]
    assert (item["status"], item["created_by"], item["moisture_content"]) == (
        "available",
        producer.email,
        None,
    )
    code = item["lot_code"]
    assert LOT_CODE.match(code), code
    prefix, stamp, cid = re.match(r"^LOT-(.{1,3})-(\d{14})-(\d{3,})", code).groups()
    assert prefix == producer.company_name[:3].upper()
    assert int(cid) == producer.company_id
    assert len(cid) == max(3, len(str(producer.company_id)))
    created = datetime.strptime(stamp, "%Y%m%d%H%M%S")  # server local time
    assert before - timedelta(seconds=1) <= created <= datetime.now() + timedelta(seconds=1)


@pytest.mark.parametrize(
    ("name", "prefix"), [("ab", "AB"), ("ñandú coop", "ÑAN"), ("A B C", "A B"), ("x", "X")]
)
async def test_lot_code_prefix(client, world, admin, name, prefix) -> None:
    company = await world.company("producer", name=name)
    response = await client.post(
        "/api/lots", json=_body(None, producer_company_id=company.id), headers=admin.headers
    )
    lot_id = assert_ok(response, 201)["lot_id"]
    [item] = [i for i in await _lots(client, admin, producer_id=company.id) if i["id"] == lot_id]
    assert LOT_CODE.match(item["lot_code"]), item["lot_code"]
    assert re.match(r"^LOT-(.{1,3})-\d{14}-(\d{3,})$", item["lot_code"]).groups() == (
        prefix,
        f"{company.id:03d}",
    )


async def test_lots_created_within_one_second_get_distinct_codes(client, world) -> None:
    producer = await world.user("producer")
    for _ in range(3):
        assert_ok(await client.post("/api/lots", json=_body(producer), headers=producer.headers), 201)
    codes = [item["lot_code"] for item in await _lots(client, producer)]
    assert len(set(codes)) == 3
    assert all(LOT_CODE.match(code) for code in codes)


async def test_create_lot_options(client, world, admin) -> None:
    producer = await world.user("producer")
    body = _body(
        producer,
        producer_company_id=str(producer.company_id),
        weight_kg="2500.5",
        producer_name="Juan Pérez",
        harvest_date="2025-10-01T05:30:00+05:00",
        certifications=["Organic"],
        metadata_uri="ipfs://ignored",
    )
    assert_ok(await client.post("/api/lots", json=body, headers=producer.headers), 201)
    [item] = await _lots(client, producer)
    assert (item["producer_name"], item["weight_kg"]) == ("Juan Pérez", 2500.5)
    assert item["harvest_date"] == "2025-10-01T00:30:00"
    zulu = _body(producer, harvest_date="2025-10-02T10:11:12.123456Z")
    assert_ok(await client.post("/api/lots", json=zulu, headers=admin.headers), 201)
    dates = {i["harvest_date"] for i in await _lots(client, producer)}
    assert "2025-10-02T10:11:12.123456" in dates
    operator = await world.user("operator", company=None)
    assert_ok(await client.post("/api/lots", json=_body(producer), headers=operator.headers), 201)
    assert len(await _lots(client, producer)) == 3
    no_certs = await _lots(client, producer)
    assert all(isinstance(item["certifications"], list) for item in no_certs)


@pytest.mark.parametrize("role", ["exporter", "buyer", "user"])
async def test_create_lot_role_check_first(client, world, role) -> None:
    party = await world.user(role)
    assert_error(await client.post("/api/lots", json={}, headers=party.headers), 403)
    producer = await world.user("producer")
    assert_error(await client.post("/api/lots", json=_body(producer), headers=party.headers), 403)


@pytest.mark.parametrize("missing", range(len(LOT_FIELDS)))
async def test_create_lot_required_fields_in_order(client, world, missing) -> None:
    producer = await world.user("producer")
    body = {k: v for k, v in _body(producer).items() if k not in LOT_FIELDS[missing:]}
    assert_error(
        await client.post("/api/lots", json=body, headers=producer.headers), 400, LOT_FIELDS[missing]
    )
    blank = _body(producer) | {LOT_FIELDS[missing]: None}
    assert_error(
        await client.post("/api/lots", json=blank, headers=producer.headers), 400, LOT_FIELDS[missing]
    )


async def test_create_lot_rule_violations(client, world, admin) -> None:
    producer, other = await world.user("producer"), await world.user("producer")
    post = lambda body, party=producer: client.post("/api/lots", json=body, headers=party.headers)  # noqa: E731
    assert_error(await post(_body(producer, weight_kg=0)), 400, "weight_kg")
    assert_error(await post(_body(producer, weight_kg=-10)), 400, "weight_kg")
    assert_error(await post(_body(producer, weight_kg="heavy")), 400, "weight_kg")
    assert_error(await post(_body(producer, harvest_date="someday")), 400, "harvest_date")
    assert_error(await post(_body(producer, producer_company_id="abc")), 400, "producer_company_id")
    assert_error(await post(_body(producer, certifications=[1, 2])), 400, "certifications")
    assert_error(await post(_body(other)), 403)
    assert_error(await post(_body(producer, producer_company_id=987654)), 403)
    assert_error(await post(_body(producer, producer_company_id=987654), admin), 404)
    assert await _lots(client, producer) == []


# C-15 -----------------------------------------------------------------------------------------------------------

PURCHASED = {
    "message": STR,
    "lot": {
        "id": INT,
        "lot_code": STR,
        "producer_company": opt(STR),
        "weight_kg": NUM,
        "purchase_price_usd": NUM,
        "purchase_date": DT,
        "status": "purchased",
        "purchased_by": opt(STR),
    },
}


async def test_purchase_lot(client, world) -> None:
    producer, exporter = await world.user("producer"), await world.user("exporter")
    lot = (await world.lot(producer, weight_kg=2000))["lot_id"]
    response = await client.post(
        f"/api/lots/{lot}/purchase", json={"purchase_price_usd": "5200.5"}, headers=exporter.headers
    )
    body = assert_ok(response, 200)
    assert_shape(body, PURCHASED)
    assert body["lot"] | {"lot_code": "", "purchase_date": ""} == {
        "id": lot,
        "lot_code": "",
        "producer_company": producer.company_name,
        "weight_kg": 2000.0,
        "purchase_price_usd": 5200.5,
        "purchase_date": "",
        "status": "purchased",
        "purchased_by": exporter.company_name,
    }
    assert abs(naive(body["lot"]["purchase_date"]) - utcnow()) < timedelta(minutes=5)
    async with world.session() as session:
        row = await session.get(ProducerLot, lot)
    assert (row.purchased_by_company_id, row.purchase_tx_hash) == (exporter.company_id, None)


@pytest.mark.parametrize("role", ["admin", "operator"])
async def test_purchase_by_a_company_less_staff_user(client, world, role) -> None:
    staff = await world.user(role, company=None)
    lot = (await world.lot(await world.user("producer")))["lot_id"]
    response = await client.post(
        f"/api/lots/{lot}/purchase", json={"purchase_price_usd": 10}, headers=staff.headers
    )
    body = assert_ok(response, 200)
    assert (body["lot"]["purchased_by"], body["lot"]["status"]) == (None, "purchased")


async def test_purchase_check_order(client, world) -> None:
    producer, exporter = await world.user("producer"), await world.user("exporter")
    lot = (await world.lot(producer))["lot_id"]
    url = f"/api/lots/{lot}/purchase"
    for role in ("buyer", "producer", "user"):
        party = await world.user(role)
        assert_error(await client.post("/api/lots/987654/purchase", json={}, headers=party.headers), 403)
        assert_error(await client.post(url, json={"purchase_price_usd": 1}, headers=party.headers), 403)
    assert_error(await client.post("/api/lots/987654/purchase", json={}, headers=exporter.headers), 404)
    assert_error(await client.post(url, json={}, headers=exporter.headers), 400, "purchase_price_usd")
    assert_error(await client.post(url, json={"purchase_price_usd": 0}, headers=exporter.headers), 400)
    assert_error(await client.post(url, json={"purchase_price_usd": -1}, headers=exporter.headers), 400)
    assert_error(await client.post(url, json={"purchase_price_usd": "x"}, headers=exporter.headers), 400)
    assert_ok(await client.post(url, json={"purchase_price_usd": 100}, headers=exporter.headers))
    # A non-available lot is refused before the body is looked at, naming its status.
    assert_error(await client.post(url, json={}, headers=exporter.headers), 400, "purchased")
    again = await client.post(
        url, json={"purchase_price_usd": 1}, headers=(await world.user("exporter")).headers
    )
    assert_error(again, 400, "purchased")
    [item] = await _lots(client, producer)
    assert item["purchase_price_usd"] == 100.0


# C-16 / C-17 ----------------------------------------------------------------------------------------------------


async def test_available_lots(client, world) -> None:
    producer, exporter = await world.user("producer"), await world.user("exporter")
    first = (await world.lot(producer, certifications="A, B"))["lot_id"]
    sold = await world.purchased_lot(producer, exporter)
    second = (await world.lot(producer))["lot_id"]
    for role in ("exporter", "admin", "operator"):
        party = await world.user(role)
        body = assert_ok(await client.get("/api/lots/available", headers=party.headers))
        for item in body:
            assert_shape(item, LOT_AVAILABLE_ITEM)
        assert ids(body) == sorted(ids(body))
        assert {first, second} <= set(ids(body))
        assert sold not in ids(body)
    item = next(i for i in body if i["id"] == first)
    assert item["certifications"] == ["A", "B"]
    assert (item["producer_company"], item["producer_name"]) == (producer.company_name, producer.company_name)
    public = assert_ok(await client.get("/api/public/lots/available"))
    assert public == body
    for role in ("buyer", "producer", "user"):
        party = await world.user(role)
        assert_error(await client.get("/api/lots/available", headers=party.headers), 403)


# C-18 -----------------------------------------------------------------------------------------------------------

INTEGRATION_VIEW = {
    "id": STR,
    "lote_nft_id": opt(STR),
    "nft_id": opt(STR),
    "productor_id": "P001",
    "productor_nombre": STR,
    "finca": STR,
    "producto": STR,
    "peso_estimado_kg": opt(NUM),
    "tipo_cacao": STR,
    "humedad_estimada": opt(NUM),
    "empresa_erp_id": STR,
    "contrato_id": STR,
    "estado": STR,
    "fecha_creacion": DT,
    "metadata": {"moisture_content": opt(NUM), "quality_score": opt(NUM), "certifications_list": ListOf(STR)},
}


async def test_lot_by_code(client, world) -> None:
    producer = await world.user("producer")
    lot_id = (await world.lot(producer, certifications="Organic , Fair Trade"))["lot_id"]
    [item] = await _lots(client, producer)
    body = assert_ok(await client.get(f"/api/lots/id/{item['lot_code']}"))
    assert_shape(body, INTEGRATION_VIEW)
    assert body == {
        "id": str(lot_id),
        "lote_nft_id": None,
        "nft_id": None,
        "productor_id": "P001",
        "productor_nombre": producer.company_name,
        "finca": "Finca La Esperanza",
        "producto": "Cacao CCN51",
        "peso_estimado_kg": 1500.0,
        "tipo_cacao": "A",
        "humedad_estimada": None,
        "empresa_erp_id": producer.company_name,
        "contrato_id": "CTR-2025-001",
        "estado": "available",
        "fecha_creacion": item["created_at"],
        "metadata": {
            "moisture_content": None,
            "quality_score": 90.0,
            "certifications_list": ["Organic", "Fair Trade"],
        },
    }


async def test_lot_by_code_fallbacks_contract_and_chain_id(client, world) -> None:
    producer, exporter, buyer = (
        await world.user("producer"),
        await world.user("exporter"),
        await world.user("buyer"),
    )
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    lot_id = (await world.lot(producer))["lot_id"]
    chain_id = f"0x{uuid.uuid4().hex}"
    await world.update(
        ProducerLot,
        lot_id,
        producer_name=None,
        farm_name=None,
        product_type=None,
        quality_grade=None,
        moisture_content=12.5,
        export_contract_id=contract["id"],
        blockchain_lot_id=chain_id,
        producer_company_id=None,
    )
    body = assert_ok(await client.get(f"/api/lots/id/{chain_id}"))
    assert body["id"] == str(lot_id)
    assert (body["lote_nft_id"], body["nft_id"]) == (chain_id, chain_id)
    assert body["productor_nombre"] == "Productor desconocido"
    assert (body["finca"], body["producto"], body["tipo_cacao"]) == (
        "Finca desconocida",
        "Cacao Seco",
        "Standard",
    )
    assert (body["empresa_erp_id"], body["contrato_id"]) == ("AGROCROP", contract["contract_code"])
    assert body["humedad_estimada"] == 12.5
    assert body["metadata"]["quality_score"] is None
    assert_error(await client.get("/api/lots/id/LOT-NOPE-00000000000000-000"), 404)


# C-19 -----------------------------------------------------------------------------------------------------------

SEARCH_ITEM = {
    "id": INT,
    "lot_code": STR,
    "product_type": opt(STR),
    "weight_kg": opt(NUM),
    "quality_grade": opt(STR),
    "producer_name": opt(STR),
    "farm_name": opt(STR),
    "location": opt(STR),
    "status": STR,
    "producer_company": opt(STR),  # Δ 152: the name, as in C-13 (ORIG: {"id", "name"})
    "producer_company_id": opt(INT),
    "created_at": DT,
}


async def test_search_lots(client, world) -> None:
    producer = await world.user("producer")
    lot_id = (await world.lot(producer))["lot_id"]
    [item] = await _lots(client, producer)
    code = item["lot_code"]
    for role in ("producer", "exporter", "buyer", "admin", "user"):
        party = await world.user(role)  # unscoped: another producer finds it too
        for params in ({"q": code.lower()}, {"q": f"  {code[4:12]}  "}, {"code": code}):
            body = assert_ok(await client.get("/api/lots/search", params=params, headers=party.headers))
            assert isinstance(body, list)
            assert lot_id in ids(body), (role, params)
            for found in body:
                assert_shape(found, SEARCH_ITEM)
                assert code[4:12].lower() in found["lot_code"].lower()
    found = next(i for i in body if i["id"] == lot_id)
    assert (found["producer_company"], found["producer_company_id"]) == (
        producer.company_name,
        producer.company_id,
    )
    none = assert_ok(
        await client.get("/api/lots/search", params={"q": "no-such-lot"}, headers=producer.headers)
    )
    assert none == []
    for params in ({}, {"q": ""}, {"q": "   "}, {"code": " "}):
        assert_error(await client.get("/api/lots/search", params=params, headers=producer.headers), 400, "q")


# C-20 -----------------------------------------------------------------------------------------------------------

TRACE = {
    "lot": LOT_DETAIL_CORE
    | {
        "purchase_date": opt(DT),
        "purchase_price_usd": opt(NUM),
        "status": STR,
        "created_at": DT,
        "blockchain_lot_id": None,
    },
    "batches": ListOf(
        {
            "id": INT,
            "batch_code": STR,
            "total_weight_kg": NUM,
            "status": STR,
            "created_at": DT,
            "exporter_company": opt(STR),
            "blockchain_batch_id": None,
            "lot_contribution_percentage": NUM,
        }
    ),
    "timeline": ListOf(
        {
            "event": STR,
            "timestamp": opt(DT),
            "actor": opt(STR),
            "description": STR,
            "tx_hash": None,
            "block_number": None,
            "icon": STR,
            "color": STR,
        }
    ),
    "blockchain": None,
    "traceability_complete": True,
}
ICON_COLORS = {"seedling": "success", "certificate": "info", "handshake": "primary", "boxes": "warning"}


async def test_traceability_of_a_batched_lot(client, world) -> None:
    chain = await world.chain(lot_weights=(1500.0, 500.0))
    lot_id = chain.lot_ids[0]
    body = assert_ok(await client.get(f"/api/lots/{lot_id}/traceability", headers=chain.producer.headers))
    assert_shape(body, TRACE)
    lot = body["lot"]
    assert (lot["id"], lot["status"], lot["purchase_price_usd"]) == (lot_id, "batched", 3000.0)
    assert lot["certifications"] == ["Organic", "Fair Trade"]
    [batch] = body["batches"]
    assert batch["id"] == chain.batch["id"]
    assert (batch["total_weight_kg"], batch["lot_contribution_percentage"]) == (2000.0, 75.0)
    assert batch["exporter_company"] == chain.exporter.company_name
    timeline = body["timeline"]
    assert sorted(item["icon"] for item in timeline) == ["boxes", "certificate", "handshake", "seedling"]
    for item in timeline:
        assert item["color"] == ICON_COLORS[item["icon"]]
    stamps = [item["timestamp"] for item in timeline]
    assert stamps == sorted(stamps, reverse=True)
    by_icon = {item["icon"]: item for item in timeline}
    assert by_icon["seedling"]["actor"] == chain.producer.company_name
    assert by_icon["seedling"]["timestamp"] == lot["created_at"]
    assert by_icon["certificate"]["timestamp"] == lot["created_at"]
    assert by_icon["handshake"]["actor"] == chain.exporter.company_name
    assert by_icon["handshake"]["timestamp"] == lot["purchase_date"]
    assert by_icon["boxes"]["actor"] == chain.exporter.company_name
    assert by_icon["boxes"]["timestamp"] == batch["created_at"]
    other = assert_ok(
        await client.get(f"/api/lots/{chain.lot_ids[1]}/traceability", headers=chain.exporter.headers)
    )
    assert other["batches"][0]["lot_contribution_percentage"] == 25.0


async def test_traceability_of_a_fresh_lot(client, world) -> None:
    producer = await world.user("producer")
    lot_id = (await world.lot(producer, certifications=[]))["lot_id"]
    body = assert_ok(await client.get(f"/api/lots/{lot_id}/traceability", headers=producer.headers))
    assert_shape(body, TRACE)
    assert body["batches"] == []
    assert [item["icon"] for item in body["timeline"]] == ["seedling"]
    assert (body["lot"]["purchase_date"], body["lot"]["status"]) == (None, "available")


async def test_traceability_access(client, world) -> None:
    chain = await world.chain()
    lot_id = chain.lot_ids[0]
    url = f"/api/lots/{lot_id}/traceability"
    allowed = [
        chain.producer,
        chain.exporter,
        await world.user("admin"),
        await world.user("operator", company=None),
    ]
    for party in allowed:
        assert_ok(await client.get(url, headers=party.headers))
    denied = [await world.user(role) for role in ("producer", "exporter", "buyer", "user")] + [chain.buyer]
    for party in denied:
        assert_error(await client.get(url, headers=party.headers), 403)
    # A buyer may trace lots inside a batch its company owns.
    await world.update(BatchNft, chain.batch["id"], current_owner_company_id=chain.buyer.company_id)
    assert_ok(await client.get(url, headers=chain.buyer.headers))
    assert_error(await client.get("/api/lots/987654/traceability", headers=chain.buyer.headers), 404)
    assert_error(await client.get("/api/lots/987654/traceability", headers=denied[0].headers), 404)


# C-21 -----------------------------------------------------------------------------------------------------------

FOR_BATCH = {
    "success": True,
    "count": INT,
    "lots": ListOf(
        {
            "id": INT,
            "lot_code": STR,
            "weight_kg": NUM,
            "weight_mt": NUM,
            "purchase_price_usd": NUM,
            "price_per_mt": NUM,
            "producer_name": opt(STR),
            "farm_name": opt(STR),
            "location": opt(STR),
            "harvest_date": opt(DT),
            "quality_score": opt(NUM),
            "moisture_content": opt(NUM),
            "status": "purchased",
            "certifications": opt(STR),
            "product_type": opt(STR),
            "purchased_by_company": opt({"id": INT, "name": STR, "company_type": opt(STR)}),
            "producer_company": opt({"id": INT, "name": STR}),
        }
    ),
}


async def test_lots_available_for_batch(client, world) -> None:
    producer, exporter, rival = (
        await world.user("producer"),
        await world.user("exporter"),
        await world.user("exporter"),
    )
    old = await world.purchased_lot(
        producer, exporter, 3000, harvest_date="2024-05-01", certifications=" Organic, Fair Trade"
    )
    new = await world.purchased_lot(producer, exporter, 1000, harvest_date="2025-05-01", weight_kg=500)
    undated = await world.purchased_lot(producer, exporter, 1000)
    await world.update(ProducerLot, undated, harvest_date=None, purchase_price_usd=None)
    theirs = await world.purchased_lot(producer, rival, 3000)
    batched = await world.purchased_lot(producer, exporter, 3000)
    await world.batch(exporter, [batched])
    await world.lot(producer)  # available, never listed
    body = assert_ok(await client.get("/api/lots/available-for-batch", headers=exporter.headers))
    assert_shape(body, FOR_BATCH)
    assert ids(body["lots"]) == [new, old, undated]
    assert body["count"] == 3
    first = body["lots"][1]
    assert first["certifications"] == "Organic,Fair Trade"
    assert (first["weight_kg"], first["weight_mt"], first["price_per_mt"]) == (1500.0, 1.5, 2000.0)
    assert first["purchased_by_company"] == {
        "id": exporter.company_id,
        "name": exporter.company_name,
        "company_type": "exporter",
    }
    assert first["producer_company"] == {"id": producer.company_id, "name": producer.company_name}
    assert body["lots"][0]["price_per_mt"] == 2000.0
    blank = body["lots"][2]
    assert (blank["purchase_price_usd"], blank["price_per_mt"]) == (0, 0)
    assert ids(
        assert_ok(await client.get("/api/lots/available-for-batch", headers=rival.headers))["lots"]
    ) == [theirs]
    staff = assert_ok(
        await client.get("/api/lots/available-for-batch", headers=(await world.user("admin")).headers)
    )
    assert {new, old, undated, theirs} <= set(ids(staff["lots"]))
    assert batched not in ids(staff["lots"])
    for role in ("buyer", "producer", "user"):
        party = await world.user(role)
        assert_error(await client.get("/api/lots/available-for-batch", headers=party.headers), 403)


async def test_list_lot_item_has_boolean_contract_flag(client, world) -> None:
    producer = await world.user("producer")
    await world.lot(producer)
    [item] = await _lots(client, producer)
    assert_shape(item["has_contract"], BOOL)


async def test_a_long_list_is_streamed_with_the_contract_shape(client, world, monkeypatch) -> None:
    """Above `STREAM_CHUNK_ITEMS` lots the list is encoded and sent in pieces (chunked, no Content-Length, issue
    16): its body is byte for byte the one-piece answer, every item in C-13's shape and order, on both databases."""
    producer = await world.user("producer")
    for day in range(1, 6):
        await world.lot(producer, harvest_date=f"2025-03-{day:02d}")
    whole = await client.get("/api/lots", headers=producer.headers)
    assert "content-length" in whole.headers
    monkeypatch.setattr(responses, "STREAM_CHUNK_ITEMS", 2)  # 5 lots: pieces of 2, 2 and 1
    streamed = await client.get("/api/lots", headers=producer.headers)
    assert streamed.status_code == 200
    assert streamed.headers["content-type"] == "application/json"
    assert "content-length" not in streamed.headers
    assert streamed.content == whole.content
    items = streamed.json()
    assert_shape(items, ListOf(LOT_ITEM))
    assert [item["harvest_date"][:10] for item in items] == [f"2025-03-{d:02d}" for d in range(5, 0, -1)]
    head = await client.head("/api/lots", headers=producer.headers)
    assert (head.status_code, head.content) == (200, b"")
