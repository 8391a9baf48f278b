"""S-03..S-10: contract update/delete while draft, purchase contracts from lots, fixation notes, purchases,
available batches, batch search and batch traceability (issue 14)."""

from __future__ import annotations

import asyncio
import re

from triboka_api.models import ContractFixation, ExportContract, ProducerLot

from tests.api.helpers import (
    BATCH_BASE,
    COMPANY_REF_TYPED,
    CONTRACT_BASE,
    DT,
    FIXATION_BASE,
    INT,
    LOT_ITEM,
    NUM,
    STR,
    ListOf,
    assert_error,
    assert_ok,
    assert_shape,
    ids,
    opt,
)

PURCHASE_ITEM = {
    "id": INT,
    "lot_code": STR,
    "product_type": opt(STR),
    "weight_kg": opt(NUM),
    "quality_grade": opt(STR),
    "purchase_price_usd": opt(NUM),
    "purchase_date": opt(DT),
    "status": STR,
    "producer_name": opt(STR),
    "farm_name": opt(STR),
    "location": opt(STR),
    "certifications": opt(STR),
    "batch_id": opt(INT),
    "purchase_tx_hash": None,
    "producer_company": opt(COMPANY_REF_TYPED),
}
AVAILABLE_BATCH = {
    "id": INT,
    "code": STR,
    "quantity": NUM,
    "available_quantity": NUM,
    "sold_quantity": 0,
    "price_per_unit": 0,
    "total_value": 0,
    "status": STR,
    "created_at": DT,
    "creator_company": opt(COMPANY_REF_TYPED),
}
SEARCH_BATCH = {
    "id": INT,
    "code": STR,
    "total_weight_kg": NUM,
    "batch_type": opt(STR),
    "location": opt(STR),
    "status": STR,
    "creator_company": opt(COMPANY_REF_TYPED),
    "created_at": DT,
}
CHAIN_LINK = {
    "lot_id": INT,
    "lot_code": STR,
    "producer_name": opt(STR),
    "farm_name": opt(STR),
    "location": opt(STR),
    "harvest_date": opt(DT),
    "certifications": opt(STR),
    "blockchain_lot_id": None,
}
PURCHASE_CODE = re.compile(r"^PURCHASE-.{1,3}-.{1,3}-\d{14}(-\d+)?$")


# S-03 -----------------------------------------------------------------------------------------------------------


async def test_creator_updates_a_draft(client, world) -> None:
    exporter, buyer = await world.user("exporter"), await world.user("buyer")
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    body = assert_ok(
        await client.put(
            f"/api/contracts/{contract['id']}",
            json={"total_volume_mt": 250.5, "product_grade": "B", "end_date": "2026-06-30"},
            headers=exporter.headers,
        )
    )
    assert_shape(body, {"message": STR, "contract": CONTRACT_BASE})
    assert body["contract"]["total_volume_mt"] == 250.5
    assert body["contract"]["product_grade"] == "B"
    assert body["contract"]["end_date"] == "2026-06-30T00:00:00"
    assert body["contract"]["product_type"] == contract["product_type"]  # untouched


async def test_update_refusals(client, world, admin) -> None:
    exporter, buyer = await world.user("exporter"), await world.user("buyer")
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    url = f"/api/contracts/{contract['id']}"
    # the other party and another tenant's exporter are not the creator
    assert_error(await client.put(url, json={"product_grade": "B"}, headers=buyer.headers), 403)
    stranger = await world.user("exporter")
    assert_error(await client.put(url, json={"product_grade": "B"}, headers=stranger.headers), 403)
    assert_error(
        await client.put(url, json={"end_date": "2024-01-01"}, headers=exporter.headers), 400, "end_date"
    )
    await world.fixation(exporter, contract["id"], 40)
    assert_error(await client.put(url, json={"total_volume_mt": 39}, headers=exporter.headers), 400, "fixed")
    assert_error(await client.put("/api/contracts/999999", json={}, headers=admin.headers), 404)
    assert_ok(await client.put(f"{url}/status", json={"status": "active"}, headers=exporter.headers))
    assert_error(await client.put(url, json={"product_grade": "B"}, headers=admin.headers), 400, "draft")


async def test_creator_who_moved_company_may_not_update(client, world) -> None:
    exporter, buyer = await world.user("exporter"), await world.user("buyer")
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    other = await world.company("exporter")
    from triboka_api.models import User

    await world.update(User, exporter.id, company_id=other.id)
    assert_error(
        await client.put(f"/api/contracts/{contract['id']}", json={"notes": "x"}, headers=exporter.headers),
        403,
    )


# S-04 -----------------------------------------------------------------------------------------------------------


