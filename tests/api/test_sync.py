"""S-58/S-59 offline sync: both spellings, the platform JWT, the caller's lots and contracts only, and the push's
conflict rules (applied, conflict, rejected) with every rule of `PUT /api/lots/{id}` still enforced."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from triboka_api.models import ProducerLot

from tests.api.helpers import BOOL, INT, LIST, assert_error, assert_jwt_error, assert_ok, assert_shape, utcnow

DELTA = {
    "server_timestamp": INT,
    "categories": [],
    "products": [],
    "lots": LIST,
    "contracts": LIST,
    "has_more": BOOL,
}
PREFIXES = ("/api/sync/sync", "/api/sync")


def now_ms() -> int:
    return (utcnow() - datetime(1970, 1, 1)) // timedelta(milliseconds=1)


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_both_spellings_need_the_platform_jwt(client, world, prefix) -> None:
    assert_jwt_error(await client.get(f"{prefix}/delta"), 401)
    assert_jwt_error(await client.post(f"{prefix}/push", json={"changes": []}), 401)
    user = await world.user("user")
    body = assert_ok(await client.get(f"{prefix}/delta", headers=user.headers))
    assert_shape(body, DELTA)
    assert body["lots"] == []  # a `user` lists no lots (C-13) and no contracts (C-25)
    assert body["contracts"] == []
    pushed = assert_ok(await client.post(f"{prefix}/push", json={"changes": []}, headers=user.headers))
    assert set(pushed) == {"status", "synced_at", "results"}
    assert pushed["status"] == "success"


async def test_delta_returns_what_changed_for_the_caller_only(client, world, admin) -> None:
    producer = await world.user("producer")
    rival = await world.user("producer")
    exporter = await world.user("exporter")
    buyer = await world.user("buyer")
    start = now_ms() - 1
    own = (await world.lot(producer))["lot_id"]
    theirs = (await world.lot(rival))["lot_id"]
    contract = await world.contract(admin, buyer.company_id, exporter.company_id)
    mine = assert_ok(
        await client.get("/api/sync/delta", params={"last_sync": start}, headers=producer.headers)
    )
    assert [lot["id"] for lot in mine["lots"]] == [own]  # not the other producer's lot
    assert mine["contracts"] == []  # no lot of this producer is in the contract
    assert mine["lots"][0]["updated_at_ms"] >= start
    seen = assert_ok(
        await client.get("/api/sync/sync/delta", params={"last_sync": start}, headers=exporter.headers)
    )
    assert {own, theirs} <= {lot["id"] for lot in seen["lots"]}  # the marketplace sees every lot
    assert [c["id"] for c in seen["contracts"]] == [contract["id"]]
    outsider = await world.user("exporter")
    other = assert_ok(
        await client.get("/api/sync/delta", params={"last_sync": start}, headers=outsider.headers)
    )
    assert other["contracts"] == []
    # nothing changed since the server's timestamp
    later = assert_ok(
        await client.get(
            "/api/sync/delta", params={"last_sync": seen["server_timestamp"]}, headers=exporter.headers
        )
    )
    assert later["lots"] == []
    assert later["contracts"] == []
    for bad in ("yesterday", "-1", "1e20", str(10**16)):
        assert_error(
            await client.get("/api/sync/delta", params={"last_sync": bad}, headers=exporter.headers),
            400,
            "last_sync",
        )


async def test_push_applies_detects_conflicts_and_keeps_the_rules(client, world, admin) -> None:
    producer = await world.user("producer")
    rival = await world.user("producer")
    exporter = await world.user("exporter")
    own = (await world.lot(producer))["lot_id"]
    theirs = (await world.lot(rival))["lot_id"]
    sold = await world.purchased_lot(producer, exporter)
    delta = assert_ok(await client.get("/api/sync/delta", headers=producer.headers))
    version = {lot["id"]: lot["updated_at_ms"] for lot in delta["lots"]}

    def change(lot_id: int, base: int, **fields) -> dict:
        return {"entity": "lot", "id": lot_id, "base_updated_at": base, "fields": fields}

    changes = [
        change(own, version[own], farm_name="Finca Nueva", certifications=["Organic"]),
        change(theirs, now_ms(), farm_name="stolen"),  # another company's lot
        change(sold, version[sold], farm_name="late"),  # no longer available
        change(999999, now_ms(), farm_name="ghost"),
        change(own, version[own], quality_grade="x" * 51),  # out of bounds
        change(own, version[own], status="available"),  # not a syncable field
        {"entity": "contract", "id": 1, "base_updated_at": 0, "fields": {"status": "active"}},
    ]
    body = assert_ok(await client.post("/api/sync/push", json={"changes": changes}, headers=producer.headers))
    statuses = [(r["id"], r["status"]) for r in body["results"]]
    assert statuses == [
        (own, "applied"),
        (theirs, "rejected"),
        (sold, "rejected"),
        (999999, "rejected"),
        (own, "rejected"),
        (own, "rejected"),
        (1, "rejected"),
    ]
    assert all(r["error"] for r in body["results"][1:])
    assert "quality_grade" in body["results"][4]["error"]
    async with world.session() as session:
        lots = {i: await session.get(ProducerLot, i) for i in (own, theirs, sold)}
    assert (lots[own].farm_name, lots[own].certifications) == ("Finca Nueva", "Organic")
    assert lots[theirs].farm_name == "Finca La Esperanza"
    assert lots[sold].farm_name == "Finca La Esperanza"
    # the same stale base again: the server's row is newer → conflict, nothing written, the server row returned
    stale = assert_ok(
        await client.post(
            "/api/sync/sync/push",
            json={"changes": [change(own, version[own], farm_name="old")]},
            headers=producer.headers,
        )
    )
    result = stale["results"][0]
    assert result["status"] == "conflict"
    assert result["server"]["farm_name"] == "Finca Nueva"
    fresh = body["results"][0]["updated_at_ms"]
    assert result["server"]["updated_at_ms"] == fresh
    retried = assert_ok(
        await client.post(
            "/api/sync/push",
            json={"changes": [change(own, fresh, farm_name="merged")]},
            headers=producer.headers,
        )
    )
    assert retried["results"][0]["status"] == "applied"
    # roles that may not edit lots, and an exporter is not the lot's producer
    for role in ("exporter", "buyer", "user"):
        party = await world.user(role)
        refused = assert_ok(
            await client.post(
                "/api/sync/push",
                json={"changes": [change(own, now_ms(), farm_name="x")]},
                headers=party.headers,
            )
        )
        assert refused["results"][0]["status"] == "rejected"
    async with world.session() as session:
        assert (await session.get(ProducerLot, own)).farm_name == "merged"


async def test_push_refuses_malformed_bodies(client, world) -> None:
    producer = await world.user("producer")
    assert_error(await client.post("/api/sync/push", headers=producer.headers), 400)
    assert assert_ok(await client.post("/api/sync/push", json={}, headers=producer.headers))["results"] == []
    assert_error(
        await client.post("/api/sync/push", json={"changes": "x"}, headers=producer.headers), 400, "changes"
    )
    many = [{"entity": "lot", "id": 1, "base_updated_at": 0, "fields": {"farm_name": "x"}}] * 101
    assert_error(await client.post("/api/sync/push", json={"changes": many}, headers=producer.headers), 400)
