"""C-41..C-46: traceability events and per-entity timelines (`/api/trace/*`), and public verification."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from triboka_api.models import DealTraceLink, User

from tests.api.helpers import (
    BOOL,
    DT,
    EVENT_PRIVATE,
    EVENT_PUBLIC,
    INT,
    LIST,
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

TIMELINE = {
    "id": INT,
    "entity_type": STR,
    "entity_id": STR,
    "title": STR,
    "description": opt(STR),
    "status": STR,
    "total_events": INT,
    "completed_events": INT,
    "blockchain_events": INT,
    "started_at": opt(DT),
    "completed_at": opt(DT),
    "estimated_completion": opt(DT),
    "last_event_timestamp": opt(DT),
    "created_at": DT,
    "updated_at": DT,
    "events": LIST,
}
VERIFY = {
    "entity_type": STR,
    "entity_id": STR,
    "total_events": INT,
    "blockchain_events": 0,
    "last_update": opt(DT),
    "verification_status": STR,
    "events": ListOf(EVENT_PUBLIC),
}
REQUIRED = ["event_type", "entity_type", "entity_id", "title"]


def _event(entity_type: str, entity_id, **extra):
    return {
        "event_type": "harvest",
        "entity_type": entity_type,
        "entity_id": entity_id,
        "title": "Cosecha",
    } | extra


async def _post(client, party, body):
    return await client.post("/api/trace/event", json=body, headers=party.headers)


async def _record(client, party, entity_type, entity_id, **extra) -> dict:
    return assert_ok(await _post(client, party, _event(entity_type, entity_id, **extra)), 201)["event"]


@pytest.fixture
async def chain(world):
    return await world.chain()


# C-41 -----------------------------------------------------------------------------------------------------------


async def test_create_event(client, world, chain) -> None:
    lot = chain.lot_ids[0]
    body = _event(
        "lot",
        lot,
        description="Mazorcas maduras",
        location="Chone",
        event_data={"a": 1},
        measurements={"weight_kg": 10},
        tags=["x"],
        event_timestamp="2025-01-02T08:04:05+05:00",
    )
    created = assert_ok(await _post(client, chain.producer, body), 201)
    assert_shape(created, {"message": STR, "event": EVENT_PRIVATE, "blockchain_registered": False})
    event = created["event"]
    assert event | {"id": 0, "created_at": "", "actor_name": ""} == {
        "id": 0,
        "event_type": "harvest",
        "entity_type": "lot",
        "entity_id": str(lot),
        "title": "Cosecha",
        "description": "Mazorcas maduras",
        "location": "Chone",
        "actor_id": chain.producer.id,
        "actor_name": "",
        "event_timestamp": "2025-01-02T03:04:05",
        "status": "active",
        "is_public": True,
        "created_at": "",
        "event_data": {"a": 1},
        "measurements": {"weight_kg": 10},
        "blockchain_tx_hash": None,
        "blockchain_block_number": None,
        "tags": ["x"],
    }
    profile = assert_ok(await client.get("/api/profile", headers=chain.producer.headers))
    assert event["actor_name"] == profile["name"]


async def test_create_event_defaults(client, world, chain) -> None:
    before = utcnow() - timedelta(seconds=5)
    event = await _record(client, chain.exporter, "lot", str(chain.lot_ids[0]), event_timestamp="not a date")
    assert (event["event_data"], event["measurements"], event["tags"], event["is_public"]) == (
        {},
        {},
        [],
        True,
    )
    assert (event["description"], event["location"]) == (None, None)
    assert before <= naive(event["event_timestamp"]) <= utcnow() + timedelta(seconds=5)


async def test_create_event_updates_the_timeline(client, world, chain) -> None:
    batch = str(chain.batch["id"])
    await _record(client, chain.exporter, "batch", batch, event_timestamp="2025-03-01T00:00:00")
    await _record(
        client, chain.exporter, "batch", batch, event_timestamp="2025-02-01T00:00:00", is_public=False
    )
    timeline = assert_ok(
        await client.get(f"/api/trace/timeline/batch/{batch}", headers=chain.exporter.headers)
    )
    assert (timeline["title"], timeline["total_events"], timeline["blockchain_events"]) == (
        f"batch {batch}",
        2,
        0,
    )
    assert timeline["started_at"] == "2025-02-01T00:00:00"


@pytest.mark.parametrize("missing", range(len(REQUIRED)))
async def test_create_event_required_fields_in_order(client, admin, missing) -> None:
    body = {k: v for k, v in _event("lot", "1").items() if k not in REQUIRED[missing:]}
    assert_error(await _post(client, admin, body), 400, REQUIRED[missing])


async def test_create_event_validation(client, world, chain, admin) -> None:
    outsider = await world.user("producer")
    # Entity type is checked before the permission.
    assert_error(await _post(client, outsider, _event("farm", chain.lot_ids[0])), 400, "entity_type")
    assert_error(await _post(client, admin, _event("LOT", chain.lot_ids[0])), 400, "entity_type")
    assert_error(
        await _post(client, admin, _event("lot", chain.lot_ids[0], event_data=[1])), 400, "event_data"
    )
    assert_error(await _post(client, admin, _event("lot", chain.lot_ids[0], tags="x")), 400, "tags")
    # Δ: admins get 404 for numeric ids of missing entities; any string id is accepted from an admin.
    for entity_type in ("lot", "batch", "contract", "deal"):
        assert_error(await _post(client, admin, _event(entity_type, 987654)), 404)
    assert (await _record(client, admin, "lot", "external-ref-7"))["entity_id"] == "external-ref-7"


async def test_entity_permission_rule(client, world, chain, admin) -> None:
    lot, batch, contract = str(chain.lot_ids[0]), str(chain.batch["id"]), str(chain.contract["id"])
    outsiders = {role: await world.user(role) for role in ("producer", "exporter", "buyer", "user")}
    operator = await world.user("operator", company=None)
    granted = {
        "lot": [chain.producer, chain.exporter, operator],
        "batch": [chain.exporter, operator],
        "contract": [chain.exporter, chain.buyer, operator],
    }
    denied = {
        "lot": [chain.buyer, *outsiders.values()],
        "batch": [chain.producer, chain.buyer, *outsiders.values()],
        "contract": [chain.producer, *outsiders.values()],
    }
    entity_ids = {"lot": lot, "batch": batch, "contract": contract}
    for entity_type, parties in granted.items():
        for party in parties:
            await _record(client, party, entity_type, entity_ids[entity_type])
    for entity_type, parties in denied.items():
        for party in parties:
            assert_error(await _post(client, party, _event(entity_type, entity_ids[entity_type])), 403)
    # Non-numeric ids and missing entities are denied to non-admins.
    assert_error(await _post(client, chain.producer, _event("lot", f"{lot}a")), 403)
    assert_error(await _post(client, chain.producer, _event("lot", "987654")), 403)
    assert_error(await _post(client, operator, _event("lot", "987654")), 404)
    # The contract's creator may, whatever its company.
    creator = await world.user("operator")
    other_contract = await world.contract(creator, chain.buyer.company_id, chain.exporter.company_id)
    moved = await world.company("exporter")
    await world.update(User, creator.id, role="buyer", company_id=moved.id)
    await _record(client, creator, "contract", other_contract["id"])


async def test_deal_and_deal_linked_batch_permissions(client, world, chain, admin) -> None:
    member_company = await world.user("buyer")
    member_person = await world.user("producer", company=None)
    outsider = await world.user("buyer")
    deal = await world.deal(admin, members=(member_company.company_id,), user_members=(member_person.id,))
    await _record(client, member_company, "deal", deal)
    await _record(client, member_person, "deal", str(deal))
    assert_error(await _post(client, outsider, _event("deal", deal)), 403)
    assert_error(await _post(client, member_company, _event("deal", 987654)), 403)
    # Δ: a deal member may record events on batches the deal's trace links list (numeric JSON ids match).
    batch = chain.batch["id"]
    assert_error(await _post(client, member_company, _event("batch", batch)), 403)
    async with world.session() as session:
        session.add(DealTraceLink(deal_id=deal, lote_ids=[], batch_ids=[batch], events=[]))
        await session.commit()
    await _record(client, member_company, "batch", batch)
    assert_error(await _post(client, outsider, _event("batch", batch)), 403)


# C-42 -----------------------------------------------------------------------------------------------------------


async def test_list_events_visibility_and_filters(client, world, chain, admin) -> None:
    kind = f"kind-{uuid.uuid4().hex[:8]}"
    lot = str(chain.lot_ids[0])
    public_old = await _record(
        client, chain.producer, "lot", lot, event_type=kind, event_timestamp="2025-01-01"
    )
    private = await _record(
        client, chain.producer, "lot", lot, event_type=kind, event_timestamp="2025-02-01", is_public=False
    )
    public_new = await _record(
        client,
        chain.exporter,
        "contract",
        chain.contract["id"],
        event_type=kind,
        event_timestamp="2025-03-01T12:00:00",
    )

    async def listed(party, **params):
        body = assert_ok(
            await client.get("/api/trace/events", params={"event_type": kind} | params, headers=party.headers)
        )
        assert_shape(
            body,
            {"events": LIST, "pagination": {"total": INT, "limit": INT, "offset": INT, "has_more": BOOL}},
        )
        return body

    for party in (chain.buyer, await world.user("operator", company=None), await world.user("user")):
        body = await listed(party, include_private="true")
        assert ids(body["events"]) == [public_new["id"], public_old["id"]]
        for event in body["events"]:
            assert_shape(event, EVENT_PUBLIC)
        assert body["pagination"] == {"total": 2, "limit": 50, "offset": 0, "has_more": False}
    everything = await listed(admin)
    assert ids(everything["events"]) == [public_new["id"], private["id"], public_old["id"]]
    for event in everything["events"]:
        assert_shape(event, EVENT_PUBLIC)
    with_private = await listed(admin, include_private="true")
    for event in with_private["events"]:
        assert_shape(event, EVENT_PRIVATE)
    assert ids((await listed(admin, entity_type="lot"))["events"]) == [private["id"], public_old["id"]]
    assert ids((await listed(admin, entity_type="lot", entity_id=lot))["events"]) == [
        private["id"],
        public_old["id"],
    ]
    assert ids((await listed(admin, actor_id=chain.exporter.id))["events"]) == [public_new["id"]]
    assert ids((await listed(admin, date_from="2025-01-15", date_to="2025-02-28"))["events"]) == [
        private["id"]
    ]
    assert ids((await listed(admin, date_from="garbage"))["events"]) == ids(everything["events"])
    page = await listed(admin, limit=1, offset=1)
    assert ids(page["events"]) == [private["id"]]
    assert page["pagination"] == {"total": 3, "limit": 1, "offset": 1, "has_more": True}
    last = await listed(admin, limit=2, offset=1)
    assert last["pagination"]["has_more"] is False


# C-43 -----------------------------------------------------------------------------------------------------------


async def test_timeline(client, world, chain, admin) -> None:
    contract = str(chain.contract["id"])
    late = await _record(client, chain.exporter, "contract", contract, event_timestamp="2025-06-01T10:00:00")
    early = await _record(
        client, chain.buyer, "contract", contract, event_timestamp="2025-05-01T10:00:00", is_public=False
    )
    body = assert_ok(
        await client.get(f"/api/trace/timeline/contract/{contract}", headers=chain.buyer.headers)
    )
    assert_shape(body, TIMELINE)
    assert ids(body["events"]) == [early["id"], late["id"]]  # private events included, ascending
    for event in body["events"]:
        assert_shape(event, EVENT_PUBLIC)
    assert (body["entity_type"], body["entity_id"], body["status"]) == ("contract", contract, "active")
    assert (body["total_events"], body["completed_events"], body["blockchain_events"]) == (2, 0, 0)
    assert (body["started_at"], body["last_event_timestamp"]) == (
        "2025-05-01T10:00:00",
        "2025-06-01T10:00:00",
    )
    as_admin = assert_ok(await client.get(f"/api/trace/timeline/contract/{contract}", headers=admin.headers))
    for event in as_admin["events"]:
        assert_shape(event, EVENT_PRIVATE)
    operator = await world.user("operator", company=None)
    for event in assert_ok(
        await client.get(f"/api/trace/timeline/contract/{contract}", headers=operator.headers)
    )["events"]:
        assert_shape(event, EVENT_PUBLIC)


async def test_timeline_without_events_and_errors(client, world, chain) -> None:
    lot = chain.lot_ids[0]
    body = assert_ok(await client.get(f"/api/trace/timeline/lot/{lot}", headers=chain.producer.headers))
    assert_shape(body, TIMELINE)
    assert (body["events"], body["total_events"], body["last_event_timestamp"]) == ([], 0, None)
    # Entity type first, then permission.
    outsider = await world.user("producer")
    assert_error(await client.get(f"/api/trace/timeline/farm/{lot}", headers=outsider.headers), 400)
    assert_error(await client.get(f"/api/trace/timeline/lot/{lot}", headers=outsider.headers), 403)
    assert_error(
        await client.get(f"/api/trace/timeline/batch/{chain.batch['id']}", headers=chain.buyer.headers), 403
    )


# C-44 -----------------------------------------------------------------------------------------------------------


async def test_public_verification(client, world, chain) -> None:
    lot = str(chain.lot_ids[0])
    assert_error(await client.get(f"/api/public/trace/verify/lot/{lot}"), 404)
    first = await _record(client, chain.producer, "lot", lot, event_timestamp="2025-01-02T03:04:05")
    await _record(client, chain.producer, "lot", lot, event_timestamp="2025-09-09", is_public=False)
    second = await _record(client, chain.exporter, "lot", lot, event_timestamp="2025-03-04T05:06:07")
    body = assert_ok(await client.get(f"/api/public/trace/verify/lot/{lot}"))
    assert_shape(body, VERIFY)
    assert body | {"events": []} == {
        "entity_type": "lot",
        "entity_id": lot,
        "total_events": 2,
        "blockchain_events": 0,
        "last_update": "2025-03-04T05:06:07",
        "verification_status": "verified",
        "events": [],
    }
    assert ids(body["events"]) == [first["id"], second["id"]]


async def test_public_verification_errors_and_no_data(client, world, chain) -> None:
    batch = str(chain.batch["id"])
    await _record(client, chain.exporter, "batch", batch, is_public=False)
    body = assert_ok(await client.get(f"/api/public/trace/verify/batch/{batch}"))
    assert (body["total_events"], body["verification_status"], body["last_update"], body["events"]) == (
        0,
        "no_data",
        None,
        [],
    )
    for entity_type in ("deal", "farm", "LOT"):
        assert_error(await client.get(f"/api/public/trace/verify/{entity_type}/1"), 400)
    assert_error(await client.get("/api/public/trace/verify/contract/987654"), 404)


# C-45 / C-46 ----------------------------------------------------------------------------------------------------


async def test_get_event(client, world, chain, admin) -> None:
    lot = chain.lot_ids[0]
    public = await _record(client, chain.producer, "lot", lot)
    private = await _record(client, chain.producer, "lot", lot, is_public=False)
    stranger = await world.user("user")
    body = assert_ok(await client.get(f"/api/trace/event/{public['id']}", headers=stranger.headers))
    assert_shape(body, {"event": EVENT_PUBLIC})
    assert_error(await client.get(f"/api/trace/event/{private['id']}", headers=stranger.headers), 403)
    assert_error(await client.get(f"/api/trace/event/{private['id']}", headers=chain.buyer.headers), 403)
    for party in (chain.producer, chain.exporter, await world.user("operator", company=None)):
        assert_shape(
            assert_ok(await client.get(f"/api/trace/event/{private['id']}", headers=party.headers)),
            {"event": EVENT_PUBLIC},
        )
    assert_shape(
        assert_ok(await client.get(f"/api/trace/event/{private['id']}", headers=admin.headers)),
        {"event": EVENT_PRIVATE},
    )
    assert_error(await client.get("/api/trace/event/987654", headers=admin.headers), 404)


async def test_update_event(client, world, chain, admin) -> None:
    lot = str(chain.lot_ids[0])
    event = await _record(client, chain.producer, "lot", lot, tags=["a"])
    url = f"/api/trace/event/{event['id']}"
    for party in (chain.producer, await world.user("operator", company=None)):
        assert_error(await client.put("/api/trace/event/987654", json={}, headers=party.headers), 403)
        assert_error(await client.put(url, json={"title": "x"}, headers=party.headers), 403)
    assert_error(await client.put("/api/trace/event/987654", json={}, headers=admin.headers), 404)
    timeline_before = assert_ok(await client.get(f"/api/trace/timeline/lot/{lot}", headers=admin.headers))
    changes = {
        "title": "Cosecha revisada",
        "description": "nota",
        "location": "Quevedo",
        "event_data": {"b": [1, 2]},
        "measurements": {"humidity": 7.5},
        "tags": ["a", "b"],
        "is_public": False,
        "event_type": "ignored",
        "entity_id": "ignored",
    }
    body = assert_ok(await client.put(url, json=changes, headers=admin.headers))
    assert_shape(body, {"message": STR, "event": EVENT_PRIVATE})
    updated = body["event"]
    assert updated | {"created_at": ""} == event | {
        "title": "Cosecha revisada",
        "description": "nota",
        "location": "Quevedo",
        "event_data": {"b": [1, 2]},
        "measurements": {"humidity": 7.5},
        "tags": ["a", "b"],
        "is_public": False,
        "created_at": "",
    }
    assert_error(await client.get(url, headers=(await world.user("user")).headers), 403)
    timeline_after = assert_ok(await client.get(f"/api/trace/timeline/lot/{lot}", headers=admin.headers))
    assert timeline_after["total_events"] == timeline_before["total_events"]
