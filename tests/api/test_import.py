"""`triboka-api import-sqlite`: a first-generation SQLite database (the ORIG layout of §6) into the current schema.

The module's own database receives a hand-built first-generation file through the CLI (twice: the second run
imports nothing), and the API then serves the imported rows; imported users log in with their old Werkzeug
passwords, which are re-hashed to Argon2id. The two real first-generation databases in shared/fixtures are
imported into fresh databases and their reports checked.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, inspect, select
from triboka_api.domain.codes import free_code, next_dispatch_code
from triboka_api.importer.core import KEY_DROPPED, SECOND_TIER
from triboka_api.models import User
from triboka_api.settings import Settings
from werkzeug.security import generate_password_hash

from tests.api.conftest import fixture_path
from tests.api.first_generation import fixture_schema, run_import_cli, run_import_inprocess
from tests.api.helpers import LOT_ITEM, assert_error, assert_ok, assert_shape

PASSWORDS = {
    "admin@andino.test": "admin-Old-1",
    "exporter@andino.test": "exp-Old-2",
    "buyer@andino.test": "buy-Old-3",
}
CORE_TABLES = [
    "companies",
    "users",
    "user_profiles",
    "deals",
    "deal_members",
    "deal_trace_links",
    "deal_notes",
    "deal_messages",
    "deal_finance_private",
    "export_contracts",
    "contract_fixations",
    "producer_lots",
    "batch_nfts",
    "dispatches",
    "trace_events",
    "trace_timelines",
]
ROWS = {
    "companies": [
        (
            1,
            "Cacao Andino S.A.",
            "info@andino.test",
            "exporter",
            "Ecuador",
            None,
            None,
            1,
            "2025-01-02 10:00:00.000000",
        ),
        (2, "Coop Valle", "coop@valle.test", "producer", "Ecuador", None, None, 1, "2025-01-02 10:00:00"),
        (3, "Hershey", "buy@hershey.test", "buyer", "USA", "key-abc", None, 0, "2025-01-02 10:00:00"),
    ],
    "users": [
        # id, email, first, last, name, hash, role, company, created, active, updated, keycloak
        (1, "admin@andino.test", "Ada", "Min", "Ada Min", "scrypt", "admin", None, "2025-01-03 08:00:00", 1),
        (
            2,
            "producer@valle.test",
            "Pedro",
            "Valle",
            "Pedro Valle",
            None,
            "producer",
            2,
            "2025-01-03 08:00:01",
            1,
        ),
        (
            3,
            "exporter@andino.test",
            None,
            None,
            "Exp Andino",
            "pbkdf2:sha256:10000",
            "exporter",
            1,
            "2025-01-03 08:00:02",
            1,
        ),
        (4, "buyer@andino.test", "Bea", "Buyer", "Bea Buyer", "scrypt", "buyer", 3, "2025-01-03 08:00:03", 1),
        (
            5,
            "gone@andino.test",
            "In",
            "Active",
            "In Active",
            "pbkdf2:sha256:10000",
            "exporter",
            1,
            "2025-01-03 08:00:04",
            0,
        ),
    ],
    "user_profiles": [
        (1, 2, "Chone", "Cacao Nacional", "producer", '{"hectares": 12}', "2025-01-03 08:00:01")
    ],
    "export_contracts": [
        (
            1,
            "AND-001",
            3,
            1,
            "Cacao",
            "A",
            10,
            6.5,
            -150,
            "2025-01-01 00:00:00",
            "2025-06-30 00:00:00",
            "2025-07-15 00:00:00",
            "active",
            None,
            3,
            "2025-01-04 09:00:00",
            "2025-01-04 09:30:00",
        ),
        (
            2,
            "AND-002",
            3,
            1,
            "Cacao",
            "B",
            5,
            0,
            -200.5,
            "2025-02-01 00:00:00",
            "2025-08-31 00:00:00",
            None,
            "draft",
            None,
            1,
            "2025-01-05 09:00:00",
            "2025-01-05 09:00:00",
        ),
    ],
    "contract_fixations": [
        (1, 1, 4, 3200, 12200, "2025-01-10 12:00:00", "first", None, 3, "2025-01-10 12:00:00"),
        (2, 1, 2.5, 3300.25, 7875.63, "2025-02-10 12:00:00", None, None, 1, "2025-02-10 12:00:00"),
    ],
    "producer_lots": [
        (
            1,
            "LOT-COO-20250105100000-002",
            2,
            "Coop Valle",
            "Finca Uno",
            "Chone, Manabí",
            "Cacao CCN51",
            2000,
            "A",
            None,
            "2024-10-01 00:00:00",
            "2025-01-06 10:00:00",
            5200.5,
            "Organic, Fair Trade",
            "batched",
            None,
            None,
            1,
            1,
            None,
            2,
            "2025-01-05 10:00:00",
            "2025-01-07 10:00:00",
        ),
        (
            2,
            "LOT-COO-20250105100001-002",
            2,
            "Coop Valle",
            "Finca Dos",
            "Quevedo",
            "Cacao Nacional",
            1500,
            "Premium",
            7.5,
            "2024-11-01 00:00:00",
            "2025-01-06 11:00:00",
            3000,
            "Rainforest Alliance",
            "purchased",
            None,
            1,
            1,
            None,
            None,
            2,
            "2025-01-05 10:00:01",
            "2025-01-06 11:00:00",
        ),
        (
            3,
            "LOT-COO-20250105100001-002-3",  # a third lot in that second (ORIG would have refused it)
            2,
            None,
            "Finca Tres",
            "Chone",
            "Cacao CCN51",
            800,
            "B",
            None,
            None,
            None,
            None,
            None,
            "available",
            None,
            None,
            None,
            None,
            None,
            2,
            "2025-01-05 10:00:02",
            "2025-01-05 10:00:02",
        ),
    ],
    "batch_nfts": [
        (
            1,
            "BATCH-CAC-20250107100000-001",
            "[1]",
            "[2000.0]",
            2000,
            "export",
            "Guayaquil",
            1,
            1,
            None,
            "created",
            "2025-01-07 10:00:00",
        ),
    ],
    "dispatches": [
        (
            1,
            "DSP-2025-001",
            1,
            1,
            0.5,
            "Netherlands",
            "Rotterdam",
            None,
            "2025-02-01",
            "2025-03-01",
            None,
            "Peer Lines",
            None,
            None,
            None,
            "planned",
            1200,
            None,
            None,
            3,
            '["bl.pdf"]',
            None,
            "2025-01-20 10:00:00",
            "2025-01-20 10:00:00",
        ),
    ],
    "deals": [
        (1, "DEAL-001", "draft", 1, 2, 1, None, None, None, "2025-01-08 10:00:00", "2025-01-08 10:00:00")
    ],
    "deal_members": [(1, 1, 3, "company", "buyer", '["read"]', "2025-01-08 10:00:00", None, "active")],
    "deal_trace_links": [(1, 1, "[1]", "[1]", "[]", "2025-01-08 10:00:00")],
    "deal_notes": [
        # id, deal, author, scope, content, attachments, created, updated
        (1, 1, 1, "PARTES", "Nota para las partes", None, "2025-01-08 11:00:00", "2025-01-08 11:00:00"),
        (2, 1, 1, "CONFIDENCIAL", "Nota de alcance desconocido", None, "2025-01-08 11:01:00", None),
        (3, 1, 3, None, "Nota para todos", '["acta.pdf"]', "2025-01-08 11:02:00", None),
    ],
    "deal_messages": [(1, 1, 3, "Buenos días", "text", None, 1, None, "2025-01-08 12:00:00")],
    "deal_finance_private": [
        (1, 1, 1000.5, 1200, 19.9, 199.5, "USD", "margen del bróker", "2025-01-08 13:00:00")
    ],
    "trace_events": [
        (
            1,
            "harvest",
            "lot",
            "1",
            "Cosecha",
            None,
            "Chone",
            2,
            "Pedro Valle",
            '{"a": 1}',
            '{"kg": 10}',
            None,
            None,
            None,
            None,
            "active",
            1,
            '["x"]',
            "2025-01-05 10:00:00",
            "2025-01-05 10:00:00",
            "2025-01-05 10:00:00",
        ),
    ],
    "trace_timelines": [
        (
            1,
            "lot",
            "1",
            None,
            "lot 1",
            None,
            "active",
            1,
            0,
            0,
            "2025-01-05 10:00:00",
            None,
            None,
            None,
            None,
            "2025-01-05 10:00:00",
            "2025-01-05 10:00:00",
        ),
    ],
}


def build_first_generation_db(path: Path) -> Path:
    """An SQLite file with the first generation's exact schema (copied from the real fixture) and our rows."""
    target = sqlite3.connect(path)
    for sql in fixture_schema():
        target.execute(sql)
    for table, rows in ROWS.items():
        for row in rows:
            if table == "users":
                uid, email, first, last, name, method, role, company, created, active = row
                digest = (
                    generate_password_hash(PASSWORDS[email], method=method) if email in PASSWORDS else None
                )
                if email == "gone@andino.test":
                    digest = generate_password_hash("gone-pw", method=method)
                row = (uid, email, first, last, name, digest, role, company, created, active, created, None)
            marks = ", ".join("?" * len(row))
            target.execute(f"INSERT INTO {table} VALUES ({marks})", row)  # noqa: S608 - our own table names
    target.commit()
    target.close()
    return path


