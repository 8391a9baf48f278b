"""C-47..C-50: role dashboards and the analytics summary."""

from __future__ import annotations

import uuid

import pytest
from triboka_api.models import BatchNft, ExportContract, ProducerLot

from tests.api.helpers import (
    DT,
    INT,
    NUM,
    STR,
    ListOf,
    assert_error,
    assert_ok,
    assert_shape,
    ids,
    opt,
)

PRODUCER = {
    "metrics": {
        "total_lots": INT,
        "available_lots": INT,
        "purchased_lots": INT,
        "total_weight_kg": NUM,
        "total_revenue_usd": NUM,
    },
    "lots": ListOf(
        {
            "id": INT,
            "lot_code": STR,
            "producer_company": opt(STR),
            "farm_name": opt(STR),
            "location": opt(STR),
            "weight_kg": opt(NUM),
            "quality_grade": opt(STR),
            "harvest_date": opt(DT),
            "purchase_date": opt(DT),
            "purchase_price_usd": opt(NUM),
            "status": STR,
            "certifications": ListOf(STR),
            "exporter_name": opt(STR),
        }
    ),
}
EXPORTER = {
    "metrics": {
        "total_purchased_lots": INT,
        "total_weight_purchased_kg": NUM,
        "total_batches": INT,
        "total_batch_weight_kg": NUM,
        "available_lots_count": INT,
    },
    "available_lots": ListOf(
        {
            "id": INT,
            "lot_code": STR,
            "producer_name": opt(STR),
            "farm_name": opt(STR),
            "location": opt(STR),
            "weight_kg": opt(NUM),
            "quality_grade": opt(STR),
            "harvest_date": opt(DT),
            "certifications": ListOf(STR),
            "status": "available",
        }
    ),
    "purchased_lots": ListOf(
        {
            "id": INT,
            "lot_code": STR,
            "producer_name": opt(STR),
            "weight_kg": opt(NUM),
            "purchase_price_usd": opt(NUM),
            "purchase_date": opt(DT),
            "quality_grade": opt(STR),
            "status": "purchased",
        }
    ),
    "batches": ListOf(
        {"id": INT, "batch_code": STR, "total_weight_kg": NUM, "status": STR, "created_at": DT}
    ),
}
BUYER = {
    "metrics": {"available_batches": INT, "total_weight_available_kg": NUM},
    "batches": ListOf(
        {
            "id": INT,
            "batch_code": STR,
            "exporter_name": STR,
            "total_weight_kg": NUM,
            "quality_grade": STR,
            "status": STR,
            "created_at": DT,
            "source_lots_count": INT,
            "certifications": ListOf(STR),
            "location": STR,
        }
    ),
}
BLOCKCHAIN_STATUS = {
    "connected": False,
    "network": None,
    "chain_id": None,
    "account": None,
    "balance": 0.0,
    "contracts_loaded": 0,
    "contracts": [],
    "simulation_mode": False,
}
GLOBAL_VIEW = {
    "total_contracts": INT,
    "active_contracts": INT,
    "total_volume_mt": NUM,
    "fixed_volume_mt": NUM,
    "total_lots": INT,
    "available_lots": INT,
    "total_companies": INT,
    "blockchain_status": BLOCKCHAIN_STATUS,
}
CONTRACT_VIEW = {"my_contracts": INT, "active_contracts": INT, "total_volume_mt": NUM, "fixed_volume_mt": NUM}
EXPORTER_VIEW = CONTRACT_VIEW | {
    "my_fixations": INT,
    "available_lots_with_contract": INT,
    "producers_with_contract": INT,
}
PRODUCER_VIEW = {"my_lots": INT, "available_lots": INT, "total_weight_kg": NUM, "assigned_lots": INT}


async def _get(client, party, path):
    return assert_ok(await client.get(path, headers=party.headers))


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/dashboard/producer", {"producer", "admin"}),
        ("/api/dashboard/exporter", {"exporter", "admin"}),
        ("/api/dashboard/buyer", {"buyer", "admin"}),
    ],
)
async def test_dashboard_roles(client, world, path, allowed) -> None:
    for role in ("admin", "operator", "exporter", "buyer", "producer", "user"):
        response = await client.get(path, headers=(await world.user(role)).headers)
        if role in allowed:
            assert_ok(response)
        else:
            assert_error(response, 403)


