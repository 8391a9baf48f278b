"""A realistic dataset for `make bench`: 100 companies, users of every role, 10,000 lots, 1,000 contracts
with fixations. Written with bulk inserts through the API's own models (schema from its migrations)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert
from triboka_api.db import create_engine
from triboka_api.models import Company, ContractFixation, ExportContract, ProducerLot, User
from triboka_api.security.passwords import hash_password
from triboka_api.settings import Settings

PASSWORD = "bench-password"
PRODUCERS, EXPORTERS, BUYERS = 60, 25, 15
LOTS, CONTRACTS, FIXATIONS_PER_CONTRACT = 10_000, 1_000, 2
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
    fixation_contract_id: int


async def _seed(settings: Settings) -> Dataset:
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
    lots = []
    for i in range(LOTS):
        company = bench_company if i < BENCH_PRODUCER_LOTS else rng.choice(other_producers)
        status = rng.choice(STATUSES)
        weight = Decimal(rng.randrange(200, 5000))
        bought = status != "available"
        lots.append(
            {
                "id": i + 1,
                "lot_code": f"LOT-BEN-{20250101000000 + i}-{company:03d}",
                "producer_company_id": company,
                "producer_name": f"Cooperativa {company:03d}",
                "farm_name": f"Finca {i}",
                "location": rng.choice(PLACES),
                "product_type": "Cacao CCN51",
                "weight_kg": weight,
                "quality_grade": rng.choice(GRADES),
                "harvest_date": now - timedelta(days=rng.randrange(0, 365)),
                "certifications": rng.choice(("Organic,Fair Trade", "Organic", "Rainforest Alliance", None)),
                "status": status,
                "purchase_date": now if bought else None,
                "purchase_price_usd": weight * Decimal("2.6") if bought else None,
                "purchased_by_company_id": rng.choice(exporters) if bought else None,
                "created_by_user_id": producer_user["id"],
                "created_at": now,
                "updated_at": now,
            }
        )
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
    async with engine.begin() as conn:
        for table, rows in (
            (Company, companies),
            (User, users),
            (ExportContract, contracts),
            (ProducerLot, lots),
            (ContractFixation, fixations),
        ):
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(table.__table__), rows[start : start + 2000])
        if conn.dialect.name == "postgresql":
            for table in (Company, User, ExportContract, ProducerLot):
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
        lot_code=lots[4321]["lot_code"],
        fixation_contract_id=1,
    )


def seed(settings: Settings) -> Dataset:
    return asyncio.run(_seed(settings))