async def run_cli_import(settings: Settings, path: Path) -> dict:
    run = await run_import_cli(settings, path, "--json")
    assert run.code == 0, run.stderr
    return run.json()["tables"]


async def run_inprocess_import(settings: Settings, path: Path) -> dict:
    return (await run_import_inprocess(settings, path))["tables"]


@pytest.fixture(scope="module")
def source_db(tmp_path_factory) -> Path:
    return build_first_generation_db(tmp_path_factory.mktemp("firstgen") / "first-generation.db")


@pytest_asyncio.fixture(scope="module")
async def imported(settings, client, source_db) -> tuple[dict, dict]:
    """Two imports into the module's (empty) database: the CLI (a subprocess) and then the same importer
    in-process (the CLI's start-up costs seconds on a loaded machine); the first report and the second."""
    first = await run_cli_import(settings, source_db)
    second = await run_inprocess_import(settings, source_db)
    return first, second


async def _login(client, email: str, password: str):
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def _hash_of(app, email: str) -> str | None:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(User.password_hash).where(User.email == email))


def test_first_report(imported) -> None:
    first, _ = imported
    expected = {table: len(ROWS.get(table, [])) for table in CORE_TABLES}
    assert {table: report["imported"] for table, report in first.items() if table in CORE_TABLES} == expected
    assert all(first[table]["skipped"] == 0 for table in CORE_TABLES)
    assert set(first) == set(CORE_TABLES) | set(SECOND_TIER)  # every table of the source, and only those