# C-47 -----------------------------------------------------------------------------------------------------------


async def test_producer_dashboard(client, world) -> None:
    chain = await world.chain(lot_weights=(1500.0,), price=3000)
    producer, exporter = chain.producer, chain.exporter
    sold = await world.purchased_lot(producer, exporter, 1200, weight_kg=700, certifications="Organic")
    fresh = (await world.lot(producer, weight_kg=500, certifications=[]))["lot_id"]
    await world.update(ProducerLot, sold, export_contract_id=chain.contract["id"])
    await world.lot(await world.user("producer"))  # another company's lot, never counted
    body = await _get(client, producer, "/api/dashboard/producer")
    assert_shape(body, PRODUCER)
    assert body["metrics"] == {
        "total_lots": 3,
        "available_lots": 1,
        "purchased_lots": 1,  # the batched lot is not counted
        "total_weight_kg": 2700.0,
        "total_revenue_usd": 4200.0,
    }
    assert ids(body["lots"]) == [chain.lot_ids[0], sold, fresh]
    by_id = {lot["id"]: lot for lot in body["lots"]}
    assert by_id[sold]["exporter_name"] == exporter.company_name
    assert by_id[chain.lot_ids[0]]["exporter_name"] is None
    assert (by_id[sold]["certifications"], by_id[fresh]["certifications"]) == (["Organic"], [])
    assert (by_id[sold]["purchase_price_usd"], by_id[fresh]["purchase_price_usd"]) == (1200.0, None)
    assert by_id[chain.lot_ids[0]]["status"] == "batched"


async def test_producer_dashboard_limits_and_admin(client, world, admin) -> None:
    producer = await world.user("producer")
    async with world.session() as session:
        for n in range(22):
            session.add(
                ProducerLot(
                    lot_code=f"LOT-DSH-{uuid.uuid4().hex[:12]}-{n:03d}",
                    producer_company_id=producer.company_id,
                    weight_kg=100,
                    status="available",
                )
            )
        await session.commit()
    body = await _get(client, producer, "/api/dashboard/producer")
    assert body["metrics"]["total_lots"] == 22
    assert body["metrics"]["total_weight_kg"] == 2200.0
    assert len(body["lots"]) == 20
    assert ids(body["lots"]) == sorted(ids(body["lots"]))
    empty = await _get(client, admin, "/api/dashboard/producer")  # an admin without a company
    assert empty == {
        "metrics": {
            "total_lots": 0,
            "available_lots": 0,
            "purchased_lots": 0,
            "total_weight_kg": 0,
            "total_revenue_usd": 0,
        },
        "lots": [],
    }
    staff = await world.user("admin", company=await world.company("producer"))
    await world.lot(staff, producer_company_id=staff.company_id)
    assert (await _get(client, staff, "/api/dashboard/producer"))["metrics"]["total_lots"] == 1


# C-48 -----------------------------------------------------------------------------------------------------------


async def test_exporter_dashboard(client, world, admin) -> None:
    chain = await world.chain(lot_weights=(1500.0, 500.0))
    exporter, producer = chain.exporter, chain.producer
    held = await world.purchased_lot(producer, exporter, 2500, weight_kg=1000, quality_grade="B")
    await world.update(ProducerLot, held, producer_company_id=None, producer_name="Don Pepe")
    await world.purchased_lot(producer, await world.user("exporter"), 100)  # someone else's purchase
    available = (await world.lot(producer, certifications="Organic"))["lot_id"]
    body = await _get(client, exporter, "/api/dashboard/exporter")
    assert_shape(body, EXPORTER)
    all_available = assert_ok(await client.get("/api/lots/available", headers=admin.headers))
    assert body["metrics"] == {
        "total_purchased_lots": 1,
        "total_weight_purchased_kg": 1000.0,
        "total_batches": 1,
        "total_batch_weight_kg": 2000.0,
        "available_lots_count": len(all_available),
    }
    assert [(lot["id"], lot["producer_name"]) for lot in body["purchased_lots"]] == [(held, "Don Pepe")]
    assert body["purchased_lots"][0]["purchase_price_usd"] == 2500.0
    assert len(body["available_lots"]) == min(20, len(all_available))
    assert set(ids(body["available_lots"])) <= set(ids(all_available))
    listed = {lot["id"]: lot for lot in body["available_lots"]}
    if available in listed:
        assert listed[available]["producer_name"] == producer.company_name
        assert listed[available]["certifications"] == ["Organic"]
    assert [(b["id"], b["total_weight_kg"], b["status"]) for b in body["batches"]] == [
        (chain.batch["id"], 2000.0, "created")
    ]