async def test_delete_draft(client, world, admin) -> None:
    exporter, buyer = await world.user("exporter"), await world.user("buyer")
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    assert_error(await client.delete(f"/api/contracts/{contract['id']}", headers=buyer.headers), 403)
    body = assert_ok(await client.delete(f"/api/contracts/{contract['id']}", headers=exporter.headers))
    assert_shape(body, {"message": STR})
    assert_error(await client.get(f"/api/contracts/{contract['id']}", headers=admin.headers), 404)


async def test_delete_refused_with_fixations_or_when_not_draft(client, world) -> None:
    exporter, buyer = await world.user("exporter"), await world.user("buyer")
    fixed = await world.contract(exporter, buyer.company_id, exporter.company_id)
    await world.fixation(exporter, fixed["id"], 1)
    assert_error(
        await client.delete(f"/api/contracts/{fixed['id']}", headers=exporter.headers), 400, "fixations"
    )
    active = await world.contract(exporter, buyer.company_id, exporter.company_id)
    await world.update(ExportContract, active["id"], status="active")
    assert_error(
        await client.delete(f"/api/contracts/{active['id']}", headers=exporter.headers), 400, "draft"
    )


# S-05 -----------------------------------------------------------------------------------------------------------


async def test_from_lots_one_contract_per_producer(client, world, admin) -> None:
    exporter = await world.user("exporter")
    first, second = await world.user("producer"), await world.user("producer")
    a = (await world.lot(first, weight_kg=1500))["lot_id"]
    b = (await world.lot(first, weight_kg=500))["lot_id"]
    c = (await world.lot(second, weight_kg=2000))["lot_id"]
    body = assert_ok(
        await client.post(
            "/api/contracts/from-lots",
            json={"lot_ids": [a, b, c], "notes": "harvest"},
            headers=exporter.headers,
        ),
        201,
    )
    item = {"contract_id": INT, "contract_code": STR, "producer": STR, "volume_mt": NUM, "lot_count": INT}
    assert_shape(body, {"message": STR, "contracts": ListOf(item)})
    made = {c["producer"]: c for c in body["contracts"]}
    assert (made[first.company_name]["volume_mt"], made[first.company_name]["lot_count"]) == (2.0, 2)
    assert (made[second.company_name]["volume_mt"], made[second.company_name]["lot_count"]) == (2.0, 1)
    for contract in body["contracts"]:
        assert PURCHASE_CODE.match(contract["contract_code"]), contract
    detail = assert_ok(
        await client.get(f"/api/contracts/{made[first.company_name]['contract_id']}", headers=admin.headers)
    )
    # the roles are inverted: the caller buys, the producer is the "exporter" side
    assert detail["buyer_company"]["id"] == exporter.company_id
    assert detail["exporter_company"]["id"] == first.company_id
    assert detail["status"] == "active"
    assert detail["differential_usd"] == -1500.0
    assert sorted(lot["id"] for lot in detail["lots"]) == sorted([a, b])
    purchases = assert_ok(await client.get("/api/purchases", headers=exporter.headers))
    assert {a, b, c} <= set(ids(purchases))
    assert all(p["status"] == "purchased" and p["purchase_price_usd"] is None for p in purchases)


async def test_from_lots_refusals(client, world) -> None:
    exporter, producer = await world.user("exporter"), await world.user("producer")
    lot = (await world.lot(producer))["lot_id"]
    for role in ("producer", "buyer", "user"):
        other = await world.user(role)
        assert_error(
            await client.post("/api/contracts/from-lots", json={"lot_ids": [lot]}, headers=other.headers), 403
        )
    assert_error(
        await client.post("/api/contracts/from-lots", json={"lot_ids": []}, headers=exporter.headers), 400
    )
    assert_error(
        await client.post(
            "/api/contracts/from-lots", json={"lot_ids": [lot, 999999]}, headers=exporter.headers
        ),
        404,
    )
    homeless = await world.user("exporter", company=None)
    assert_error(
        await client.post("/api/contracts/from-lots", json={"lot_ids": [lot]}, headers=homeless.headers), 400
    )
    assert_ok(
        await client.post("/api/contracts/from-lots", json={"lot_ids": [lot]}, headers=exporter.headers), 201
    )
    assert_error(
        await client.post("/api/contracts/from-lots", json={"lot_ids": [lot]}, headers=exporter.headers),
        400,
        "not available",
    )


