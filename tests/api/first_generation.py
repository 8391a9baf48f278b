"""Synthetic first-generation databases of the older schema variants, and the two ways to run the importer.

No real data: every row is made up here. The older layouts are reconstructed from the contract (§6, §9 #19) and
issue 20: the core tables of the real fixture with the columns older snapshots lacked dropped (users without
first/last name and Keycloak id, contracts without status), unsalted hex SHA-256 password hashes, the AgroWeight
integration's own Spanish tables, tables this release does not know, and the database's bookkeeping tables.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from triboka_api.db import create_engine
from triboka_api.importer import SqliteImporter
from triboka_api.settings import Settings

from tests.api.conftest import JWT_SECRET, fixture_path

CLI = Path(sys.executable).parent / "triboka-api"


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.stdout)


async def run_import_cli(settings: Settings, path: Path, *flags: str) -> CliRun:
    env = os.environ | {"TRIBOKA_DATABASE_URL": settings.database_url, "TRIBOKA_JWT_SECRET": JWT_SECRET}
    process = await asyncio.create_subprocess_exec(
        str(CLI),
        "import-sqlite",
        str(path),
        *flags,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return CliRun(process.returncode, stdout.decode(), stderr.decode())


async def run_import_inprocess(settings: Settings, path: Path) -> dict[str, Any]:
    """The importer in one committed transaction (the CLI's start-up costs seconds on a loaded machine)."""
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            return (await SqliteImporter(path, connection).run()).as_dict()
    finally:
        await engine.dispose()


def sha256_hex(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def fixture_schema() -> list[str]:
    """The CREATE statements of the real first-generation database."""
    source = sqlite3.connect(f"file:{fixture_path('first-generation.db')}?mode=ro", uri=True)
    try:
        return [
            sql
            for (sql,) in source.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
        ]
    finally:
        source.close()


def insert(db: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(row.values()))  # noqa: S608


def older_core(db: sqlite3.Connection) -> None:
    """The fixture's core tables as older snapshots had them (§9 #19)."""
    for sql in fixture_schema():
        db.execute(sql)
    for table, column in [
        ("users", "first_name"),
        ("users", "last_name"),
        ("users", "keycloak_id"),
        ("export_contracts", "status"),
    ]:
        db.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}")
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


# --- variant 1: the issue's deployment (31 tables, AgroWeight tables, SHA-256 passwords) ------------------------

SHA256_PASSWORDS = {
    "admin@old.test": "admin123",  # the first generation's default admin password, as the issue found it
    "exporter@old.test": "Exp-0ld-pass",
    "buyer@old.test": "Buy-0ld-pass",
    "producer1@old.test": "Prod-0ld-1",
    "producer2@old.test": "Prod-0ld-2",
}
AGROWEIGHT_SCHEMA = [
    """CREATE TABLE centros_acopio (id INTEGER PRIMARY KEY, nombre VARCHAR(120) NOT NULL, ubicacion VARCHAR(200),
       responsable VARCHAR(120))""",
    """CREATE TABLE productores (id INTEGER PRIMARY KEY, nombre VARCHAR(120) NOT NULL, cedula VARCHAR(13),
       telefono VARCHAR(20), comunidad VARCHAR(120), hectareas REAL, centro_acopio_id INTEGER
       REFERENCES centros_acopio(id), created_at DATETIME)""",
    """CREATE TABLE clientes (id INTEGER PRIMARY KEY, razon_social VARCHAR(200) NOT NULL, ruc VARCHAR(13),
       pais VARCHAR(80), email VARCHAR(120))""",
    """CREATE TABLE lotes_cacao (id INTEGER PRIMARY KEY, codigo VARCHAR(60) UNIQUE, productor_id INTEGER
       REFERENCES productores(id), centro_acopio_id INTEGER REFERENCES centros_acopio(id), peso_kg NUMERIC(10,2),
       humedad NUMERIC(5,2), calidad VARCHAR(20), variedad VARCHAR(60), fecha_recepcion DATETIME,
       estado VARCHAR(30))""",
    """CREATE TABLE registros_calidad (id INTEGER PRIMARY KEY, lote_id INTEGER REFERENCES lotes_cacao(id),
       fecha DATETIME, humedad REAL, fermentacion_pct REAL, granos_por_100g INTEGER, inspector VARCHAR(120),
       observaciones TEXT)""",
    """CREATE TABLE movimientos_secado (id INTEGER PRIMARY KEY, lote_id INTEGER REFERENCES lotes_cacao(id),
       fecha_inicio DATETIME, fecha_fin DATETIME, peso_entrada_kg REAL, peso_salida_kg REAL, humedad_final REAL,
       metodo VARCHAR(40))""",
    """CREATE TABLE precios_internacionales (id INTEGER PRIMARY KEY, fecha DATE NOT NULL, mercado VARCHAR(40),
       precio NUMERIC(10,2) NOT NULL, moneda VARCHAR(5), unidad VARCHAR(10))""",
]
UNKNOWN_SCHEMA = [
    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
    "CREATE TABLE blockchain_transactions (tx_hash VARCHAR(66) PRIMARY KEY, kind VARCHAR(30), payload BLOB)",
    "CREATE TABLE notificaciones (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER, mensaje TEXT)",
    "CREATE TABLE sync_queue (device VARCHAR(40), payload TEXT)",
]
ISSUE_COUNTS = {"companies": 12, "users": 5, "producer_lots": 6, "batch_nfts": 1, "trace_events": 3}
# London and a per-quintal quote have no home in market_prices (USD per metric ton); the ICE rows do. Recent
# dates, so that C-51 (one year of closes) serves them.
TODAY = datetime.now(UTC).date()
ICE_PRICES = {(TODAY - timedelta(days=10 * (9 - i))).isoformat(): 7000.0 + 250 * i for i in range(9)} | {
    TODAY.isoformat(): 7800.5
}


def build_agroweight_era(path: Path) -> Path:
    db = sqlite3.connect(path)
    older_core(db)
    for sql in AGROWEIGHT_SCHEMA + UNKNOWN_SCHEMA:
        db.execute(sql)
    kinds = ["exporter", "producer", "buyer"]
    companies = [
        {"id": i, "name": f"Empresa {i}", "company_type": kinds[i % 3], "country": "Ecuador", "is_active": 1}
        for i in range(1, 13)
    ]
    companies[1]["name"] = "Coop Valle"  # also an AgroWeight producer: the import reuses it
    insert(db, "companies", companies)
    roles = {
        "admin@old.test": ("admin", None),
        "exporter@old.test": ("exporter", 1),
        "buyer@old.test": ("buyer", 3),
        "producer1@old.test": ("producer", 2),
        "producer2@old.test": ("producer", 5),
    }
    insert(
        db,
        "users",
        [
            {
                "id": n,
                "email": email,
                "name": email.split("@")[0].title(),
                "password_hash": sha256_hex(password),
                "role": roles[email][0],
                "company_id": roles[email][1],
                "created_at": "2023-05-01 10:00:00",
                "active": 1,
            }
            for n, (email, password) in enumerate(SHA256_PASSWORDS.items(), start=1)
        ],
    )
    insert(
        db,
        "export_contracts",
        [
            {
                "id": 1,
                "contract_code": "OLD-001",
                "buyer_company_id": 3,
                "exporter_company_id": 1,
                "total_volume_mt": 20,
                "fixed_volume_mt": 0,
                "differential_usd": -150,
            }
        ],
    )
    insert(
        db,
        "producer_lots",
        [
            {
                "id": i,
                "lot_code": f"LOT-OLD-2023050{i}100000-00{i}",
                "producer_company_id": 2,
                "weight_kg": 1000 + i,
                "quality_grade": "A",
                "status": "batched" if i == 1 else "available",
                "created_at": f"2023-05-0{i} 10:00:00",
            }
            for i in range(1, 7)
        ],
    )
    insert(
        db,
        "batch_nfts",
        [
            {
                "id": 1,
                "batch_code": "BATCH-OLD-20230510100000-001",
                "source_lot_ids": "[1]",
                "source_lot_weights": "[1001]",
                "total_weight_kg": 1001,
                "creator_company_id": 1,
                "status": "minted",
            }
        ],
    )
    insert(
        db,
        "trace_events",
        [
            {
                "id": i,
                "event_type": "harvest",
                "entity_type": "lot",
                "entity_id": str(i),
                "title": "Cosecha",
                "event_timestamp": "2023-05-01 08:00:00",
            }
            for i in range(1, 4)
        ],
    )
    insert(db, "deals", [{"id": 1, "deal_code": "DEAL-OLD-1", "admin_id": 1, "status": "draft"}])
    insert(
        db,
        "deal_messages",
        [{"id": i, "deal_id": 1, "author_id": 1, "content": f"mensaje {i}"} for i in (1, 2)],
    )
    insert(
        db,
        "centros_acopio",
        [
            {"id": i, "nombre": f"Centro {name}", "ubicacion": name, "responsable": "Ana"}
            for i, name in enumerate(["Chone", "Quevedo", "Vinces"], start=1)
        ],
    )
    producers = [
        {
            "id": i,
            "nombre": f"Productor {i}",
            "cedula": f"130000000{i}",
            "telefono": "0990000000",
            "comunidad": "San Isidro",
            "hectareas": 2.5 + i,
            "centro_acopio_id": 1 + i % 3,
            "created_at": "2023-04-01 09:00:00",
        }
        for i in range(1, 11)
    ]
    producers[0]["nombre"] = "Coop Valle"
    insert(db, "productores", producers)
    insert(
        db,
        "clientes",
        [
            {
                "id": i,
                "razon_social": f"Cliente {i} S.A.",
                "ruc": f"099000000{i}001",
                "pais": "Países Bajos",
                "email": f"compras{i}@cliente.test",
            }
            for i in range(1, 5)
        ],
    )
    lots = [
        {
            "id": i,
            "codigo": f"AGW-{i:03d}",
            "productor_id": i,
            "centro_acopio_id": 1,
            "peso_kg": 450 + i,
            "humedad": 7.5,
            "calidad": "A",
            "variedad": "CCN51",
            "fecha_recepcion": "2023-06-01 07:30:00",
            "estado": "secado",
        }
        for i in range(1, 9)
    ]
    lots[5]["humedad"] = 500  # a typo of the old system: out of range for the moisture column
    lots[6]["codigo"] = (
        "LOT-OLD-20230501100000-001"  # the same lot as producer_lots 1: linked, not duplicated
    )
    lots[7]["productor_id"] = 99  # a producer that does not exist: the lot has no producer company
    insert(db, "lotes_cacao", lots)
    insert(
        db,
        "registros_calidad",
        [
            {
                "id": i,
                "lote_id": i,
                "fecha": "2023-06-03 10:00:00",
                "humedad": 7.0,
                "fermentacion_pct": 80.5,
                "granos_por_100g": 95,
                "inspector": "Luis",
                "observaciones": "Buen corte",
            }
            for i in range(1, 9)
        ],
    )
    insert(
        db,
        "movimientos_secado",
        [
            {
                "id": i,
                "lote_id": i,
                "fecha_inicio": "2023-06-01 12:00:00",
                "fecha_fin": "2023-06-04 12:00:00",
                "peso_entrada_kg": 520.0,
                "peso_salida_kg": 455.0,
                "humedad_final": 7.2,
                "metodo": "marquesina",
            }
            for i in range(1, 9)
        ],
    )
    prices = [
        {"id": i, "fecha": day, "mercado": "ICE NY", "precio": close, "moneda": "USD", "unidad": "TM"}
        for i, (day, close) in enumerate(ICE_PRICES.items(), start=1)
    ]
    prices.append(
        {"id": 11, "fecha": "2024-10-15", "mercado": "ICE Londres", "precio": 5200, "moneda": "GBP"}
    )
    prices.append({"id": 12, "fecha": "2024-10-16", "mercado": "local", "precio": 310, "unidad": "qq"})
    insert(db, "precios_internacionales", prices)
    insert(db, "alembic_version", [{"version_num": "a1b2c3d4"}])
    insert(
        db,
        "blockchain_transactions",
        [{"tx_hash": f"0x{i:064x}", "kind": "mint", "payload": b"\x00\xff"} for i in (1, 2)],
    )
    insert(db, "notificaciones", [{"user_id": 1, "mensaje": f"aviso {i}"} for i in range(3)])
    db.commit()
    db.close()
    return path


# --- variant 2: layouts this release cannot map, and password formats the login cannot verify ---------------

UNVERIFIABLE_HASHES = {
    "bcrypt@old.test": ("bcrypt", "$2b$12$" + "a" * 53),
    "md5@old.test": ("md5-hex", hashlib.md5(b"secret").hexdigest()),  # noqa: S324 - a legacy format under test
    "sha1@old.test": ("sha1-hex", hashlib.sha1(b"secret").hexdigest()),  # noqa: S324 - a legacy format under test
    "legacy@old.test": ("werkzeug-legacy", "sha1$abcd$" + "0" * 40),
    "odd@old.test": ("unknown", "not a hash"),
    "nopass@old.test": ("none", None),
}


def build_unsupported_layouts(path: Path) -> Path:
    db = sqlite3.connect(path)
    older_core(db)
    db.execute("DROP TABLE producer_lots")  # lots were keyed by `codigo` before `lot_code`
    db.execute(
        "CREATE TABLE producer_lots (id INTEGER PRIMARY KEY, codigo VARCHAR(60), producer_company_id INTEGER)"
    )
    db.execute("CREATE TABLE precios_internacionales (id INTEGER PRIMARY KEY, fecha DATE, cierre_gbp REAL)")
    insert(db, "companies", [{"id": 1, "name": "Exportadora", "company_type": "exporter"}])
    insert(
        db,
        "users",
        [
            {"id": n, "email": email, "name": email, "password_hash": stored, "role": "exporter", "active": 1}
            for n, (email, (_, stored)) in enumerate(UNVERIFIABLE_HASHES.items(), start=1)
        ],
    )
    insert(db, "producer_lots", [{"id": i, "codigo": f"L-{i}", "producer_company_id": 1} for i in (1, 2)])
    insert(db, "precios_internacionales", [{"id": 1, "fecha": "2024-01-02", "cierre_gbp": 3500.0}])
    db.commit()
    db.close()
    return path
