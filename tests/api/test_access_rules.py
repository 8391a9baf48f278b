"""Issue 11, access rules (§10.4, Δ 70..73), each tested from the attacker's side: an exporter dispatching
another company's batch, an unknown role (`user`) whose company is party to the data, a fixation's creator who
left the contract, and company-less users who must not form one "company NULL"."""

from __future__ import annotations

from typing import Any

from triboka_api.models import BatchNft, Company, ExportContract, ProducerLot, User

from tests.api.conftest import Chain, Party, World
from tests.api.helpers import assert_error, assert_ok, ids


async def _user_of(world: World, role: str, company_id: int | None) -> Party:
    """A user of `role` in an existing company (None: no company)."""
    if company_id is None:
        return await world.user(role, company=None)
    async with world.session() as session:
        company = await session.get(Company, company_id)
    return await world.user(role, company=company)


async def _fixed_volume(world: World, contract_id: int) -> float:
    async with world.session() as session:
        return float((await session.get(ExportContract, contract_id)).fixed_volume_mt)


async def _assert_empty_page(client, party: Party, path: str, key: str) -> None:
    listed = assert_ok(await client.get(path, headers=party.headers))
    assert (listed[key], listed["pagination"]["total"]) == ([], 0)


def _event(entity_type: str, entity_id: Any, **extra: Any) -> dict[str, Any]:
    return {"event_type": "note", "entity_type": entity_type, "entity_id": entity_id, "title": "t"} | extra


# Δ 70: a dispatch only of the caller's own batch -----------------------------------------------------------------


async def test_exporter_cannot_dispatch_another_companys_batch(client, world, admin) -> None:
    victim = await world.chain(lot_weights=(2000.0,))
    attacker = await world.chain()
    body = {
        "contract_id": attacker.contract["id"],  # its own contract: the party check passes
        "batch_id": victim.batch["id"],
        "quantity_mt": 1.5,
        "destination_country": "USA",
        "shipping_date": "2025-11-01",
    }
    response = await client.post("/api/dispatches", json=body, headers=attacker.exporter.headers)
    assert_error(response, 403, "batch")
    assert victim.batch["batch_code"] not in response.text
    # Nothing was consumed: the victim still dispatches the whole 2 MT, and no dispatch names its batch.
    victims = assert_ok(await client.get("/api/dispatches", headers=victim.exporter.headers))
    assert victims["dispatches"] == []
    await world.dispatch(victim.exporter, victim.contract["id"], victim.batch["id"], 2.0)
    # The attacker's own batch, and a batch its company now owns, are fine; staff may dispatch any batch.
    await world.dispatch(attacker.exporter, attacker.contract["id"], attacker.batch["id"], 0.5)
    other = await world.chain()
    await world.update(BatchNft, other.batch["id"], current_owner_company_id=attacker.exporter.company_id)
    await world.dispatch(attacker.exporter, attacker.contract["id"], other.batch["id"], 0.5)
    third = await world.chain()
    for staff in (admin, await world.user("operator", company=None)):
        await world.dispatch(staff, attacker.contract["id"], third.batch["id"], 0.1)


# Δ 71: the unknown role `user` is no party, even when its company is ------------------------------------------------


async def _unknown_role_world(world: World) -> tuple[Chain, Party, Party, int, dict[str, Any]]:
    chain = await world.chain()
    fixation = await world.fixation(chain.exporter, chain.contract["id"], 10)
    dispatch = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"], 0.5)
    on_exporter_side = await _user_of(world, "user", chain.exporter.company_id)
    on_buyer_side = await _user_of(world, "user", chain.buyer.company_id)
    return chain, on_exporter_side, on_buyer_side, fixation, dispatch


