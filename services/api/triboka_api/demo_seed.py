"""The first-run demo (`triboka-api seed-demo`, called by `make run`): a small, realistic supply chain.

Only the bootstrap that has no endpoint is written through the models: the companies (the contract has no
company endpoint, §4.4) and the first admin (as `create-admin` does). Everything else goes through the API's own
routes, in-process, as the user whose job it is (the producer registers its lots, the exporter buys them, builds a
batch, signs and fixes a contract, dispatches; the admin records market prices), so the data obeys every rule the
API enforces. A database that already has users is left alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from triboka_api.domain.roles import Role
from triboka_api.models import Company, User
from triboka_api.security.passwords import hash_password

DEMO_DOMAIN = "triboka.local"
MARKET_DAYS = 60
MARKET_SOURCE = "demo seed (ICE-like daily closes)"


class SeedError(Exception):
    """The API refused a step of the demo: the seed's data broke a rule (a bug in this module)."""


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


@dataclass(frozen=True)
class _DemoCompany:
    name: str
    company_type: str
    country: str


COMPANIES = {
    "producer": _DemoCompany("Cooperativa Agrícola Valle del Río", "producer", "Ecuador"),
    "producer2": _DemoCompany("Asociación Fortaleza del Valle", "producer", "Ecuador"),
    "exporter": _DemoCompany("Andes Cacao Export S.A.", "exporter", "Ecuador"),
    "buyer": _DemoCompany("Chocolaterie Lumière B.V.", "buyer", "Netherlands"),
}
# role -> (first name, last name, company key or None)
PEOPLE: dict[Role, tuple[str, str, str | None]] = {
    Role.ADMIN: ("Ana", "Administradora", None),
    Role.OPERATOR: ("Oscar", "Operaciones", None),
    Role.EXPORTER: ("Elena", "Exportadora", "exporter"),
    Role.BUYER: ("Bram", "de Vries", "buyer"),
    Role.PRODUCER: ("Pedro", "Cedeño", "producer"),
    Role.USER: ("Lucía", "Visitante", None),
}
FINO, CCN51 = "Cacao Nacional Fino de Aroma", "Cacao CCN51"


class _DemoLot(NamedTuple):
    farm: str
    location: str
    product: str
    kg: float
    grade: str
    harvested_days_ago: int
    certifications: tuple[str, ...]
    owner: str  # a key of COMPANIES


LOTS = (
    _DemoLot("Finca La Esperanza", "Chone, Manabí", FINO, 1800, "Premium", 95, ("Organic",), "producer"),
    _DemoLot("Finca El Cedro", "Chone, Manabí", CCN51, 2400, "A", 88, ("Rainforest Alliance",), "producer"),
    _DemoLot("Finca San José", "Flavio Alfaro", FINO, 1500, "A", 80, ("Organic", "Fair Trade"), "producer"),
    _DemoLot("Finca Los Guayacanes", "Calceta, Manabí", CCN51, 2100, "B", 72, (), "producer"),
    _DemoLot("Finca Buena Vista", "Chone, Manabí", FINO, 1200, "Premium", 40, ("Organic",), "producer"),
    _DemoLot("Finca Río Verde", "Quevedo, Los Ríos", CCN51, 3000, "A", 60, ("Fair Trade",), "producer2"),
    _DemoLot("Finca Santa Rosa", "Vinces, Los Ríos", FINO, 1600, "High", 30, ("Organic",), "producer2"),
    _DemoLot("Finca El Paraíso", "Baba, Los Ríos", CCN51, 2000, "Standard", 12, (), "producer2"),
)
PURCHASED = (0, 1, 2, 3, 5)  # indexes into LOTS the exporter buys; 4, 6 and 7 stay available
BATCHED = (0, 1, 2)  # of the purchased, into one export batch
PRICE_USD_PER_KG = {"Premium": 3.4, "High": 3.1, "A": 2.9, "B": 2.6, "Standard": 2.5}


