"""A realistic dataset for `make bench`: 100 companies, users of every role, 10,000 lots (or as many as asked:
100,000 and 1,000,000 for the growth cases) with a trace event each, 1,000 contracts with fixations. Written in
bulk into the API's own tables (schema from its migrations): COPY on PostgreSQL, multi-row INSERTs on SQLite, the
lots and events generated in chunks so that a million of them never sit in memory at once."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection
from triboka_api.db import create_engine
from triboka_api.models import Company, ContractFixation, ExportContract, ProducerLot, TraceEvent, User
from triboka_api.security.passwords import hash_password
from triboka_api.settings import Settings

PASSWORD = "bench-password"
PRODUCERS, EXPORTERS, BUYERS = 60, 25, 15
LOTS, CONTRACTS, FIXATIONS_PER_CONTRACT = 10_000, 1_000, 2
CHUNK = 20_000  # rows generated and written at a time
BENCH_PRODUCER_LOTS = 50
GRADES = ("Premium", "A", "B", "C", "Standard")
STATUSES = ("available",) * 6 + ("purchased",) * 3 + ("batched",)
PLACES = ("Chone, Manabí", "Quevedo, Los Ríos", "Vinces, Los Ríos", "Esmeraldas", "El Carmen, Manabí")


@dataclass(frozen=True)
class Dataset:
    producer_email: str
    producer_company_id: int
    writer_email: str
    writer_company_id: int
    exporter_email: str
    exporter_company_id: int
    admin_email: str
    lot_code: str
    lot_id: int
    fixation_contract_id: int
    lots: int


async def _seed(settings: Settings, lot_count: int) -> Dataset:
    rng = random.Random(20261127)
    engine = create_engine(settings)
    now = datetime(2026, 11, 1)
    password_hash = hash_password(PASSWORD)
    companies = (
        [
            {"id": i + 1, "name": f"Cooperativa {i + 1:03d}", "company_type": "producer"}
            for i in range(PRODUCERS)
        ]
        + [
            {"id": PRODUCERS + i + 1, "name": f"Exportadora {i + 1:03d}", "company_type": "exporter"}
            for i in range(EXPORTERS)
        ]
        + [
            {"id": PRODUCERS + EXPORTERS + i + 1, "name": f"Chocolates {i + 1:03d}", "company_type": "buyer"}
            for i in range(BUYERS)
        ]
    )
    for c in companies:
        c |= {
            "country": "Ecuador",
            "email": f"info{c['id']}@example.com",
            "is_active": True,
            "created_at": now,
        }
    roles = [("admin", None), ("operator", None)] + [("producer", c["id"]) for c in companies[:PRODUCERS]]
    roles += [("exporter", c["id"]) for c in companies[PRODUCERS : PRODUCERS + EXPORTERS]]
    roles += [("buyer", c["id"]) for c in companies[PRODUCERS + EXPORTERS :]]
    users = [
        {
            "id": i + 1,
            "email": f"{role}{i + 1}@bench.example.com",
            "name": f"{role} {i + 1}",
            "role": role,
            "company_id": company,
            "password_hash": password_hash,
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        for i, (role, company) in enumerate(roles)
    ]
    producer_user, writer_user = [u for u in users if u["role"] == "producer"][:2]
    exporter_user = next(u for u in users if u["role"] == "exporter")
    bench_company = producer_user["company_id"]
    other_producers = [c["id"] for c in companies[1:PRODUCERS]]
    exporters = [c["id"] for c in companies[PRODUCERS : PRODUCERS + EXPORTERS]]

    def lot_rows(start: int, stop: int) -> list[dict]:
        rows = []
        for i in range(start, stop):
            company = bench_company if i < BENCH_PRODUCER_LOTS else rng.choice(other_producers)
            status = rng.choice(STATUSES)
            weight = Decimal(rng.randrange(200, 5000))
            bought = status != "available"
            rows.append(
                {
                    "id": i + 1,
                    "lot_code": lot_code(i),
                    "producer_company_id": company,
                    "producer_name": f"Cooperativa {company:03d}",
                    "farm_name": f"Finca {i}",
                    "location": rng.choice(PLACES),
                    "product_type": "Cacao CCN51",
                    "weight_kg": weight,
                    "quality_grade": rng.choice(GRADES),
                    "harvest_date": now - timedelta(days=rng.randrange(0, 365)),
                    "certifications": rng.choice(
                        ("Organic,Fair Trade", "Organic", "Rainforest Alliance", None)
                    ),
                    "status": status,
                    "purchase_date": now if bought else None,
                    "purchase_price_usd": weight * Decimal("2.6") if bought else None,
                    "purchased_by_company_id": rng.choice(exporters) if bought else None,
                    "created_by_user_id": producer_user["id"],
                    "created_at": now,
                    "updated_at": now,
                }
            )
        return rows

    def event_rows(lots: list[dict]) -> list[dict]:
        """One registration event per lot, on the lot's timeline (`GET /api/trace/timeline/lot/{id}`)."""
        return [
            {
                "id": lot["id"],
                "event_type": "lot_registered",
                "entity_type": "lot",
                "entity_id": str(lot["id"]),
                "title": "Lot registered",
                "actor_id": producer_user["id"],
                "status": "active",
                "is_public": True,
                "event_timestamp": lot["harvest_date"],
                "created_at": now,
                "updated_at": now,
            }
            for lot in lots
        ]

    contracts, fixations = [], []
    for i in range(CONTRACTS):
        exporter = exporter_user["company_id"] if i == 0 else rng.choice(exporters)
        total = Decimal(9_000_000_000) if i == 0 else Decimal(rng.randrange(50, 500))
        fixed = Decimal(0) if i == 0 else Decimal(10) * FIXATIONS_PER_CONTRACT
        contracts.append(
            {
                "id": i + 1,
                "contract_code": f"BENCH-{i + 1:05d}",
                "exporter_company_id": exporter,
                "buyer_company_id": companies[PRODUCERS + EXPORTERS + i % BUYERS]["id"],
                "product_type": "Cacao",
                "product_grade": "A",
                "total_volume_mt": total,
                "fixed_volume_mt": fixed,
                "differential_usd": Decimal(-150),
                "start_date": now,
                "end_date": now + timedelta(days=365),
                "status": rng.choice(("draft", "active")),
                "created_by_user_id": exporter_user["id"],
                "created_at": now,
                "updated_at": now,
            }
        )
        if i:
            fixations += [
                {
                    "export_contract_id": i + 1,
                    "fixed_quantity_mt": Decimal(10),
                    "spot_price_usd": Decimal(3200),
                    "differential_usd": Decimal(-150),
                    "total_value_usd": Decimal(30500),
                    "fixation_date": now,
                    "notes": "",
                    "created_by_user_id": exporter_user["id"],
                    "created_at": now,
                }
                for _ in range(FIXATIONS_PER_CONTRACT)
            ]
    sequences = (Company, User, ExportContract, ProducerLot, TraceEvent)
    async with engine.begin() as conn:
        for table, rows in (
            (Company, companies),
            (User, users),
            (ExportContract, contracts),
            (ContractFixation, fixations),
        ):
            await _write(conn, table.__table__, rows)
        for start in range(0, lot_count, CHUNK):
            lots = lot_rows(start, min(lot_count, start + CHUNK))
            await _write(conn, ProducerLot.__table__, lots)
            await _write(conn, TraceEvent.__table__, event_rows(lots))
        if conn.dialect.name == "postgresql":
            for table in sequences:
                name = table.__tablename__
                await conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                )
            await conn.exec_driver_sql("ANALYZE")
    await engine.dispose()
    return Dataset(
        producer_email=producer_user["email"],
        producer_company_id=bench_company,
        writer_email=writer_user["email"],
        writer_company_id=writer_user["company_id"],
        exporter_email=exporter_user["email"],
        exporter_company_id=exporter_user["company_id"],
        admin_email=users[0]["email"],
        lot_code=lot_code(min(BENCH_LOT, lot_count // 2)),
        lot_id=min(BENCH_LOT, lot_count // 2) + 1,
        fixation_contract_id=1,
        lots=lot_count,
    )


# a lot of another producer, at the same place in every dataset (a small one: its middle), for the single-object reads
BENCH_LOT = 4321


def lot_code(index: int) -> str:
    return f"LOT-BEN-{20250101000000 + index}"


async def _write(conn: AsyncConnection, table: Table, rows: list[dict]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw = (await conn.get_raw_connection()).driver_connection
        columns = list(rows[0])
        await raw.copy_records_to_table(
            table.name, columns=columns, records=[tuple(row[c] for c in columns) for row in rows]
        )
        return
    for start in range(0, len(rows), 2000):  # SQLite's limit on bound values per statement
        await conn.execute(insert(table), rows[start : start + 2000])


def seed(settings: Settings, lots: int = LOTS) -> Dataset:
    return asyncio.run(_seed(settings, lots))