async def test_unknown_role_gets_no_fixations(client, world) -> None:
    chain, *users, fixation, _ = await _unknown_role_world(world)
    summary = f"/api/fixations/contract/{chain.contract['id']}/summary"
    for user in users:
        await _assert_empty_page(client, user, "/api/fixations", "fixations")
        assert_error(await client.get(f"/api/fixations/{fixation}", headers=user.headers), 403)
        assert_error(await client.get(summary, headers=user.headers), 403)
        assert_error(await client.delete(f"/api/fixations/{fixation}", headers=user.headers), 403)
        fix = {"fixed_quantity_mt": 1, "spot_price_usd": 3000}
        assert_error(
            await client.post(
                f"/api/fixations/contract/{chain.contract['id']}", json=fix, headers=user.headers
            ),
            403,
        )
    # The exporter itself (a party) still sees it all.
    assert ids(
        assert_ok(await client.get("/api/fixations", headers=chain.exporter.headers))["fixations"]
    ) == [fixation]
    assert await _fixed_volume(world, chain.contract["id"]) == 10.0


async def test_unknown_role_gets_no_dispatches(client, world) -> None:
    chain, *users, _, dispatch = await _unknown_role_world(world)
    url = f"/api/dispatches/{dispatch['id']}"
    for user in users:
        await _assert_empty_page(client, user, "/api/dispatches", "dispatches")
        stats = assert_ok(await client.get("/api/dispatches/stats", headers=user.headers))
        assert stats["total_dispatches"] == 0
        assert_error(await client.get(url, headers=user.headers), 403)
        assert_error(await client.put(url, json={"status": "in_transit"}, headers=user.headers), 403)
        assert_error(await client.delete(url, headers=user.headers), 403)
    assert assert_ok(await client.get(url, headers=chain.buyer.headers))["dispatch"]["status"] == "planned"


async def test_unknown_role_cannot_change_contract_status(client, world) -> None:
    chain, *users, _, _ = await _unknown_role_world(world)
    url = f"/api/contracts/{chain.contract['id']}/status"
    for user in users:
        assert_error(await client.put(url, json={"status": "cancelled"}, headers=user.headers), 403)
        assert_error(await client.get(f"/api/contracts/{chain.contract['id']}", headers=user.headers), 403)
        assert assert_ok(await client.get("/api/contracts", headers=user.headers)) == []
    detail = assert_ok(
        await client.get(f"/api/contracts/{chain.contract['id']}", headers=chain.buyer.headers)
    )
    assert detail["status"] == "draft"


async def test_unknown_role_gets_no_trace_entity_rights(client, world, admin) -> None:
    chain, on_exporter_side, on_buyer_side, _, _ = await _unknown_role_world(world)
    lot, batch, contract = chain.lot_ids[0], chain.batch["id"], chain.contract["id"]
    private = assert_ok(
        await client.post(
            "/api/trace/event", json=_event("lot", lot, is_public=False), headers=chain.exporter.headers
        ),
        201,
    )["event"]
    deal = await world.deal(admin, members=(chain.exporter.company_id,))
    for entity_type, entity_id in (("lot", lot), ("batch", batch), ("contract", contract), ("deal", deal)):
        for user in (on_exporter_side, on_buyer_side):
            event = _event(entity_type, entity_id)
            assert_error(await client.post("/api/trace/event", json=event, headers=user.headers), 403)
            timeline = f"/api/trace/timeline/{entity_type}/{entity_id}"
            assert_error(await client.get(timeline, headers=user.headers), 403)
        # the real parties keep their rights
        event = _event(entity_type, entity_id)
        assert_ok(await client.post("/api/trace/event", json=event, headers=chain.exporter.headers), 201)
    assert_error(await client.get(f"/api/trace/event/{private['id']}", headers=on_exporter_side.headers), 403)
    assert_ok(await client.get(f"/api/trace/event/{private['id']}", headers=chain.exporter.headers))


async def test_unknown_role_gets_no_batches_or_lot_traceability(client, world) -> None:
    chain, on_exporter_side, _, _, _ = await _unknown_role_world(world)
    assert assert_ok(await client.get("/api/batches", headers=on_exporter_side.headers)) == []
    assert_error(await client.get(f"/api/batches/{chain.batch['id']}", headers=on_exporter_side.headers), 403)
    trace = f"/api/lots/{chain.lot_ids[0]}/traceability"
    assert_error(await client.get(trace, headers=on_exporter_side.headers), 403)
    assert assert_ok(await client.get("/api/lots", headers=on_exporter_side.headers)) == []