class _Caller:
    """One demo user talking to the in-process API with its token."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self._client, self._headers = client, {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self._client.request(method, path, json=body, headers=self._headers)
        if response.status_code >= 300:
            raise SeedError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()


async def database_is_empty(app: FastAPI) -> bool:
    async with app.state.sessionmaker() as session:
        return not (await session.scalar(select(func.count(User.id)))) and not (
            await session.scalar(select(func.count(Company.id)))
        )


async def _bootstrap(app: FastAPI, admin: DemoLogin) -> dict[str, int]:
    """The companies and the first admin, which no endpoint creates; their ids by company key."""
    first, last, _ = PEOPLE[Role.ADMIN]
    async with app.state.sessionmaker() as session:
        companies = {
            key: Company(
                name=c.name,
                company_type=c.company_type,
                country=c.country,
                email=f"contact-{key}@{DEMO_DOMAIN}",
            )
            for key, c in COMPANIES.items()
        }
        session.add_all(companies.values())
        session.add(
            User(
                email=admin.email,
                first_name=first,
                last_name=last,
                name=f"{first} {last}",
                role=Role.ADMIN,
                password_hash=hash_password(admin.password),
                active=True,
            )
        )
        await session.commit()
        return {key: company.id for key, company in companies.items()}


async def _login(client: httpx.AsyncClient, login: DemoLogin) -> _Caller:
    response = await client.post("/api/auth/login", json={"email": login.email, "password": login.password})
    if response.status_code != 200:
        raise SeedError(f"demo login {login.email} -> {response.status_code}: {response.text}")
    return _Caller(client, response.json()["access_token"])


def _logins() -> dict[Role, DemoLogin]:
    return {role: DemoLogin(role, f"{role}@{DEMO_DOMAIN}", secrets.token_urlsafe(12)) for role in PEOPLE}


async def _market_prices(admin: _Caller, today: date) -> None:
    """Weekday closes of the last MARKET_DAYS days: a gentle deterministic wave around 7,400 USD/MT."""
    for days_ago in range(MARKET_DAYS, 0, -1):
        day = today - timedelta(days=days_ago)
        if day.weekday() < 5:
            close = 7400 + 35 * ((days_ago * 7) % 23 - 11) - 4 * days_ago
            body = {"price_date": day.isoformat(), "close_usd_per_mt": close, "source": MARKET_SOURCE}
            await admin.call("POST", "/api/market/prices", body)


async def _trace(
    actor: _Caller, entity: str, entity_id: int, steps: list[tuple[str, str, dict[str, Any]]]
) -> None:
    for event_type, title, measurements in steps:
        body = {
            "event_type": event_type,
            "entity_type": entity,
            "entity_id": entity_id,
            "title": title,
            "measurements": measurements,
        }
        await actor.call("POST", "/api/trace/event", body)


async def seed_demo(app: FastAPI, today: date | None = None) -> list[DemoLogin] | None:
    """Seed the demo into the app's database (its lifespan running) and return the logins; None, and nothing
    written, when the database already has users or companies."""
    if not await database_is_empty(app):
        return None
    today = today or date.today()
    logins = _logins()
    company_ids = await _bootstrap(app, logins[Role.ADMIN])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://seed") as client:
        admin = await _login(client, logins[Role.ADMIN])
        for role, login in logins.items():
            if role != Role.ADMIN:
                first, last, company = PEOPLE[role]
                body = {
                    "email": login.email,
                    "first_name": first,
                    "last_name": last,
                    "role": role.value,
                    "company_id": company_ids[company] if company else None,
                    "password": login.password,
                }
                await admin.call("POST", "/api/users", body)
        producer = await _login(client, logins[Role.PRODUCER])
        exporter = await _login(client, logins[Role.EXPORTER])
        await _market_prices(admin, today)
        await _supply_chain(admin, producer, exporter, company_ids, today)
    return list(logins.values())


async def _supply_chain(
    admin: _Caller, producer: _Caller, exporter: _Caller, company_ids: dict[str, int], today: date
) -> None:
    lot_ids = []
    for lot in LOTS:
        body = {
            "producer_company_id": company_ids[lot.owner],
            "farm_name": lot.farm,
            "location": lot.location,
            "product_type": lot.product,
            "weight_kg": lot.kg,
            "quality_grade": lot.grade,
            "harvest_date": (today - timedelta(days=lot.harvested_days_ago)).isoformat(),
            "certifications": list(lot.certifications),
        }
        registrar = producer if lot.owner == "producer" else admin  # the second cooperative has no demo login
        lot_id = (await registrar.call("POST", "/api/lots", body))["lot_id"]
        lot_ids.append(lot_id)
        await _trace(
            registrar,
            "lot",
            lot_id,
            [
                ("harvest", f"Cosecha en {lot.farm}", {"weight_kg": lot.kg}),
                ("fermentation", "Fermentación en cajones", {"days": 6, "temperature_c": 47}),
                ("drying", "Secado al sol", {"days": 5, "moisture_pct": 7.2}),
                ("quality_check", "Prueba de corte", {"fermented_pct": 82, "moisture_pct": 7.0}),
            ],
        )
    for index in PURCHASED:
        price = round(LOTS[index].kg * PRICE_USD_PER_KG[LOTS[index].grade], 2)
        await exporter.call("POST", f"/api/lots/{lot_ids[index]}/purchase", {"purchase_price_usd": price})
        await _trace(exporter, "lot", lot_ids[index], [("reception", "Recepción en bodega de Guayaquil", {})])
    batch_body = {
        "source_lot_ids": [lot_ids[i] for i in BATCHED],
        "batch_type": "export",
        "location": "Guayaquil",
    }
    batch_id = (await exporter.call("POST", "/api/batches", batch_body))["batch"]["id"]
    await _trace(exporter, "batch", batch_id, [("export", "Contenedor consolidado para exportación", {})])
    await _contracts_and_dispatches(exporter, company_ids, batch_id, today)


async def _contracts_and_dispatches(
    exporter: _Caller, company_ids: dict[str, int], batch_id: int, today: date
) -> None:
    year = today.year
    parties = {"buyer_company_id": company_ids["buyer"], "exporter_company_id": company_ids["exporter"]}
    signed = {
        "contract_code": f"CTR-{year}-001",
        "product_type": "Cacao Nacional Fino de Aroma",
        "product_grade": "Premium",
        "total_volume_mt": 120,
        "differential_usd": 250,
        "start_date": (today - timedelta(days=90)).isoformat(),
        "end_date": (today + timedelta(days=270)).isoformat(),
        "delivery_date": (today + timedelta(days=120)).isoformat(),
    } | parties
    draft = signed | {
        "contract_code": f"CTR-{year}-002",
        "product_type": "Cacao CCN51",
        "product_grade": "A",
        "total_volume_mt": 60,
        "differential_usd": -120,
    }
    signed_id = (await exporter.call("POST", "/api/contracts", signed))["contract"]["id"]
    draft_id = (await exporter.call("POST", "/api/contracts", draft))["contract"]["id"]
    await exporter.call("PUT", f"/api/contracts/{signed_id}/status", {"status": "active"})
    for contract_id, quantity, spot, notes in (
        (signed_id, 40, 7350, "Primera fijación, contrato marco"),
        (signed_id, 25, 7520, "Segunda fijación"),
        (draft_id, 10, 7410, "Fijación anticipada"),
    ):
        body = {"fixed_quantity_mt": quantity, "spot_price_usd": spot, "notes": notes}
        await exporter.call("POST", f"/api/contracts/{contract_id}/fixations", body)
    await _trace(
        exporter, "contract", signed_id, [("contract_signed", "Contrato firmado con el comprador", {})]
    )
    shipped = {
        "contract_id": signed_id,
        "batch_id": batch_id,
        "quantity_mt": 3.5,
        "destination_country": "Netherlands",
        "destination_port": "Rotterdam",
        "destination_company": COMPANIES["buyer"].name,
        "carrier_name": "Maersk",
        "vessel_name": "Maersk Guayaquil",
        "shipping_date": (today - timedelta(days=10)).isoformat(),
        "estimated_delivery_date": (today + timedelta(days=12)).isoformat(),
        "freight_cost_usd": 2800,
    }
    shipped_id = (await exporter.call("POST", "/api/dispatches", shipped))["dispatch"]["id"]
    await exporter.call("PUT", f"/api/dispatches/{shipped_id}", {"status": "in_transit"})
    planned = shipped | {"quantity_mt": 1.0, "shipping_date": (today + timedelta(days=20)).isoformat()}
    planned |= {"estimated_delivery_date": (today + timedelta(days=42)).isoformat(), "vessel_name": None}
    await exporter.call("POST", "/api/dispatches", planned)