def test_second_run_imports_nothing(imported) -> None:
    _, second = imported
    for table in CORE_TABLES:
        rows = len(ROWS.get(table, []))
        assert second[table]["imported"] == 0, table
        assert second[table]["skipped"] == rows, table
        assert second[table]["reasons"] == ({"already imported": rows} if rows else {}), table


@pytest.mark.parametrize("email", sorted(PASSWORDS))
async def test_imported_users_log_in_with_their_old_password(client, app, imported, email) -> None:
    stored = await _hash_of(app, email)
    assert stored.startswith(("scrypt:", "pbkdf2:sha256:"))
    assert_error(await _login(client, email, "not-the-password"), 401)
    body = assert_ok(await _login(client, email, PASSWORDS[email]))
    assert body["user"]["email"] == email
    assert (await _hash_of(app, email)).startswith("$argon2id$")
    assert_ok(await _login(client, email, PASSWORDS[email]))
    profile = assert_ok(
        await client.get("/api/profile", headers={"Authorization": f"Bearer {body['access_token']}"})
    )
    assert profile["email"] == email


async def test_imported_users_without_password_or_inactive(client, imported) -> None:
    assert_error(await _login(client, "producer@valle.test", "anything"), 401)
    assert_error(await _login(client, "gone@andino.test", "gone-pw"), 401)