# Δ 72: deleting a fixation needs current party access and a fixable contract ---------------------------------------


async def test_fixation_creator_who_moved_company_cannot_delete(client, world) -> None:
    chain = await world.chain()
    fixation = await world.fixation(chain.exporter, chain.contract["id"], 10)
    elsewhere = await world.company("exporter")
    await world.update(User, chain.exporter.id, company_id=elsewhere.id)
    assert_error(await client.delete(f"/api/fixations/{fixation}", headers=chain.exporter.headers), 403)
    await world.update(User, chain.exporter.id, company_id=chain.contract["exporter_company_id"], role="user")
    assert_error(await client.delete(f"/api/fixations/{fixation}", headers=chain.exporter.headers), 403)
    assert await _fixed_volume(world, chain.contract["id"]) == 10.0
    # back in its company and role, the creator may delete it again
    await world.update(User, chain.exporter.id, role="exporter")
    assert_ok(await client.delete(f"/api/fixations/{fixation}", headers=chain.exporter.headers))
    assert await _fixed_volume(world, chain.contract["id"]) == 0.0


async def test_fixation_of_a_closed_contract_cannot_be_deleted(client, world, admin) -> None:
    chain = await world.chain()
    contract = chain.contract["id"]
    cancelled = await world.fixation(chain.exporter, contract, 10)
    assert_ok(
        await client.put(
            f"/api/contracts/{contract}/status", json={"status": "cancelled"}, headers=chain.buyer.headers
        )
    )
    for party in (chain.exporter, admin):
        assert_error(
            await client.delete(f"/api/fixations/{cancelled}", headers=party.headers), 400, "cancelled"
        )
    assert await _fixed_volume(world, contract) == 10.0
    # completed and suspended contracts too; draft and active ones allow it (the creation gate's statuses)
    for status in ("completed", "suspended"):
        await world.update(ExportContract, contract, status=status)
        assert_error(await client.delete(f"/api/fixations/{cancelled}", headers=chain.exporter.headers), 400)
    await world.update(ExportContract, contract, status="active")
    assert_ok(await client.delete(f"/api/fixations/{cancelled}", headers=chain.exporter.headers))


# Δ 73: company-less users are nobody's party and never one company ------------------------------------------------


async def test_companyless_exporter_cannot_purchase(client, world) -> None:
    producer = await world.user("producer")
    lot = (await world.lot(producer))["lot_id"]
    for _ in range(2):
        exporter = await world.user("exporter", company=None)
        response = await client.post(
            f"/api/lots/{lot}/purchase", json={"purchase_price_usd": 1000}, headers=exporter.headers
        )
        assert_error(response, 400, "company")
    async with world.session() as session:
        stored = await session.get(ProducerLot, lot)
        assert (stored.status, stored.purchased_by_company_id, stored.purchase_price_usd) == (
            "available",
            None,
            None,
        )


