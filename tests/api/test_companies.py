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