async def test_imported_rows_through_the_api(client, imported) -> None:
    admin = assert_ok(await _login(client, "admin@andino.test", PASSWORDS["admin@andino.test"]))
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    lots = {lot["id"]: lot for lot in assert_ok(await client.get("/api/lots", headers=headers))}
    assert set(lots) == {1, 2, 3}
    for lot in lots.values():
        assert_shape(lot, LOT_ITEM)
    first = lots[1]
    assert first["certifications"] == ["Organic", "Fair Trade"]
    assert (first["status"], first["batch_id"], first["purchased_by"]) == ("batched", 1, "Cacao Andino S.A.")
    assert (first["price_per_mt"], first["harvest_date"], first["created_by"]) == (
        2600.25,
        "2024-10-01T00:00:00",
        "producer@valle.test",
    )
    assert (lots[2]["moisture_content"], lots[2]["export_contract_id"], lots[2]["has_contract"]) == (
        7.5,
        1,
        True,
    )
    assert (lots[3]["certifications"], lots[3]["producer_name"]) == ([], None)
    contracts = {c["id"]: c for c in assert_ok(await client.get("/api/contracts", headers=headers))}
    assert set(contracts) == {1, 2}
    assert (contracts[1]["fixed_volume_mt"], contracts[1]["pending_volume_mt"], contracts[1]["status"]) == (
        6.5,
        3.5,
        "active",
    )
    assert (contracts[2]["differential_usd"], contracts[2]["delivery_date"]) == (-200.5, None)
    detail = assert_ok(await client.get("/api/contracts/1", headers=headers))
    assert [f["id"] for f in detail["fixations"]] == [1, 2]
    assert [lot["id"] for lot in detail["lots"]] == [2]
    summary = assert_ok(await client.get("/api/fixations/contract/1/summary", headers=headers))
    assert (summary["fixed_volume"], summary["fixation_count"]) == (6.5, 2)
    batch = assert_ok(await client.get("/api/batches/1", headers=headers))
    assert (batch["source_lot_ids"], batch["source_lot_weights"], batch["total_weight_kg"]) == (
        [1],
        [2000.0],
        2000.0,
    )
    dispatch = assert_ok(await client.get("/api/dispatches/1", headers=headers))["dispatch"]
    assert (dispatch["documents"], dispatch["shipping_date"], dispatch["insurance_cost_usd"]) == (
        ["bl.pdf"],
        "2025-02-01",
        0,
    )
    timeline = assert_ok(await client.get("/api/trace/timeline/lot/1", headers=headers))
    assert [e["id"] for e in timeline["events"]] == [1]
    assert timeline["events"][0]["event_data"] == {"a": 1}
    assert timeline["events"][0]["tags"] == ["x"]
    companies = {c["id"]: c for c in assert_ok(await client.get("/api/companies", headers=headers))}
    assert (companies[3]["is_active"], companies[1]["country"]) == (False, "Ecuador")
    # The imported deal member (company 3) may trace the batch its deal links (numeric JSON ids, Δ C-41).
    buyer = assert_ok(await _login(client, "buyer@andino.test", PASSWORDS["buyer@andino.test"]))
    buyer_headers = {"Authorization": f"Bearer {buyer['access_token']}"}
    assert_ok(await client.get("/api/trace/timeline/batch/1", headers=buyer_headers))
    context = await client.post(
        "/api/auth/change-context", json={"type": "deal", "deal_id": 1}, headers=buyer_headers
    )
    assert_error(context, 403)


async def test_imported_deal_talk_keeps_its_confidentiality(client, imported) -> None:
    """Notes keep their scopes (an unknown one becomes the narrowest, SOLO_ADMIN); messages and the finance
    sheet arrive whole; a buyer member of the deal reads only what is public."""
    admin = assert_ok(await _login(client, "admin@andino.test", PASSWORDS["admin@andino.test"]))
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    notes = {n["id"]: n for n in assert_ok(await client.get("/api/deals/1/notes", headers=headers))}
    assert {i: (n["scope"], n["content"]) for i, n in notes.items()} == {
        1: ("PARTES", "Nota para las partes"),
        2: ("SOLO_ADMIN", "Nota de alcance desconocido"),
        3: ("PUBLIC", "Nota para todos"),
    }
    messages = assert_ok(await client.get("/api/deals/1/messages", headers=headers))
    assert [(m["id"], m["content"]) for m in messages] == [(1, "Buenos días")]
    finance = assert_ok(await client.get("/api/deals/1/finance", headers=headers))
    assert (finance["costo_admin"], finance["notes"]) == (1000.5, "margen del bróker")
    buyer = assert_ok(await _login(client, "buyer@andino.test", PASSWORDS["buyer@andino.test"]))
    buyer_headers = {"Authorization": f"Bearer {buyer['access_token']}"}
    seen = assert_ok(await client.get("/api/deals/1/notes", headers=buyer_headers))
    assert [n["id"] for n in seen] == [3]
    assert_error(await client.get("/api/deals/1/finance", headers=buyer_headers), 403)