async def test_two_companyless_exporters_share_nothing(client, world, admin) -> None:
    """Rows whose company column is NULL (an admin's purchase, legacy data) belong to no company-less user."""
    first, second = [await world.user("exporter", company=None) for _ in range(2)]
    chain = await world.chain()
    producer = await world.user("producer")
    orphan_lot = await world.purchased_lot(producer, admin)  # admin without company: purchased_by NULL
    available = assert_ok(await client.get("/api/lots/available-for-batch", headers=second.headers))
    assert orphan_lot not in ids(available["lots"])
    body = {"source_lot_ids": [orphan_lot], "batch_type": "export", "location": "Guayaquil"}
    assert_error(await client.post("/api/batches", json=body, headers=first.headers), 403)
    # a contract and a batch whose exporter side is NULL
    await world.update(ExportContract, chain.contract["id"], exporter_company_id=None)
    await world.update(BatchNft, chain.batch["id"], creator_company_id=None, current_owner_company_id=None)
    for exporter in (first, second):
        assert assert_ok(await client.get("/api/contracts", headers=exporter.headers)) == []
        assert assert_ok(await client.get("/api/batches", headers=exporter.headers)) == []
        fix = {"fixed_quantity_mt": 1, "spot_price_usd": 3000}
        assert_error(
            await client.post(
                f"/api/contracts/{chain.contract['id']}/fixations", json=fix, headers=exporter.headers
            ),
            403,
        )
        dispatch = {
            "contract_id": chain.contract["id"],
            "batch_id": chain.batch["id"],
            "quantity_mt": 0.1,
            "destination_country": "USA",
            "shipping_date": "2025-11-01",
        }
        assert_error(await client.post("/api/dispatches", json=dispatch, headers=exporter.headers), 403)
        dashboard = assert_ok(await client.get("/api/dashboard/exporter", headers=exporter.headers))
        assert dashboard["metrics"]["total_purchased_lots"] == 0
        assert dashboard["metrics"]["total_batches"] == 0
        assert dashboard["purchased_lots"] == dashboard["batches"] == []
        analytics = assert_ok(await client.get("/api/analytics/dashboard", headers=exporter.headers))
        assert analytics["my_contracts"] == 0
    assert await _fixed_volume(world, chain.contract["id"]) == 0.0


async def test_two_companyless_producers_and_buyers_share_nothing(client, world) -> None:
    chain = await world.chain()
    lot = chain.lot_ids[0]
    await world.update(ProducerLot, lot, producer_company_id=None)
    await world.update(ExportContract, chain.contract["id"], buyer_company_id=None)
    await world.update(BatchNft, chain.batch["id"], current_owner_company_id=None)
    for producer in [await world.user("producer", company=None) for _ in range(2)]:
        assert assert_ok(await client.get("/api/lots", headers=producer.headers)) == []
        assert_error(
            await client.put(f"/api/lots/{lot}", json={"farm_name": "x"}, headers=producer.headers), 403
        )
        dashboard = assert_ok(await client.get("/api/dashboard/producer", headers=producer.headers))
        assert (dashboard["metrics"]["total_lots"], dashboard["lots"]) == (0, [])
        assert (
            assert_ok(await client.get("/api/analytics/dashboard", headers=producer.headers))["my_lots"] == 0
        )
        assert_error(await client.get(f"/api/lots/{lot}/traceability", headers=producer.headers), 403)
    for buyer in [await world.user("buyer", company=None) for _ in range(2)]:
        assert assert_ok(await client.get("/api/contracts", headers=buyer.headers)) == []
        assert assert_ok(await client.get("/api/batches", headers=buyer.headers)) == []
        assert (
            assert_ok(await client.get("/api/analytics/dashboard", headers=buyer.headers))["my_contracts"]
            == 0
        )
        url = f"/api/contracts/{chain.contract['id']}/status"
        assert_error(await client.put(url, json={"status": "cancelled"}, headers=buyer.headers), 403)


async def test_companyless_user_is_not_the_deal_member_company_with_its_id(client, world, admin) -> None:
    """deal_members.party_id holds a company id or a user id (party_type): a company-less user whose id equals a
    member company's id is not that member."""
    member = await world.user("buyer")
    person = await world.user("producer", company=None)
    deal = await world.deal(
        admin, members=(person.id,)
    )  # the company with that id is the member, not the user
    assert_error(
        await client.post("/api/trace/event", json=_event("deal", deal), headers=person.headers), 403
    )
    user_deal = await world.deal(admin, user_members=(person.id,))
    assert_ok(
        await client.post("/api/trace/event", json=_event("deal", user_deal), headers=person.headers), 201
    )
    assert_error(
        await client.post("/api/trace/event", json=_event("deal", user_deal), headers=member.headers), 403
    )
