"""S-75..S-78: the legacy trace API over the C-41 events, and the per-entity hash chain that S-78 validates
(tampering with stored rows, straight in the database, is detected on both databases)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from triboka_api.domain.trace_chain import event_hash
from triboka_api.models import TraceEvent

from tests.api.helpers import BOOL, DICT, DT, INT, STR, ListOf, assert_error, assert_ok, assert_shape, opt

LEGACY_EVENT = {
    "id": INT,
    "event_type": STR,
    "entity_type": STR,
    "entity_id": STR,
    "location": opt(STR),
    "notes": opt(STR),
    "created_by": opt(INT),
    "created_by_name": opt(STR),
    "timestamp": DT,
    "created_at": DT,
    "event_hash": STR,
    "previous_hash": opt(STR),
}
LEGACY_EVENT_PRIVATE = LEGACY_EVENT | {"measurements": DICT}
VALIDATION = {
    "entity_type": STR,
    "entity_id": STR,
    "is_valid": BOOL,
    "validation_details": ListOf(
        {"event_id": INT, "chain_position": opt(INT), "event_type": STR, "valid": BOOL, "issues": ListOf(STR)}
    ),
    "blockchain_verification": False,
}
DRYING = {"moisture_pct": 7.5, "duration_hours": 96}


async def _legacy(client, party, lot_id, event_type="DRYING", measurements=None, **extra):
    body = {
        "event_type": event_type,
        "entity_type": "lot",
        "entity_id": lot_id,
        "measurements": DRYING if measurements is None else measurements,
    } | extra
    return await client.post("/api/traceability/events", json=body, headers=party.headers)


async def _c41(client, party, lot_id, title="Harvest"):
    body = {"event_type": "harvest", "entity_type": "lot", "entity_id": lot_id, "title": title}
    return assert_ok(await client.post("/api/trace/event", json=body, headers=party.headers), 201)["event"]


async def _validate(client, party, lot_id):
    body = assert_ok(
        await client.get(f"/api/traceability/validate-chain/lot/{lot_id}", headers=party.headers)
    )
    _assert_validation(body)
    return body


def _assert_validation(body):
    assert_shape(body, VALIDATION)


async def _sql(world, statement, **params):
    async with world.session() as session:
        await session.execute(text(statement), params)
        await session.commit()


async def _lot(world):
    producer = await world.user("producer")
    return producer, (await world.lot(producer))["lot_id"]


# S-75 -----------------------------------------------------------------------------------------------------------


async def test_record_a_legacy_event(client, world) -> None:
    producer, lot = await _lot(world)
    body = assert_ok(await _legacy(client, producer, lot, notes="sun dried", location="Chone"), 201)
    assert_shape(
        body,
        {
            "message": STR,
            "event": LEGACY_EVENT | {"measurements": {"moisture_pct": 7.5, "duration_hours": 96}},
        },
    )
    event = body["event"]
    assert (event["notes"], event["created_by"], event["previous_hash"]) == ("sun dried", producer.id, None)
    # the same row through C-45: notes are the description, the actor the creator
    stored = assert_ok(await client.get(f"/api/trace/event/{event['id']}", headers=producer.headers))["event"]
    assert (stored["description"], stored["actor_id"], stored["event_type"]) == (
        "sun dried",
        producer.id,
        "DRYING",
    )


async def test_legacy_event_refusals(client, world, admin) -> None:
    producer, lot = await _lot(world)
    assert_error(
        await _legacy(client, producer, lot, measurements={"moisture_pct": 7}), 400, "duration_hours"
    )
    assert_error(
        await _legacy(client, producer, lot, measurements={"moisture_pct": "7", "duration_hours": 1}), 400
    )
    assert_error(await _legacy(client, producer, lot, event_type="harvest"), 400, "event_type")
    assert_error(await _legacy(client, producer, lot, entity_type="planet"), 400, "entity_type")
    assert_error(
        await client.post(
            "/api/traceability/events", json={"event_type": "DRYING"}, headers=producer.headers
        ),
        400,
        "entity_type",
    )
    rival = await world.user("producer")  # another tenant's lot
    assert_error(await _legacy(client, rival, lot), 403)
    assert_error(await _legacy(client, await world.user("user"), lot), 403)
    assert_error(await _legacy(client, admin, 999999), 404)
    assert_ok(
        await _legacy(
            client, producer, lot, "CALIDAD", {"moisture_pct": 7, "fermentation_pct": 80, "defects_pct": 2}
        ),
        201,
    )


# S-76, S-77 -----------------------------------------------------------------------------------------------------


async def test_list_and_timeline(client, world, admin) -> None:
    producer, lot = await _lot(world)
    await _c41(client, producer, lot)
    created = assert_ok(await _legacy(client, producer, lot), 201)["event"]
    listed = assert_ok(
        await client.get(
            "/api/traceability/events",
            params={"entity_type": "lot", "entity_id": str(lot), "event_type": "DRYING"},
            headers=producer.headers,
        )
    )
    assert_shape(listed, {"events": ListOf(LEGACY_EVENT), "total": 1, "limit": 50, "offset": 0})
    assert [e["id"] for e in listed["events"]] == [created["id"]]
    as_admin = assert_ok(
        await client.get(
            "/api/traceability/events", params={"entity_id": str(lot), "limit": 1}, headers=admin.headers
        )
    )
    assert_shape(as_admin, {"events": ListOf(LEGACY_EVENT_PRIVATE), "total": 2, "limit": 1, "offset": 0})
    timeline = assert_ok(await client.get(f"/api/traceability/timeline/lot/{lot}", headers=producer.headers))
    assert_shape(
        timeline,
        {"entity_type": "lot", "entity_id": str(lot), "timeline": ListOf(LEGACY_EVENT), "total_events": 2},
    )
    # the chain links the two events in the order they were recorded
    first, second = sorted(timeline["timeline"], key=lambda e: e["id"])
    assert second["previous_hash"] == first["event_hash"]
    rival = await world.user("producer")
    assert_error(await client.get(f"/api/traceability/timeline/lot/{lot}", headers=rival.headers), 403)
    assert_error(await client.get(f"/api/traceability/timeline/planet/{lot}", headers=admin.headers), 400)


# S-78 and the hash chain ----------------------------------------------------------------------------------------


async def test_untouched_chain_is_valid(client, world) -> None:
    producer, lot = await _lot(world)
    for _ in range(2):
        await _c41(client, producer, lot)
        assert_ok(await _legacy(client, producer, lot), 201)
    body = await _validate(client, producer, lot)
    assert body["is_valid"] is True
    assert [d["chain_position"] for d in body["validation_details"]] == [1, 2, 3, 4]
    rival = await world.user("exporter")
    assert_error(await client.get(f"/api/traceability/validate-chain/lot/{lot}", headers=rival.headers), 403)


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE trace_events SET description = 'rewritten' WHERE id = :id",
        "UPDATE trace_events SET event_timestamp = '2020-01-01 00:00:00' WHERE id = :id",
        "UPDATE trace_events SET actor_id = NULL WHERE id = :id",
        "UPDATE trace_events SET is_public = false WHERE id = :id",
    ],
)
async def test_editing_a_stored_event_breaks_the_chain(client, world, tamper) -> None:
    producer, lot = await _lot(world)
    await _c41(client, producer, lot)
    middle = assert_ok(await _legacy(client, producer, lot), 201)["event"]
    await _c41(client, producer, lot)
    await _sql(world, tamper, id=middle["id"])
    body = await _validate(client, producer, lot)
    assert body["is_valid"] is False
    broken = [d for d in body["validation_details"] if not d["valid"]]
    assert [d["event_id"] for d in broken] == [middle["id"]]
    assert "modified" in broken[0]["issues"][0]


async def test_editing_measurements_or_forging_the_hash_is_detected(client, world) -> None:
    producer, lot = await _lot(world)
    first = assert_ok(await _legacy(client, producer, lot), 201)["event"]
    second = assert_ok(await _legacy(client, producer, lot), 201)["event"]
    async with world.session() as session:
        row = await session.get(TraceEvent, first["id"])
        row.measurements = {"moisture_pct": 5.0, "duration_hours": 96}
        await session.commit()
    assert (await _validate(client, producer, lot))["is_valid"] is False
    # re-sealing the edited event by hand still breaks the link to the next one
    async with world.session() as session:
        row = await session.get(TraceEvent, first["id"])
        columns = {c.name: getattr(row, c.name) for c in TraceEvent.__table__.columns}
        row.event_hash = event_hash(columns, None)
        await session.commit()
    details = (await _validate(client, producer, lot))["validation_details"]
    assert [(d["event_id"], d["valid"]) for d in details] == [(first["id"], True), (second["id"], False)]


async def test_deleting_or_inserting_events_is_detected(client, world) -> None:
    producer, lot = await _lot(world)
    events = [assert_ok(await _legacy(client, producer, lot), 201)["event"] for _ in range(3)]
    await _sql(world, "DELETE FROM trace_events WHERE id = :id", id=events[1]["id"])
    body = await _validate(client, producer, lot)
    assert body["is_valid"] is False
    assert [d["valid"] for d in body["validation_details"]] == [True, False]
    await _sql(
        world,
        "INSERT INTO trace_events (event_type, entity_type, entity_id, title, status, is_public, event_timestamp, "
        "created_at, updated_at) VALUES ('DRYING', 'lot', :lot, 'forged', 'active', true, '2025-01-01', "
        "'2025-01-01', '2025-01-01')",
        lot=str(events[0]["entity_id"]),
    )
    details = (await _validate(client, producer, lot))["validation_details"]
    assert details[-1]["issues"][0] == "not sealed"


async def test_stored_event_missing_its_measurements_is_reported(client, world, admin) -> None:
    producer, lot = await _lot(world)
    event = assert_ok(await _legacy(client, producer, lot), 201)["event"]
    assert_ok(
        await client.put(
            f"/api/trace/event/{event['id']}",
            json={"measurements": {"moisture_pct": 7}},
            headers=admin.headers,
        )
    )
    body = await _validate(client, producer, lot)
    assert body["is_valid"] is False
    assert body["validation_details"][0]["issues"] == ["measurement 'duration_hours' is required (a number)"]


async def test_admin_edit_reseals_and_is_refused_on_a_broken_chain(client, world, admin) -> None:
    producer, lot = await _lot(world)
    first = await _c41(client, producer, lot)
    await _c41(client, producer, lot)
    url = f"/api/trace/event/{first['id']}"
    assert_ok(await client.put(url, json={"title": "Harvest (corrected)"}, headers=admin.headers))
    assert (await _validate(client, producer, lot))["is_valid"] is True
    await _sql(world, "UPDATE trace_events SET title = 'forged' WHERE id = :id", id=first["id"])
    assert_error(await client.put(url, json={"title": "launder"}, headers=admin.headers), 409, "chain")
    assert (await _validate(client, producer, lot))["is_valid"] is False


async def test_concurrent_events_extend_one_chain(client, world) -> None:
    producer, lot = await _lot(world)
    responses = await asyncio.gather(*(_legacy(client, producer, lot) for _ in range(8)))
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    body = await _validate(client, producer, lot)
    assert body["is_valid"] is True
    assert sorted(d["chain_position"] for d in body["validation_details"]) == list(range(1, 9))
