"""S-60..S-67: ERP connections and pushes, against a real HTTP server on loopback (tests/api/fake_erp.py) that
records what it received. From the attacker's side too: lower roles, no token, addresses an ERP may not have
(cloud metadata, other loopback addresses), credentials that must never come back out."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from triboka_api.domain.erp import credentials_context
from triboka_api.domain.key_ring import UnreadableSecretError, b64url
from triboka_api.models import Company, ErpConnection
from triboka_api.settings import Settings

from tests.api.fake_erp import FakeErp, RunningFakeErp, Scripted
from tests.api.helpers import DT, INT, STR, ListOf, assert_error, assert_ok, assert_shape, opt
from tests.support.net import free_port

OLD_KEY, NEW_KEY = (b64url(bytes([n]) * 32) for n in (1, 2))
ERP_KEYS = f"e1:{OLD_KEY}"
CONNECTION = {
    "id": STR,
    "system_type": STR,
    "name": STR,
    "base_url": STR,
    "status": STR,
    "last_sync": opt(DT),
}
CONNECTION_ID = re.compile(r"^(sap|dynamics|oracle|custom)_\d{8}_\d{6}(_\d+)?$")
HEALTH = {"sap": "/b1s/v1/Login", "dynamics": "/health", "oracle": "/health", "custom": "/health"}
COMPANIES = {
    "sap": "/b1s/v1/BusinessPartners",
    "dynamics": "/api/data/v9.2/accounts",
    "oracle": "/crmRestApi/resources/11.13.18.05/accounts",
    "custom": "/api/companies",
}
ORDERS = {
    "sap": "/b1s/v1/Orders",
    "dynamics": "/api/data/v9.2/salesorders",
    "oracle": "/fscmRestApi/resources/11.13.18.05/salesOrdersForOrderHub",
    "custom": "/api/orders",
}


@pytest.fixture(scope="module")
def settings(fresh_database):
    return fresh_database(
        encryption_keys=ERP_KEYS,
        erp_allowed_networks="127.0.0.1/32",  # the fake ERP; every other non-public address stays refused
        erp_retry_backoff_seconds=0.01,
        erp_timeout_seconds=1.5,
    )


@pytest.fixture(scope="module")
def running_erp() -> Iterator[FakeErp]:
    with RunningFakeErp() as erp:
        yield erp


@pytest.fixture
def fake_erp(running_erp: FakeErp) -> FakeErp:
    running_erp.reset()
    return running_erp


async def connect(client, admin, erp: FakeErp, system: str = "custom", **extra) -> str:
    body = {"system_type": system, "name": f"{system} ERP", "base_url": erp.url} | extra
    created = assert_ok(await client.post("/api/erp/connections", json=body, headers=admin.headers), 201)
    return created["connection_id"]


async def test_systems_catalogue(client, admin) -> None:
    body = assert_ok(await client.get("/api/erp/systems", headers=admin.headers))
    endpoints = {"companies": STR, "items": STR, "orders": STR, "invoices": STR}
    system = {"name": STR, "api_version": STR, "endpoints": endpoints}
    assert_shape(body, {"systems": {s: system for s in HEALTH}, "supported_systems": ListOf(STR)})
    assert body["supported_systems"] == ["sap", "dynamics", "oracle", "custom"]
    assert {s: v["endpoints"]["companies"] for s, v in body["systems"].items()} == COMPANIES


async def test_a_connection_is_stored_with_its_credentials_encrypted(client, world, admin, fake_erp) -> None:
    body = {
        "system_type": "custom",
        "name": "ERP central",
        "base_url": f"{fake_erp.url}/",
        "api_key": "erp-api-key-1234567890",
        "username": "integrador",
        "password": "Pa55-word-del-ERP",
    }
    created = assert_ok(await client.post("/api/erp/connections", json=body, headers=admin.headers), 201)
    assert set(created) == {"message", "connection_id", "system_type", "status"}
    assert created["status"] == "connected"
    assert created["system_type"] == "custom"
    assert CONNECTION_ID.match(created["connection_id"]), created
    # the connectivity test reached the ERP's health endpoint with the API key
    [probe] = fake_erp.received
    assert (probe.method, probe.path) == ("GET", "/health")
    assert probe.headers["authorization"] == "Bearer erp-api-key-1234567890"
    listed = assert_ok(await client.get("/api/erp/connections", headers=admin.headers))
    [mine] = [c for c in listed["connections"] if c["id"] == created["connection_id"]]
    assert_shape(mine, CONNECTION)
    assert mine["base_url"] == fake_erp.url  # stored without the trailing slash
    for secret in ("erp-api-key-1234567890", "integrador", "Pa55-word-del-ERP"):
        assert secret not in str(listed)
        assert secret not in str(created)
    async with world.session() as session:
        row = await session.scalar(
            select(ErpConnection).where(ErpConnection.connection_id == created["connection_id"])
        )
    for secret in ("erp-api-key-1234567890", "integrador", "Pa55-word-del-ERP"):
        assert secret not in str(row.credentials)
    assert row.credentials.startswith("v1:e1:")  # the key ring's envelope (Δ 197)
    context = credentials_context(row.connection_id)
    assert json.loads(Settings(encryption_keys=ERP_KEYS).key_ring.open(row.credentials, context)) == {
        "api_key": "erp-api-key-1234567890",
        "username": "integrador",
        "password": "Pa55-word-del-ERP",
    }
    with pytest.raises(UnreadableSecretError):  # another key under the same id cannot read them
        Settings(encryption_keys=f"e1:{NEW_KEY}").key_ring.open(row.credentials, context)


async def _stored_credentials(world, connection_id: str) -> str:
    async with world.session() as session:
        row = await session.scalar(select(ErpConnection).where(ErpConnection.connection_id == connection_id))
    return row.credentials


async def test_credentials_copied_onto_another_connection_do_not_open(client, world, admin, fake_erp) -> None:
    """An attacker with write access to the table moves one ERP's credentials onto a connection pointing at
    an ERP of theirs: the envelope is bound to its connection id, so nothing is decrypted and nothing is sent."""
    victim = await connect(client, admin, fake_erp, api_key="victim-key-123")
    theirs = await connect(client, admin, fake_erp, api_key="their-key-456")
    stolen = await _stored_credentials(world, victim)
    async with world.session() as session:
        row = await session.scalar(select(ErpConnection).where(ErpConnection.connection_id == theirs))
        row.credentials = stolen
        await session.commit()
    fake_erp.reset()
    url = f"/api/erp/test-connection/{theirs}"
    assert_error(await client.post(url, headers=admin.headers), 400, "add the connection again")
    assert fake_erp.received == []


async def test_rotating_the_key_ring_keeps_credentials_readable(client, world, admin, fake_erp) -> None:
    """Δ 197: a new key first and the old one after it: stored credentials still work and are sealed again
    under the new key when used; once every row is, the old key can go."""
    connection_id = await connect(client, admin, fake_erp, api_key="rotated-key-789")
    url = f"/api/erp/test-connection/{connection_id}"
    app = world.app
    try:
        app.state.key_ring = Settings(encryption_keys=f"e2:{NEW_KEY},{ERP_KEYS}").key_ring
        fake_erp.reset()
        assert assert_ok(await client.post(url, headers=admin.headers))["status"] == "connected"
        assert fake_erp.received[-1].headers["authorization"] == "Bearer rotated-key-789"
        assert (await _stored_credentials(world, connection_id)).startswith("v1:e2:")
        app.state.key_ring = Settings(encryption_keys=f"e2:{NEW_KEY}").key_ring
        assert assert_ok(await client.post(url, headers=admin.headers))["status"] == "connected"
        assert fake_erp.received[-1].headers["authorization"] == "Bearer rotated-key-789"
        app.state.key_ring = Settings(encryption_keys=ERP_KEYS).key_ring  # the new key removed too early
        assert_error(await client.post(url, headers=admin.headers), 400, "add the connection again")
    finally:
        app.state.key_ring = Settings(encryption_keys=ERP_KEYS).key_ring


async def test_sap_is_tested_on_its_login_path_where_401_counts_as_reachable(client, admin, fake_erp) -> None:
    fake_erp.script("/b1s/v1/Login", Scripted(401, {"error": "login required"}))
    connection_id = await connect(client, admin, fake_erp, "sap", username="manager", password="1234")
    assert connection_id.startswith("sap_")
    [probe] = fake_erp.received
    assert probe.path == "/b1s/v1/Login"
    assert probe.headers["authorization"] == "Basic " + base64.b64encode(b"manager:1234").decode()


@pytest.mark.parametrize("missing", ["system_type", "name", "base_url"])
async def test_a_missing_field_is_400(client, admin, fake_erp, missing) -> None:
    body = {"system_type": "custom", "name": "ERP", "base_url": fake_erp.url}
    del body[missing]
    assert_error(await client.post("/api/erp/connections", json=body, headers=admin.headers), 400, missing)
    assert fake_erp.received == []


@pytest.mark.parametrize(
    ("system", "base_url", "mentions"),
    [
        ("navision", "{url}", "Unsupported"),
        ("custom", "ftp://127.0.0.1/erp", "http"),
        ("custom", "file:///etc/passwd", "http"),
        ("custom", "http://user:secret@127.0.0.1:{port}", "credentials"),
        ("custom", "http://127.0.0.1:99999", "valid"),
        ("custom", "{url}?next=1", "query"),
    ],
)
async def test_refused_systems_and_urls(client, world, admin, fake_erp, system, base_url, mentions) -> None:
    url = base_url.format(url=fake_erp.url, port=fake_erp.port)
    body = {"system_type": system, "name": "ERP", "base_url": url}
    before = await _connection_count(world)
    assert_error(await client.post("/api/erp/connections", json=body, headers=admin.headers), 400, mentions)
    assert await _connection_count(world) == before
    assert fake_erp.received == []


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",  # the cloud metadata service
        "127.0.0.2",  # loopback, outside the allow-list
        "[::1]",
        "0.0.0.0",  # noqa: S104 - an attacker's base_url, refused
        "10.1.2.3",
        "192.168.1.1",
    ],
)
async def test_an_erp_may_not_point_into_refused_networks(client, world, admin, fake_erp, host) -> None:
    """SSRF (Δ 192): only public addresses and TRIBOKA_ERP_ALLOWED_NETWORKS; nothing is requested or stored."""
    body = {"system_type": "custom", "name": "metadata", "base_url": f"http://{host}:{fake_erp.port}/latest"}
    before = await _connection_count(world)
    assert_error(
        await client.post("/api/erp/connections", json=body, headers=admin.headers), 400, "public address"
    )
    assert await _connection_count(world) == before


async def test_a_failed_connectivity_test_is_400_and_stores_nothing(client, world, admin, fake_erp) -> None:
    before = await _connection_count(world)
    fake_erp.script("/health", *[Scripted(500)] * 3)
    body = {"system_type": "custom", "name": "ERP", "base_url": fake_erp.url}
    assert_error(
        await client.post("/api/erp/connections", json=body, headers=admin.headers), 400, "Connectivity"
    )
    assert len(fake_erp.received) == 3  # a 5xx is retried
    fake_erp.script("/health", Scripted(404))
    assert_error(
        await client.post("/api/erp/connections", json=body, headers=admin.headers), 400, "Connectivity"
    )
    nobody = {"system_type": "custom", "name": "ERP", "base_url": f"http://127.0.0.1:{free_port()}"}
    assert_error(
        await client.post("/api/erp/connections", json=nobody, headers=admin.headers), 400, "Connectivity"
    )
    assert await _connection_count(world) == before


async def _connection_count(world) -> int:
    async with world.session() as session:
        return len((await session.scalars(select(ErpConnection.id))).all())


@pytest.mark.parametrize("system", ["custom", "sap", "dynamics", "oracle"])
async def test_a_company_is_pushed_in_the_systems_shape(client, world, admin, fake_erp, system) -> None:
    connection_id = await connect(client, admin, fake_erp, system, api_key="k-1")
    company = await world.company("producer", country="Ecuador")
    url = f"/api/erp/sync/company/{company.id}"
    body = assert_ok(await client.post(url, json={"connection_id": connection_id}, headers=admin.headers))
    assert set(body) == {"message", "erp_response"}
    [pushed] = fake_erp.posted(COMPANIES[system])
    assert body["erp_response"] == {"id": f"ERP-{len(fake_erp.received)}", "received": True}
    expected = {
        "custom": {
            "external_id": f"TBK-C{company.id}",
            "name": company.name,
            "type": "producer",
            "email": company.email,
            "country": "Ecuador",
            "active": True,
        },
        "sap": {
            "CardCode": f"TBK-C{company.id}",
            "CardName": company.name,
            "CardType": "cSupplier",
            "EmailAddress": company.email,
            "Country": "Ecuador",
            "Valid": "tYES",
        },
        "dynamics": {
            "accountnumber": f"TBK-C{company.id}",
            "name": company.name,
            "emailaddress1": company.email,
            "address1_country": "Ecuador",
            "statecode": 0,
        },
        "oracle": {
            "PartyNumber": f"TBK-C{company.id}",
            "OrganizationName": company.name,
            "Type": "SUPPLIER",
            "EmailAddress": company.email,
            "Country": "Ecuador",
            "Status": "A",
        },
    }[system]
    assert pushed.json == expected
    assert pushed.headers["authorization"] == "Bearer k-1"
    # the same document again carries the same idempotency key
    assert_ok(await client.post(url, json={"connection_id": connection_id}, headers=admin.headers))
    first, second = fake_erp.posted(COMPANIES[system])
    assert len(first.headers["idempotency-key"]) == 64
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    listed = assert_ok(await client.get("/api/erp/connections", headers=admin.headers))
    [mine] = [c for c in listed["connections"] if c["id"] == connection_id]
    assert mine["last_sync"] is not None


async def test_contract_and_fixation_are_pushed_as_orders(client, world, admin, fake_erp) -> None:
    chain = await world.chain()
    contract = chain.contract
    fixation_id = await world.fixation(chain.exporter, contract["id"], 10, spot=3000)
    connection_id = await connect(client, admin, fake_erp, "custom")
    assert_ok(
        await client.post(
            f"/api/erp/sync/contract/{contract['id']}",
            json={"connection_id": connection_id},
            headers=admin.headers,
        )
    )
    assert_ok(
        await client.post(
            f"/api/erp/sync/fixation/{fixation_id}",
            json={"connection_id": connection_id},
            headers=admin.headers,
        )
    )
    contract_order, fixation_order = (r.json for r in fake_erp.posted("/api/orders"))
    assert contract_order == {
        "external_id": contract["contract_code"],
        "customer": f"TBK-C{chain.buyer.company_id}",
        "supplier": f"TBK-C{chain.exporter.company_id}",
        "order_date": "2025-01-01",
        "due_date": "2025-12-01",
        "product": "Cacao",
        "grade": "A",
        "quantity_mt": 100.0,
        "unit_price_usd": None,
        "description": f"Triboka contract {contract['contract_code']}",
    }
    assert fixation_order["external_id"] == f"{contract['contract_code']}-FIX-{fixation_id}"
    assert fixation_order["quantity_mt"] == 10.0
    assert fixation_order["unit_price_usd"] == 2850.0  # spot 3000 + differential -150


async def test_sap_orders_carry_document_lines(client, world, admin, fake_erp) -> None:
    chain = await world.chain()
    fake_erp.script("/b1s/v1/Login", Scripted(200))
    connection_id = await connect(client, admin, fake_erp, "sap")
    fake_erp.script("/b1s/v1/Orders", Scripted(201, {"DocEntry": 4711}))
    url = f"/api/erp/sync/contract/{chain.contract['id']}"
    body = assert_ok(await client.post(url, json={"connection_id": connection_id}, headers=admin.headers))
    assert body["erp_response"] == {"DocEntry": 4711}
    [order] = fake_erp.posted("/b1s/v1/Orders")
    assert order.json["CardCode"] == f"TBK-C{chain.buyer.company_id}"
    assert order.json["NumAtCard"] == chain.contract["contract_code"]
    assert order.json["DocumentLines"] == [
        {"ItemCode": "Cacao", "ItemDescription": "A", "Quantity": 100.0, "UnitPrice": None}
    ]


async def test_a_failing_erp_is_retried_with_the_same_idempotency_key(client, world, admin, fake_erp) -> None:
    connection_id = await connect(client, admin, fake_erp)
    company = await world.company("buyer")
    fake_erp.script("/api/companies", Scripted(503), Scripted(502))
    url = f"/api/erp/sync/company/{company.id}"
    body = assert_ok(await client.post(url, json={"connection_id": connection_id}, headers=admin.headers))
    attempts = fake_erp.posted("/api/companies")
    assert len(attempts) == 3
    assert len({a.headers["idempotency-key"] for a in attempts}) == 1
    assert body["erp_response"]["received"] is True


async def test_a_rejecting_erp_is_502_and_a_4xx_is_not_retried(client, world, admin, fake_erp) -> None:
    connection_id = await connect(client, admin, fake_erp)
    company = await world.company("buyer")
    url = f"/api/erp/sync/company/{company.id}"
    fake_erp.script("/api/companies", Scripted(422, {"error": "CardCode exists"}))
    assert_error(
        await client.post(url, json={"connection_id": connection_id}, headers=admin.headers),
        502,
        "rejected",
        "422",
    )
    assert len(fake_erp.posted("/api/companies")) == 1
    fake_erp.script("/api/companies", *[Scripted(500)] * 3)
    assert_error(
        await client.post(url, json={"connection_id": connection_id}, headers=admin.headers), 502, "500"
    )
    assert len(fake_erp.posted("/api/companies")) == 4


async def test_an_erp_that_does_not_answer_in_time_is_504(client, world, admin, fake_erp) -> None:
    connection_id = await connect(client, admin, fake_erp)
    company = await world.company("buyer")
    fake_erp.script("/api/companies", Scripted(201, {"id": "late"}, delay=3))
    url = f"/api/erp/sync/company/{company.id}"
    assert_error(
        await client.post(url, json={"connection_id": connection_id}, headers=admin.headers), 504, "in time"
    )
    assert len(fake_erp.posted("/api/companies")) == 1  # a read timeout is not retried


async def test_missing_entity_404_then_unknown_connection_400(client, world, admin, fake_erp) -> None:
    company = await world.company("buyer")
    for path in ("company", "contract", "fixation"):
        response = await client.post(
            f"/api/erp/sync/{path}/999999",
            json={"connection_id": "custom_20990101_000000"},
            headers=admin.headers,
        )
        assert_error(response, 404, "not found")
    response = await client.post(
        f"/api/erp/sync/company/{company.id}",
        json={"connection_id": "custom_20990101_000000"},
        headers=admin.headers,
    )
    assert_error(response, 400, "Unknown ERP connection")
    response = await client.post(f"/api/erp/sync/company/{company.id}", json={}, headers=admin.headers)
    assert_error(response, 400, "connection_id")
    assert fake_erp.received == []


async def test_bulk_pushes_each_and_reports_failures(client, world, admin, fake_erp) -> None:
    connection_id = await connect(client, admin, fake_erp)
    first, second = await world.company("buyer"), await world.company("exporter")
    fake_erp.script("/api/companies", Scripted(201, {"id": "A-1"}), Scripted(409, {"error": "duplicate"}))
    body = assert_ok(
        await client.post(
            "/api/erp/sync/bulk",
            json={
                "connection_id": connection_id,
                "entity_type": "companies",
                "entity_ids": [first.id, second.id, 999999],
            },
            headers=admin.headers,
        )
    )
    assert_shape(
        body,
        {
            "message": STR,
            "results": ListOf({"id": INT, "status": "success", "erp_id": opt(STR)}),
            "errors": ListOf({"id": INT, "error": STR}),
            "summary": {"total": 3, "successful": 1, "failed": 2},
        },
    )
    assert body["results"] == [{"id": first.id, "status": "success", "erp_id": "A-1"}]
    assert [e["id"] for e in body["errors"]] == [second.id, 999999]
    assert "409" in body["errors"][0]["error"]
    assert "not found" in body["errors"][1]["error"]


async def test_bulk_without_ids_pushes_every_entity(client, world, admin, fake_erp) -> None:
    connection_id = await connect(client, admin, fake_erp)
    await world.company("buyer")
    body = assert_ok(
        await client.post(
            "/api/erp/sync/bulk",
            json={"connection_id": connection_id, "entity_type": "companies", "entity_ids": []},
            headers=admin.headers,
        )
    )
    async with world.session() as session:
        company_ids = sorted((await session.scalars(select(Company.id))).all())
    assert [r["id"] for r in body["results"]] == company_ids
    assert body["summary"] == {"total": len(company_ids), "successful": len(company_ids), "failed": 0}
    assert len(fake_erp.posted("/api/companies")) == len(company_ids)


async def test_bulk_stops_at_an_unreachable_erp_and_refuses_bad_input(client, world, admin, fake_erp) -> None:
    connection_id = await connect(client, admin, fake_erp)
    first, second = await world.company("buyer"), await world.company("buyer")
    fake_erp.script("/api/companies", *[Scripted(503)] * 3)
    body = assert_ok(
        await client.post(
            "/api/erp/sync/bulk",
            json={
                "connection_id": connection_id,
                "entity_type": "companies",
                "entity_ids": [first.id, second.id],
            },
            headers=admin.headers,
        )
    )
    assert body["summary"] == {"total": 2, "successful": 0, "failed": 2}
    for bad, mentions in (
        ({"connection_id": connection_id, "entity_type": "lots"}, "entity_type"),
        ({"connection_id": "nope", "entity_type": "companies"}, "Unknown ERP connection"),
        ({"entity_type": "companies"}, "connection_id"),
        (
            {"connection_id": connection_id, "entity_type": "companies", "entity_ids": list(range(1, 300))},
            "At most",
        ),
    ):
        assert_error(await client.post("/api/erp/sync/bulk", json=bad, headers=admin.headers), 400, mentions)


async def test_the_connection_test_records_the_outcome(client, admin, fake_erp) -> None:
    connection_id = await connect(client, admin, fake_erp)
    shape = {"connection_id": connection_id, "status": STR, "system_type": "custom", "timestamp": DT}
    url = f"/api/erp/test-connection/{connection_id}"
    fake_erp.script("/health", *[Scripted(503)] * 3)
    down = assert_ok(await client.post(url, headers=admin.headers))
    assert_shape(down, shape)
    assert down["status"] == "disconnected"
    listed = assert_ok(await client.get("/api/erp/connections", headers=admin.headers))
    assert [c["status"] for c in listed["connections"] if c["id"] == connection_id] == ["disconnected"]
    assert assert_ok(await client.post(url, headers=admin.headers))["status"] == "connected"
    assert_error(
        await client.post("/api/erp/test-connection/custom_20990101_000000", headers=admin.headers), 404
    )


async def test_an_operator_may_and_other_roles_may_not(client, world, fake_erp) -> None:
    operator = await world.user("operator", company=None)
    connection_id = await connect(client, operator, fake_erp)
    assert_ok(await client.get("/api/erp/connections", headers=operator.headers))
    company = await world.company("buyer")
    calls = [
        ("GET", "/api/erp/systems", None),
        ("GET", "/api/erp/connections", None),
        ("POST", "/api/erp/connections", {"system_type": "custom", "name": "x", "base_url": fake_erp.url}),
        ("POST", f"/api/erp/sync/company/{company.id}", {"connection_id": connection_id}),
        ("POST", "/api/erp/sync/bulk", {"connection_id": connection_id, "entity_type": "companies"}),
        ("POST", f"/api/erp/test-connection/{connection_id}", None),
    ]
    fake_erp.reset()
    for role in ("exporter", "buyer", "producer", "user"):
        party = await world.user(role)
        for method, path, body in calls:
            assert_error(await client.request(method, path, json=body, headers=party.headers), 403)
    for method, path, body in calls:
        assert (await client.request(method, path, json=body)).status_code == 401
    assert fake_erp.received == []


GOLDEN_PAYLOADS = Path(__file__).with_name("erp_payloads.json")


async def test_every_system_receives_the_recorded_bytes(client, world, admin, fake_erp) -> None:
    """The request bodies each system receives, byte for byte, against `erp_payloads.json` (recorded before the
    systems' shapes became one table: a field renamed, reordered or re-encoded shows here)."""
    chain = await world.chain()
    producer = await world.company("producer", name="Golden Cacao Coop", country="Ecuador")
    exporter = await world.company("exporter", name="Golden Exports", is_active=False)
    contract_fixation = await world.fixation(chain.exporter, chain.contract["id"], 10, spot=3000)
    own_differential = await world.fixation(
        chain.exporter, chain.contract["id"], 5, spot=3100, differential_usd=25
    )
    placeholders = {
        chain.contract["contract_code"]: "$contract",
        f"-FIX-{contract_fixation}": "-FIX-$fixation1",
        f"fixation {contract_fixation} ": "fixation $fixation1 ",
        f"-FIX-{own_differential}": "-FIX-$fixation2",
        f"fixation {own_differential} ": "fixation $fixation2 ",
        f'"TBK-C{chain.buyer.company_id}"': '"TBK-C$buyer"',
        f'"TBK-C{chain.exporter.company_id}"': '"TBK-C$seller"',
        f'"TBK-C{producer.id}"': '"TBK-C$producer"',
        f'"TBK-C{exporter.id}"': '"TBK-C$exporter"',
        producer.email: "$producer_email",
        exporter.email: "$exporter_email",
        f'"{datetime.now(UTC).date().isoformat()}"': '"$today"',  # a fixation's date is the day it is made
    }
    sent: dict[str, str] = {}
    for system in ("custom", "sap", "dynamics", "oracle"):
        connection_id = await connect(client, admin, fake_erp, system)
        fake_erp.reset()
        for label, path in (
            ("producer", f"company/{producer.id}"),
            ("exporter", f"company/{exporter.id}"),
            ("contract", f"contract/{chain.contract['id']}"),
            ("fixation", f"fixation/{contract_fixation}"),
            ("fixation with its own differential", f"fixation/{own_differential}"),
        ):
            body = {"connection_id": connection_id}
            assert_ok(await client.post(f"/api/erp/sync/{path}", json=body, headers=admin.headers))
            text = fake_erp.received[-1].raw.decode()
            for value, name in placeholders.items():
                text = text.replace(value, name)
            sent[f"{system} {label}"] = text
    assert sent == json.loads(GOLDEN_PAYLOADS.read_text())
