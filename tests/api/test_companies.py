"""C-12 `GET /api/companies`: every company, id order, any role, no scoping."""

from __future__ import annotations

import pytest

from tests.api.helpers import BOOL, INT, STR, assert_ok, assert_shape, ids, opt

COMPANY = {
    "id": INT,
    "name": STR,
    "country": opt(STR),
    "plan_type": None,
    "wallet_address": None,
    "is_active": BOOL,
    # Δ §9 #13, additive
    "company_type": opt(STR),
    "email": opt(STR),
}


@pytest.mark.parametrize("role", ["admin", "operator", "exporter", "buyer", "producer", "user"])
async def test_every_role_sees_every_company(client, world, role) -> None:
    mine = await world.company("buyer", country="Ecuador")
    other = await world.company("technology", is_active=False)
    party = await world.user(role)
    body = assert_ok(await client.get("/api/companies", headers=party.headers))
    assert isinstance(body, list)
    for item in body:
        assert_shape(item, COMPANY)
    assert ids(body) == sorted(ids(body))
    by_id = {item["id"]: item for item in body}
    assert {mine.id, other.id} <= set(by_id)
    assert by_id[mine.id] == {
        "id": mine.id,
        "name": mine.name,
        "country": "Ecuador",
        "plan_type": None,
        "wallet_address": None,
        "is_active": True,
        "company_type": "buyer",
        "email": mine.email,
    }
    assert by_id[other.id]["is_active"] is False
    assert by_id[other.id]["company_type"] == "technology"
    if party.company_id is not None:
        assert party.company_id in by_id


@pytest.mark.parametrize("role", ["producer", "user"])
async def test_company_type_keeps_that_type_for_every_role(client, world, role) -> None:
    """Δ 220: the filter narrows the list, it does not scope it: any role gets every company of the type."""
    producer, buyer = await world.company("producer"), await world.company("buyer")
    party = await world.user(role)
    every = assert_ok(await client.get("/api/companies", headers=party.headers))
    producers = assert_ok(
        await client.get("/api/companies", params={"company_type": "producer"}, headers=party.headers)
    )
    assert producers == [item for item in every if item["company_type"] == "producer"]
    assert producer.id in ids(producers)
    assert buyer.id not in ids(producers)
    assert ids(producers) == sorted(ids(producers))
    # an empty value is no filter; a type no company has, an empty list; SQL in the value is just a string
    assert assert_ok(await client.get("/api/companies?company_type=", headers=party.headers)) == every
    for unknown in ("Producer", "nobody-is-this", "producer' OR '1'='1"):
        answer = await client.get("/api/companies", params={"company_type": unknown}, headers=party.headers)
        assert assert_ok(answer) == []


async def test_company_type_is_bounded(client, world) -> None:
    party = await world.user("admin")
    for hostile in ("a\x00b", "x" * 10_001):
        answer = await client.get("/api/companies", params={"company_type": hostile}, headers=party.headers)
        assert answer.status_code == 400
        assert "company_type" in answer.json()["error"]
    assert (await client.get("/api/companies", params={"company_type": "producer"})).status_code == 401
