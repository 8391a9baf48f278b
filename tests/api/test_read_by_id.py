"""Δ 150/151: `GET /api/lots/{id}` and `GET /api/users/{id}` answer one item of C-13 / C-08, under the list's
visibility: the same item as the list shows, 404 for what the caller cannot list (another producer's lot, a role
that lists nothing), the list's role refusals for users, and HEAD as GET."""

from __future__ import annotations

import pytest

from tests.api.helpers import LOT_ITEM, assert_error, assert_ok, assert_shape

BEYOND_INT32 = 2**31


async def _listed(client, party, path: str, item_id: int) -> dict:
    return next(i for i in assert_ok(await client.get(path, headers=party.headers)) if i["id"] == item_id)


@pytest.mark.parametrize("role", ["producer", "exporter", "buyer", "admin", "operator"])
async def test_lot_by_id_is_the_list_item(client, world, role) -> None:
    producer, exporter = await world.user("producer"), await world.user("exporter")
    lot_id = await world.purchased_lot(producer, exporter, price=4500.0, certifications=["Organic"])
    reader = producer if role == "producer" else await world.user(role)
    body = assert_ok(await client.get(f"/api/lots/{lot_id}", headers=reader.headers))
    assert_shape(body, LOT_ITEM)
    assert body == await _listed(client, reader, "/api/lots", lot_id)
    assert (body["status"], body["purchased_by"], body["price_per_mt"]) == (
        "purchased",
        exporter.company_name,
        3000.0,
    )


async def test_lot_by_id_hides_what_the_list_hides(client, world) -> None:
    producer = await world.user("producer")
    lot_id = (await world.lot(producer))["lot_id"]
    other_producer = await world.user("producer")  # another tenant: its list does not hold the lot
    plain_user = await world.user("user")  # lists nothing (Δ 71)
    company_less = await world.user("producer", company=None)
    for reader in (other_producer, plain_user, company_less):
        assert lot_id not in [
            i["id"] for i in assert_ok(await client.get("/api/lots", headers=reader.headers))
        ]
        assert_error(await client.get(f"/api/lots/{lot_id}", headers=reader.headers), 404, "Lot not found")
    assert_error(
        await client.get(f"/api/lots/{lot_id + 10_000}", headers=producer.headers), 404, "Lot not found"
    )
    assert_error(await client.get(f"/api/lots/{BEYOND_INT32}", headers=producer.headers), 404)
    assert (await client.get(f"/api/lots/{lot_id}")).status_code == 401


async def test_lot_routes_with_literal_paths_still_win(client, world) -> None:
    """`/api/lots/{id}` is declared after the literal paths, which keep their handlers."""
    exporter = await world.user("exporter")
    assert isinstance(assert_ok(await client.get("/api/lots/available", headers=exporter.headers)), list)
    assert assert_ok(await client.get("/api/lots/available-for-batch", headers=exporter.headers))["success"]


@pytest.mark.parametrize("role", ["admin", "operator"])
async def test_user_by_id_is_the_list_item(client, world, role) -> None:
    staff = await world.user(role, company=None)
    for target in (await world.user("buyer"), await world.user("admin", company=None), staff):
        body = assert_ok(await client.get(f"/api/users/{target.id}", headers=staff.headers))
        assert body == await _listed(client, staff, "/api/users", target.id)
        assert (body["email"], body["company_id"]) == (target.email, target.company_id)


@pytest.mark.parametrize("role", ["exporter", "buyer", "producer", "user"])
async def test_user_by_id_refused_to_lower_roles(client, world, role) -> None:
    party = await world.user(role)
    assert_error(await client.get(f"/api/users/{party.id}", headers=party.headers), 403)  # not even itself
    assert_error(await client.get("/api/users/999999", headers=party.headers), 403)  # no probing for ids


async def test_user_by_id_missing(client, world, admin) -> None:
    gone = await world.user("buyer")
    await world.drop_user(gone)
    assert_error(await client.get(f"/api/users/{gone.id}", headers=admin.headers), 404, "User not found")
    assert_error(await client.get(f"/api/users/{BEYOND_INT32}", headers=admin.headers), 404)


async def test_head_reads_by_id(client, world, admin) -> None:
    producer = await world.user("producer")
    lot_id = (await world.lot(producer))["lot_id"]
    for path in (f"/api/lots/{lot_id}", f"/api/users/{producer.id}"):
        get = await client.get(path, headers=admin.headers)
        head = await client.head(path, headers=admin.headers)
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))
    head = await client.head("/api/lots/999999", headers=admin.headers)
    assert (head.status_code, head.content) == (404, b"")