async def test_plaintext_api_keys_are_not_carried_over(app, imported) -> None:
    first, _ = imported
    assert first["companies"]["notes"] == {KEY_DROPPED: 1}
    async with app.state.engine.connect() as conn:
        columns = await conn.run_sync(
            lambda sync: [c["name"] for c in inspect(sync).get_columns("companies")]
        )
    assert "api_key" not in columns  # no place left to keep a key in clear (migration 0007)


async def test_new_rows_continue_after_the_imported_ids(client, app, imported) -> None:
    admin = assert_ok(await _login(client, "admin@andino.test", PASSWORDS["admin@andino.test"]))
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    registered = await client.post(
        "/api/auth/register", json={"name": "New Grower", "email": "grower@valle.test", "password": "pw"}
    )
    assert assert_ok(registered, 201)["user_id"] > len(ROWS["users"])
    lot = await client.post(
        "/api/lots",
        json={
            "producer_company_id": 2,
            "farm_name": "Finca Cuatro",
            "location": "Chone",
            "product_type": "Cacao",
            "weight_kg": 100,
            "quality_grade": "A",
            "harvest_date": "2025-10-01",
        },
        headers=headers,
    )
    assert assert_ok(lot, 201)["lot_id"] == 4
    contract = await client.post(
        "/api/contracts",
        json={
            "contract_code": "AND-003",
            "buyer_company_id": 3,
            "exporter_company_id": 1,
            "product_type": "Cacao",
            "product_grade": "A",
            "total_volume_mt": 1,
            "differential_usd": 0,
            "start_date": "2025-01-01",
            "end_date": "2025-02-01",
        },
        headers=headers,
    )
    assert assert_ok(contract, 201)["contract_id"] == 3
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count(User.id))) == len(ROWS["users"]) + 1


async def test_new_codes_come_after_the_imported_ones(app, imported) -> None:
    """The import moves each code counter past the highest imported code under it (Δ 202): the next code of an
    imported lot's second and company, batch base and dispatch year is the one after the stored ones."""
    async with app.state.sessionmaker() as session:
        assert await free_code(session, "LOT-COO-20250105100000-002") == "LOT-COO-20250105100000-002-2"
        assert await free_code(session, "LOT-COO-20250105100001-002") == "LOT-COO-20250105100001-002-4"
        assert await free_code(session, "BATCH-CAC-20250107100000-001") == "BATCH-CAC-20250107100000-001-2"
        assert await next_dispatch_code(session, 2025) == "DSP-2025-002"
        await session.rollback()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("first-generation-fresh.db", {"companies": 1, "users": 1}),
        (
            "first-generation.db",
            {
                "companies": 1,
                "users": 4,
                "export_contracts": 3,
                "contract_fixations": 2,
                "producer_lots": 4,
                "batch_nfts": 1,
                "dispatches": 1,
            },
        ),
    ],
)
async def test_real_first_generation_databases(fresh_database, name, expected) -> None:
    settings = await asyncio.to_thread(fresh_database)
    report = await run_inprocess_import(settings, fixture_path(name))
    assert {table: t["imported"] for table, t in report.items() if t["imported"]} == expected
    assert all(t["skipped"] == 0 and t["unmapped"] == 0 for t in report.values()), report
    again = await run_inprocess_import(settings, fixture_path(name))
    assert all(t["imported"] == 0 for t in again.values())
    assert {table: t["skipped"] for table, t in again.items() if t["skipped"]} == expected
