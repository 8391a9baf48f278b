"""Issue 20: `import-sqlite` of older first-generation databases never loses data silently.

Two synthetic older layouts (tests/api/first_generation.py): the issue's deployment (31 tables, the AgroWeight
tables, unsalted SHA-256 passwords) and a layout this release cannot map (older `producer_lots` and price tables,
password formats the login cannot verify). On SQLite and PostgreSQL targets (the conftest's `backend`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func, select
from triboka_api.app import create_app
from triboka_api.importer.hashes import hash_format
from triboka_api.models import Company, LegacyRow, MarketPrice, ProducerLot, TraceEvent, User

from tests.api.first_generation import (
    ICE_PRICES,
    ISSUE_COUNTS,
    SHA256_PASSWORDS,
    UNVERIFIABLE_HASHES,
    build_agroweight_era,
    build_unsupported_layouts,
    run_import_cli,
    run_import_inprocess,
    sha256_hex,
)
from tests.api.helpers import assert_error, assert_ok

# Rows without a home in this schema in the issue's deployment (see first_generation.py).
UNMAPPED = {
    "blockchain_transactions": 2,
    "centros_acopio": 3,
    "lotes_cacao": 1,
    "movimientos_secado": 1,
    "notificaciones": 3,
    "precios_internacionales": 2,
    "registros_calidad": 1,
}


def source_tables(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608
    finally:
        db.close()


async def count(app, model) -> int:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model))


@pytest.fixture(scope="module")
def agroweight_db(tmp_path_factory) -> Path:
    return build_agroweight_era(tmp_path_factory.mktemp("older") / "agroweight-era.db")


@pytest_asyncio.fixture(scope="module")
async def runs(settings, app, agroweight_db):
    """Refused (no flag), accepted (--allow-unmapped, human report), then a re-run in-process."""
    refused = await run_import_cli(settings, agroweight_db, "--json")
    written_after_refusal = await count(app, User), await count(app, LegacyRow)
    accepted = await run_import_cli(settings, agroweight_db, "--allow-unmapped")
    legacy_after_first = await count(app, LegacyRow)
    again = await run_import_inprocess(settings, agroweight_db)
    return {
        "refused": refused,
        "written_after_refusal": written_after_refusal,
        "accepted": accepted,
        "legacy_after_first": legacy_after_first,
        "again": again,
    }


def test_unmapped_rows_exit_3_and_write_nothing(runs, agroweight_db) -> None:
    refused = runs["refused"]
    assert refused.code == 3, refused.stderr
    report = refused.json()
    assert (report["exit_code"], report["unmapped_rows"]) == (3, sum(UNMAPPED.values()))
    assert runs["written_after_refusal"] == (0, 0)


def test_report_lists_every_source_table_and_accounts_for_every_row(runs, agroweight_db) -> None:
    tables = runs["refused"].json()["tables"]
    source = source_tables(agroweight_db)
    assert len(source) == 31
    assert {name: t["rows"] for name, t in tables.items()} == source
    for name, t in tables.items():
        assert t["imported"] + t["kept"] + t["skipped"] == t["rows"] or t["note"], name
        assert t["into"] or t["note"], f"{name}: neither a target nor a reason"
    assert {name: t["imported"] for name, t in tables.items() if name in ISSUE_COUNTS} == ISSUE_COUNTS
    assert {name: t["unmapped"] for name, t in tables.items() if t["unmapped"]} == UNMAPPED
    assert tables["notificaciones"]["note"] == "unknown table: no home in this release"
    assert tables["alembic_version"]["kept"] == 0
    assert "not data" in tables["alembic_version"]["note"]
    assert tables["precios_internacionales"]["reasons"] == {
        "price in GBP: market_prices holds USD per metric ton": 1,
        "price per qq: market_prices holds USD per metric ton": 1,
    }
    assert tables["lotes_cacao"]["reasons"] == {"moisture 500 out of range": 1}
    assert tables["productores"]["notes"] == {"reused the existing company of the same name": 1}


def test_human_report_of_an_accepted_import(runs) -> None:
    accepted = runs["accepted"]
    assert accepted.code == 0, accepted.stderr
    text = accepted.stdout
    for name in ("productores", "lotes_cacao", "precios_internacionales", "centros_acopio", "notificaciones"):
        assert f"\n{name} " in text
    assert "sha256-hex: 5 user(s) (admin@old.test, " in text
    assert (
        f"{sum(UNMAPPED.values())} row(s) without a home are kept in legacy_rows (--allow-unmapped); exit code 0"
        in text
    )


async def test_rows_without_a_home_are_kept_raw(app, runs) -> None:
    async with app.state.sessionmaker() as session:
        kept = (await session.scalars(select(LegacyRow).where(LegacyRow.mapped_to.is_(None)))).all()
        per_table: dict[str, int] = {}
        for row in kept:
            per_table[row.source_table] = per_table.get(row.source_table, 0) + 1
        assert per_table == UNMAPPED
        centre = next(r for r in kept if r.source_table == "centros_acopio" and r.source_key == "1")
        assert centre.data == {"id": 1, "nombre": "Centro Chone", "ubicacion": "Chone", "responsable": "Ana"}
        blob = next(r for r in kept if r.source_table == "blockchain_transactions")
        assert blob.data["payload"] == {"base64": "AP8="}
        producer = await session.scalar(
            select(LegacyRow).where(LegacyRow.source_table == "productores", LegacyRow.source_key == "2")
        )
        # The mapped producer's raw row keeps what companies has no column for.
        assert producer.data["cedula"] == "1300000002"
        assert producer.mapped_to.startswith("companies/")


async def test_rerun_imports_and_keeps_nothing_twice(app, runs) -> None:
    again = runs["again"]
    assert await count(app, LegacyRow) == runs["legacy_after_first"]
    assert all(t["imported"] == 0 and t["kept"] == 0 for t in again["tables"].values()), again
    assert again["unmapped_rows"] == sum(UNMAPPED.values())
    assert again["exit_code"] == 3  # still honest: those rows still have no home
    assert again["tables"]["lotes_cacao"]["reasons"] == {
        "already imported": 7,
        "already kept in legacy_rows": 1,
    }
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count(Company.id))) == 12 + 9 + 4


async def test_international_prices_feed_the_market_endpoint(client, app, runs) -> None:
    async with app.state.sessionmaker() as session:
        prices = (await session.execute(select(MarketPrice.price_date, MarketPrice.close_usd_per_mt))).all()
    assert {str(day): float(close) for day, close in prices} == ICE_PRICES
    body = assert_ok(await client.get("/api/market/cacao-prices"))
    assert body["spot"]["price"] == 7800.5
    assert "first generation precios_internacionales (ICE NY)" in body["spot"]["source"]


async def test_agroweight_lots_and_their_records(client, app, runs) -> None:
    admin = assert_ok(
        await client.post("/api/auth/login", json={"email": "admin@old.test", "password": "admin123"})
    )
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    lots = {lot["lot_code"]: lot for lot in assert_ok(await client.get("/api/lots", headers=headers))}
    assert len(lots) == 6 + 6  # six AgroWeight lots are new, one reused an existing lot, one was kept aside
    first = lots["AGW-001"]
    assert (first["producer_company"], first["producer_company_id"], first["producer_name"]) == (
        "Coop Valle",
        2,  # the existing company, not a duplicate
        "Coop Valle",
    )
    assert (first["weight_kg"], first["moisture_content"], first["location"]) == (451.0, 7.5, "Centro Chone")
    assert lots["AGW-008"]["producer_company_id"] is None
    timeline = assert_ok(await client.get(f"/api/trace/timeline/lot/{first['id']}", headers=headers))
    events = {e["event_type"]: e for e in timeline["events"]}
    assert set(events) == {"quality_check", "drying"}
    assert events["quality_check"]["measurements"] == {
        "humedad": 7.0,
        "fermentacion_pct": 80.5,
        "granos_por_100g": 95,
    }
    assert events["quality_check"]["actor_name"] == "Luis"
    reused = await client.get("/api/trace/timeline/lot/1", headers=headers)
    assert {e["event_type"] for e in assert_ok(reused)["events"]} == {"harvest", "quality_check", "drying"}
    # imported events join their lots' hash chains (Δ 128), first-generation and AgroWeight rows alike
    chain = assert_ok(await client.get("/api/traceability/validate-chain/lot/1", headers=headers))
    assert chain["is_valid"] is True
    assert [d["chain_position"] for d in chain["validation_details"]] == [1, 2, 3]
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count(ProducerLot.id))) == 12
        assert await session.scalar(select(func.count(TraceEvent.id))) == 3 + 7 + 7


@pytest.mark.parametrize("email", ["exporter@old.test", "producer2@old.test"])
async def test_sha256_users_log_in_once_and_are_rehashed(client, app, runs, email) -> None:
    async with app.state.sessionmaker() as session:
        stored = await session.scalar(select(User.password_hash).where(User.email == email))
    assert stored.startswith("sha256-in-argon2:$argon2id$")
    assert sha256_hex(SHA256_PASSWORDS[email]) not in stored  # the unsalted hash is not kept as it was
    assert_error(await client.post("/api/auth/login", json={"email": email, "password": "wrong"}), 401)
    hexed = sha256_hex(SHA256_PASSWORDS[email])
    assert_error(await client.post("/api/auth/login", json={"email": email, "password": hexed}), 401)
    assert_ok(
        await client.post("/api/auth/login", json={"email": email, "password": SHA256_PASSWORDS[email]})
    )
    async with app.state.sessionmaker() as session:
        upgraded = await session.scalar(select(User.password_hash).where(User.email == email))
    assert upgraded.startswith("$argon2id$")
    assert_ok(
        await client.post("/api/auth/login", json={"email": email, "password": SHA256_PASSWORDS[email]})
    )


async def test_unsupported_layouts_and_unverifiable_passwords(fresh_database, tmp_path) -> None:
    settings = await asyncio.to_thread(fresh_database)
    path = build_unsupported_layouts(tmp_path / "unsupported.db")
    run = await run_import_cli(settings, path, "--json", "--allow-unmapped")
    assert run.code == 0, run.stderr
    report = run.json()
    lots, prices = report["tables"]["producer_lots"], report["tables"]["precios_internacionales"]
    assert (lots["note"], lots["kept"], lots["into"]) == (
        "unsupported schema version: no column lot_code",
        2,
        [],
    )
    assert prices["note"].startswith("unsupported schema version: no column for price (precio_usd_tm / ")
    assert prices["kept"] == 1
    assert report["unmapped_rows"] == 3
    expected: dict[str, list[str]] = {}
    for email, (fmt, _) in UNVERIFIABLE_HASHES.items():
        expected.setdefault(fmt, []).append(email)
    assert {fmt: entry["emails"] for fmt, entry in report["passwords"].items()} == expected
    assert all(
        "cannot log in until an admin sets a new password" in e["login"] for e in report["passwords"].values()
    )


async def test_unverifiable_hashes_are_kept_and_never_accepted(fresh_database, tmp_path) -> None:
    settings = await asyncio.to_thread(fresh_database)
    await run_import_inprocess(settings, build_unsupported_layouts(tmp_path / "unsupported.db"))
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as client,
    ):
        for email, password in [
            ("bcrypt@old.test", "secret"),
            ("md5@old.test", "secret"),
            ("odd@old.test", "not a hash"),
        ]:
            assert_error(
                await client.post("/api/auth/login", json={"email": email, "password": password}), 401
            )
        async with app.state.sessionmaker() as session:
            stored = await session.scalar(select(User.password_hash).where(User.email == "md5@old.test"))
        assert stored == UNVERIFIABLE_HASHES["md5@old.test"][1]


@pytest.mark.parametrize(("email", "expected"), [(e, fmt) for e, (fmt, _) in UNVERIFIABLE_HASHES.items()])
def test_hash_formats(email, expected) -> None:
    assert hash_format(UNVERIFIABLE_HASHES[email][1]) == expected