async def test_exporter_dashboard_list_limits(client, world) -> None:
    producer, exporter = await world.user("producer"), await world.user("exporter")
    async with world.session() as session:
        for n in range(21):
            session.add(
                ProducerLot(
                    lot_code=f"LOT-EXP-{uuid.uuid4().hex[:12]}-{n:03d}",
                    producer_company_id=producer.company_id,
                    weight_kg=10,
                    status="purchased",
                    purchased_by_company_id=exporter.company_id,
                    purchase_price_usd=1,
                )
            )
        for n in range(11):
            session.add(
                BatchNft(
                    batch_code=f"BATCH-EXP-{uuid.uuid4().hex[:12]}-{n:03d}",
                    total_weight_kg=5,
                    creator_company_id=exporter.company_id,
                    current_owner_company_id=exporter.company_id,
                    status="created",
                )
            )
        await session.commit()
    body = await _get(client, exporter, "/api/dashboard/exporter")
    assert (body["metrics"]["total_purchased_lots"], body["metrics"]["total_batches"]) == (21, 11)
    assert (body["metrics"]["total_weight_purchased_kg"], body["metrics"]["total_batch_weight_kg"]) == (
        210.0,
        55.0,
    )
    assert (len(body["purchased_lots"]), len(body["batches"]), len(body["available_lots"]) <= 20) == (
        20,
        10,
        True,
    )


# C-49 -----------------------------------------------------------------------------------------------------------


async def test_buyer_dashboard(client, world, admin) -> None:
    chain = await world.chain(lot_weights=(1500.0,))
    extra = await world.purchased_lot(
        chain.producer, chain.exporter, 100, quality_grade="B", certifications="Fair Trade, Kosher"
    )
    first = await world.purchased_lot(chain.producer, chain.exporter, 100, certifications="Organic")
    await world.update(ProducerLot, first, quality_grade=None)
    mixed = await world.batch(chain.exporter, [first, extra], location="Manta")
    minted = await world.batch(chain.exporter, [await world.purchased_lot(chain.producer, chain.exporter)])
    await world.update(BatchNft, minted["id"], status="minted")
    bare = await world.batch(chain.exporter, [await world.purchased_lot(chain.producer, chain.exporter)])
    await world.update(BatchNft, bare["id"], status="active", location=None, creator_company_id=None)
    body = await _get(client, chain.buyer, "/api/dashboard/buyer")
    assert_shape(body, BUYER)

    async def open_batches() -> list[dict]:
        every = assert_ok(await client.get("/api/batches", headers=admin.headers))
        return [b for b in every if b["status"] in ("created", "active")]

    expected = await open_batches()
    assert body["metrics"] == {
        "available_batches": len(expected),
        "total_weight_available_kg": sum(b["total_weight_kg"] for b in expected),
    }
    assert minted["id"] not in ids(body["batches"])
    assert len(body["batches"]) == min(20, len(expected))
    items = {b["id"]: b for b in body["batches"]}
    assert items[mixed["id"]] | {"created_at": ""} == {
        "id": mixed["id"],
        "batch_code": mixed["batch_code"],
        "exporter_name": chain.exporter.company_name,
        "total_weight_kg": 3000.0,
        "quality_grade": "B",  # the first non-null grade of the source lots
        "status": "created",
        "created_at": "",
        "source_lots_count": 2,
        "certifications": ["Organic", "Fair Trade", "Kosher"],
        "location": "Manta",
    }
    assert (items[bare["id"]]["exporter_name"], items[bare["id"]]["location"]) == ("N/A", "N/A")
    assert items[bare["id"]]["status"] == "active"
    async with world.session() as session:  # more open batches than the list holds
        for n in range(21):
            code = f"BATCH-BUY-{uuid.uuid4().hex[:12]}-{n:03d}"
            session.add(BatchNft(batch_code=code, total_weight_kg=1, status="created"))
        await session.commit()
    body = await _get(client, chain.buyer, "/api/dashboard/buyer")
    assert len(body["batches"]) == 20
    assert body["metrics"]["available_batches"] == len(await open_batches()) > 20
    no_lots = next(b for b in body["batches"] if b["batch_code"].startswith("BATCH-BUY-"))
    assert (no_lots["quality_grade"], no_lots["certifications"], no_lots["source_lots_count"]) == (
        "N/A",
        [],
        0,
    )