async def test_from_lots_concurrent_requests_buy_a_lot_once(client, world, app) -> None:
    producer = await world.user("producer")
    lot = (await world.lot(producer))["lot_id"]
    buyers = [await world.user("exporter") for _ in range(4)]
    responses = await asyncio.gather(
        *(client.post("/api/contracts/from-lots", json={"lot_ids": [lot]}, headers=b.headers) for b in buyers)
    )
    assert sorted(r.status_code for r in responses) == [201, 400, 400, 400], [r.text for r in responses]
    async with world.session() as session:
        stored = await session.get(ProducerLot, lot)
        contracts = (
            await session.scalars(
                ExportContract.__table__.select()
                .where(ExportContract.exporter_company_id == producer.company_id)
                .with_only_columns(ExportContract.id)
            )
        ).all()
    assert len(contracts) == 1
    assert stored.export_contract_id == contracts[0]


# S-06 -----------------------------------------------------------------------------------------------------------


async def test_fixation_notes(client, world, admin) -> None:
    chain = await world.chain()
    fixation = await world.fixation(chain.exporter, chain.contract["id"], 2, notes="first")
    url = f"/api/fixations/{fixation}"
    assert_error(await client.put(url, json={"notes": "no"}, headers=chain.buyer.headers), 403)
    body = assert_ok(
        await client.put(
            url, json={"notes": "revised", "fixed_quantity_mt": 50}, headers=chain.exporter.headers
        )
    )
    assert_shape(body, {"message": STR, "fixation": FIXATION_BASE})
    assert body["fixation"]["notes"] == "revised"
    assert body["fixation"]["fixed_quantity_mt"] == 2.0  # only notes change
    assert_ok(await client.put(url, json={"notes": "by admin"}, headers=admin.headers))
    assert_error(await client.put("/api/fixations/999999", json={"notes": "x"}, headers=admin.headers), 404)
    async with world.session() as session:
        assert (await session.get(ContractFixation, fixation)).notes == "by admin"


# S-07 -----------------------------------------------------------------------------------------------------------


async def test_purchases_of_own_company_only(client, world) -> None:
    chain = await world.chain()
    body = assert_ok(await client.get("/api/purchases", headers=chain.exporter.headers))
    assert_shape(body, ListOf(PURCHASE_ITEM))
    assert ids(body) == chain.lot_ids
    assert body[0]["certifications"] == "Organic,Fair Trade"
    assert body[0]["batch_id"] == chain.batch["id"]
    rival = await world.user("exporter")
    assert assert_ok(await client.get("/api/purchases", headers=rival.headers)) == []
    homeless = await world.user("buyer", company=None)
    assert_error(await client.get("/api/purchases", headers=homeless.headers), 404)


# S-08, S-09 -----------------------------------------------------------------------------------------------------


async def test_available_batches_and_search(client, world) -> None:
    chain = await world.chain()
    reader = await world.user("buyer")
    available = assert_ok(await client.get("/api/batches/available", headers=reader.headers))
    assert_shape(available, ListOf(AVAILABLE_BATCH))
    mine = next(b for b in available if b["id"] == chain.batch["id"])
    assert mine["quantity"] == mine["available_quantity"] == 1500.0
    code = chain.batch["batch_code"]
    for params in ({"q": code.lower()}, {"code": code}):
        found = assert_ok(await client.get("/api/batches/search", params=params, headers=reader.headers))
        assert_shape(found, ListOf(SEARCH_BATCH))
        assert ids(found) == [chain.batch["id"]]
    assert assert_ok(await client.get("/api/batches/search", params={"q": "%"}, headers=reader.headers)) == []
    assert_error(await client.get("/api/batches/search", headers=reader.headers), 400, "q")


# S-10 -----------------------------------------------------------------------------------------------------------


async def test_batch_traceability(client, world) -> None:
    chain = await world.chain(lot_weights=(1000.0, 500.0))
    url = f"/api/batches/{chain.batch['id']}/traceability"
    for party in (chain.exporter, chain.producer):
        body = assert_ok(await client.get(url, headers=party.headers))
        assert_shape(
            body,
            {"batch": BATCH_BASE, "source_lots": ListOf(LOT_ITEM), "traceability_chain": ListOf(CHAIN_LINK)},
        )
        assert ids(body["source_lots"]) == chain.lot_ids
        assert [link["lot_id"] for link in body["traceability_chain"]] == chain.lot_ids


async def test_batch_traceability_applies_the_c24_rule(client, world, admin) -> None:
    chain = await world.chain()
    url = f"/api/batches/{chain.batch['id']}/traceability"
    for role in ("exporter", "producer", "buyer", "user"):
        stranger = await world.user(role)
        assert_error(await client.get(url, headers=stranger.headers), 403)
    assert_error(
        await client.get(url, headers=chain.buyer.headers), 403
    )  # the contract's buyer owns no batch
    assert_error(await client.get("/api/batches/999999/traceability", headers=admin.headers), 404)