# C-50 -----------------------------------------------------------------------------------------------------------


async def test_analytics_global_view(client, world, admin) -> None:
    chain = await world.chain()
    await world.fixation(chain.exporter, chain.contract["id"], 12.5)
    await world.update(ExportContract, chain.contract["id"], status="active")
    for party in (admin, await world.user("operator", company=None)):
        body = await _get(client, party, "/api/analytics/dashboard")
        assert_shape(body, GLOBAL_VIEW)
        contracts = assert_ok(await client.get("/api/contracts", headers=admin.headers))
        lots = assert_ok(await client.get("/api/lots", headers=admin.headers))
        companies = assert_ok(await client.get("/api/companies", headers=admin.headers))
        assert body | {"blockchain_status": None} == {
            "total_contracts": len(contracts),
            "active_contracts": sum(c["status"] == "active" for c in contracts),
            "total_volume_mt": pytest.approx(sum(c["total_volume_mt"] for c in contracts)),
            "fixed_volume_mt": pytest.approx(sum(c["fixed_volume_mt"] for c in contracts)),
            "total_lots": len(lots),
            "available_lots": sum(lot["status"] == "available" for lot in lots),
            "total_companies": len(companies),
            "blockchain_status": None,
        }


async def test_analytics_party_views(client, world, admin) -> None:
    chain = await world.chain()
    exporter, buyer, producer = chain.exporter, chain.buyer, chain.producer
    second = await world.contract(exporter, buyer.company_id, exporter.company_id, total_volume_mt=50)
    await world.update(ExportContract, second["id"], status="active")
    await world.fixation(exporter, chain.contract["id"], 10)
    await world.fixation(exporter, second["id"], 5)
    await world.fixation(exporter, second["id"], 5)
    # A from-lots "purchase" contract: the exporter in the buyer column and the producer as "exporter" (§9 #11).
    purchase = await world.contract(admin, exporter.company_id, producer.company_id)
    await world.update(ExportContract, purchase["id"], status="completed")
    assigned = (await world.lot(producer))["lot_id"]
    await world.update(ProducerLot, assigned, export_contract_id=chain.contract["id"])
    exporter_view = await _get(client, exporter, "/api/analytics/dashboard")
    assert_shape(exporter_view, EXPORTER_VIEW)
    assert exporter_view == {
        "my_contracts": 2,
        "active_contracts": 1,
        "total_volume_mt": 150.0,
        "fixed_volume_mt": 20.0,
        "my_fixations": 3,
        "available_lots_with_contract": 1,
        "producers_with_contract": 1,
    }
    buyer_view = await _get(client, buyer, "/api/analytics/dashboard")
    assert_shape(buyer_view, CONTRACT_VIEW)
    assert buyer_view == {
        "my_contracts": 2,
        "active_contracts": 1,
        "total_volume_mt": 150.0,
        "fixed_volume_mt": 20.0,
    }
    producer_view = await _get(client, producer, "/api/analytics/dashboard")
    assert_shape(producer_view, PRODUCER_VIEW)
    assert producer_view == {"my_lots": 2, "available_lots": 1, "total_weight_kg": 3000.0, "assigned_lots": 1}
    assert await _get(client, await world.user("user"), "/api/analytics/dashboard") == {}
    fresh = await _get(client, await world.user("buyer"), "/api/analytics/dashboard")
    assert fresh == {"my_contracts": 0, "active_contracts": 0, "total_volume_mt": 0, "fixed_volume_mt": 0}
