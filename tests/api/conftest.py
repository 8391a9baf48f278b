"""API contract tests run against the real app on a real database: every test module runs once on SQLite and
once on PostgreSQL (the `backend` parameter), each module on a freshly migrated database.

Use `world` to create companies and users of any role (it returns logged-in `Party` objects whose `headers`
carry a real JWT from POST /api/auth/login), and `client` (an httpx.AsyncClient on the ASGI app) to call it.
"""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from triboka_api.app import create_app
from triboka_api.migrate import upgrade
from triboka_api.models import Company, Deal, DealMember, User
from triboka_api.security import passwords
from triboka_api.security.passwords import hash_password
from triboka_api.settings import Settings

from tests.api.redis_server import REDIS_SERVER, RedisServer
from tests.support.postgres import admin_execute, pg_url_for
from tests.support.seaweedfs import S3Endpoint, running_seaweedfs

JWT_SECRET = "contract-tests-secret-0123456789abcdef"
# The suite logs hundreds of users in from one client; test_rate_limits.py sets tight limits itself. Production
# defaults stay as they are.
GENEROUS_LIMITS = {
    "rate_limit_default": "1000000/minute",
    "rate_limit_auth_account": "1000000/minute",
    "rate_limit_auth_ip": "1000000/minute",
}
PASSWORD = "Sup3r-secret!"
_sequence = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id at its production cost takes most of a second per hash on the shared 2-core machine, and these
    tests create and log in hundreds of users. They use the same Argon2id format and code paths (hash, verify,
    Werkzeug re-hash at login) with a cheap parameter set."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_argon2", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
    return request.param


@pytest.fixture(scope="session")
def migrated_template(backend: str, tmp_path_factory: pytest.TempPathFactory, pg_database_factory) -> str:
    """One database per backend and session that the migrations ran on; modules get copies of it (running
    Alembic once per module cost seconds each on the shared machine). SQLite: a file path; PostgreSQL: a name."""
    if backend == "sqlite":
        path = str(tmp_path_factory.mktemp("template") / "triboka.db")
        upgrade(Settings(database_url=f"sqlite+aiosqlite:///{path}", jwt_secret=JWT_SECRET))
        return path
    name = pg_database_factory("triboka_template")
    upgrade(Settings(database_url=pg_url_for(name, "postgresql+asyncpg"), jwt_secret=JWT_SECRET))
    return name


@pytest.fixture(scope="module")
def fresh_database(backend: str, migrated_template: str, tmp_path_factory: pytest.TempPathFactory):
    """A factory of freshly migrated, empty databases (copies of the template); dropped with the module."""
    created: list[str] = []

    def make(**overrides: Any) -> Settings:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("api") / "triboka.db"
            with (
                closing(sqlite3.connect(migrated_template)) as source,
                closing(sqlite3.connect(path)) as target,
            ):
                source.backup(target)
            url = f"sqlite+aiosqlite:///{path}"
        else:
            name = f"triboka_api_{uuid.uuid4().hex[:10]}"
            admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
            created.append(name)
            url = pg_url_for(name, "postgresql+asyncpg")
        defaults = {"user_cache_seconds": 0} | GENEROUS_LIMITS
        return Settings(database_url=url, jwt_secret=JWT_SECRET, **(defaults | overrides))

    yield make
    for name in created:
        admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def settings(fresh_database) -> Settings:
    """The module's database: freshly migrated and empty."""
    return fresh_database()


@pytest_asyncio.fixture(scope="module")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as c:
        yield c


@dataclass
class Party:
    """A logged-in user: its ids and the `Authorization` header to send."""

    id: int
    email: str
    role: str
    company_id: int | None
    token: str
    company_name: str | None = None
    headers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.headers = {"Authorization": f"Bearer {self.token}"}


class World:
    """Creates companies and users straight in the database, then logs users in through the API."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app, self.client = app, client

    async def company(self, company_type: str = "producer", name: str | None = None, **extra: Any) -> Company:
        n = next(_sequence)
        async with self.session() as session:
            company = Company(
                name=name or f"{company_type.capitalize()} Co {n} {uuid.uuid4().hex[:4]}",
                company_type=company_type,
                email=f"{company_type}{n}@example.com",
                **extra,
            )
            session.add(company)
            await session.commit()
            return company

    async def user(
        self,
        role: str,
        company: Company | bool | None = True,
        *,
        password: str = PASSWORD,
        active: bool = True,
        login: bool = True,
    ) -> Party:
        """A user of `role`; `company=True` gives it a new company of the matching type, None/False none."""
        if company is True:
            company = await self.company(role if role in {"producer", "exporter", "buyer"} else "exporter")
        n = next(_sequence)
        email = f"{role}{n}-{uuid.uuid4().hex[:6]}@example.com"
        async with self.app.state.sessionmaker() as session:
            user = User(
                email=email,
                name=f"{role.capitalize()} {n}",
                first_name=role.capitalize(),
                last_name=str(n),
                role=role,
                company_id=company.id if company else None,
                password_hash=hash_password(password),
                active=True,
            )
            session.add(user)
            await session.commit()
            user_id = user.id
        token = await self.login(email, password) if login else ""
        if not active:
            async with self.app.state.sessionmaker() as session:
                stored = await session.get(User, user_id)
                stored.active = False
                await session.commit()
        return Party(
            id=user_id,
            email=email,
            role=role,
            company_id=company.id if company else None,
            token=token,
            company_name=company.name if company else None,
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session on the module's database, for arranging rows the API cannot create (deals, states). Like a
        write through the API, it moves the analytics cache on: later reads see the arranged rows."""
        async with self.app.state.sessionmaker() as session:
            yield session
        await self.app.state.analytics_cache.invalidate()

    async def update(self, model: type, row_id: int, **values: Any) -> None:
        """Set columns of one row directly: states and data the API cannot produce (legacy rows, other owners)."""
        async with self.session() as session:
            row = await session.get(model, row_id)
            assert row is not None, (model, row_id)
            for key, value in values.items():
                setattr(row, key, value)
            await session.commit()

    async def set_active(self, party: Party, active: bool) -> None:
        async with self.session() as session:
            (await session.get(User, party.id)).active = active
            await session.commit()

    async def drop_user(self, party: Party) -> None:
        """Hard-delete the user row behind `party` (its token stays valid but names nobody)."""
        async with self.session() as session:
            await session.execute(delete(User).where(User.id == party.id))
            await session.commit()

    async def deal(
        self,
        admin: Party,
        *,
        producer_id: int | None = None,
        exporter_id: int | None = None,
        members: tuple[int, ...] = (),
        user_members: tuple[int, ...] = (),
    ) -> int:
        """A deal; `members` are company ids, `user_members` user ids (members of `party_type` user)."""
        async with self.session() as session:
            deal = Deal(
                deal_code=f"DEAL-{uuid.uuid4().hex[:8]}",
                admin_id=admin.id,
                producer_id=producer_id,
                exporter_id=exporter_id,
            )
            session.add(deal)
            await session.flush()
            for party_type, party_ids in (("company", members), ("user", user_members)):
                for party_id in party_ids:
                    session.add(
                        DealMember(
                            deal_id=deal.id, party_id=party_id, party_type=party_type, role_in_deal="observer"
                        )
                    )
            await session.commit()
            return deal.id

    async def login(self, email: str, password: str = PASSWORD) -> str:
        response = await self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    # Business objects through the API, for tests that need them as a starting point ----------------------------
    async def lot(self, producer: Party, **overrides: Any) -> dict[str, Any]:
        body = {
            "producer_company_id": producer.company_id,
            "farm_name": "Finca La Esperanza",
            "location": "Chone, Manabí",
            "product_type": "Cacao CCN51",
            "weight_kg": 1500,
            "quality_grade": "A",
            "harvest_date": "2025-10-01",
            "certifications": ["Organic", "Fair Trade"],
        }
        response = await self.client.post("/api/lots", json=body | overrides, headers=producer.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def purchased_lot(
        self, producer: Party, exporter: Party, price: float = 3000.0, **overrides: Any
    ) -> int:
        lot_id = (await self.lot(producer, **overrides))["lot_id"]
        response = await self.client.post(
            f"/api/lots/{lot_id}/purchase", json={"purchase_price_usd": price}, headers=exporter.headers
        )
        assert response.status_code == 200, response.text
        return lot_id

    async def contract(
        self, creator: Party, buyer_company_id: int, exporter_company_id: int, **overrides: Any
    ) -> dict[str, Any]:
        body = {
            "contract_code": f"C-{uuid.uuid4().hex[:10]}",
            "buyer_company_id": buyer_company_id,
            "exporter_company_id": exporter_company_id,
            "product_type": "Cacao",
            "product_grade": "A",
            "total_volume_mt": 100,
            "differential_usd": -150,
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
            "delivery_date": "2025-12-01",
        }
        response = await self.client.post("/api/contracts", json=body | overrides, headers=creator.headers)
        assert response.status_code == 201, response.text
        return response.json()["contract"]

    async def batch(self, exporter: Party, lot_ids: list[int], **overrides: Any) -> dict[str, Any]:
        body = {"source_lot_ids": lot_ids, "batch_type": "export", "location": "Guayaquil"} | overrides
        response = await self.client.post("/api/batches", json=body, headers=exporter.headers)
        assert response.status_code == 200, response.text
        return response.json()["batch"]

    async def fixation(
        self, actor: Party, contract_id: int, quantity: float, spot: float = 3000.0, **extra: Any
    ) -> int:
        response = await self.client.post(
            f"/api/contracts/{contract_id}/fixations",
            json={"fixed_quantity_mt": quantity, "spot_price_usd": spot} | extra,
            headers=actor.headers,
        )
        assert response.status_code == 201, response.text
        return response.json()["fixation_id"]

    async def dispatch(
        self, actor: Party, contract_id: int, batch_id: int, quantity: float = 0.5, **overrides: Any
    ) -> dict[str, Any]:
        body = {
            "contract_id": contract_id,
            "batch_id": batch_id,
            "quantity_mt": quantity,
            "destination_country": "USA",
            "shipping_date": "2025-11-01",
        } | overrides
        response = await self.client.post("/api/dispatches", json=body, headers=actor.headers)
        assert response.status_code == 201, response.text
        return response.json()["dispatch"]

    async def chain(self, lot_weights: tuple[float, ...] = (1500.0,), price: float = 3000.0) -> Chain:
        """A producer, an exporter and a buyer (each with a company), purchased lots, one batch of them, and a
        draft contract between the buyer and the exporter."""
        producer, exporter, buyer = [await self.user(r) for r in ("producer", "exporter", "buyer")]
        lot_ids = [await self.purchased_lot(producer, exporter, price, weight_kg=w) for w in lot_weights]
        batch = await self.batch(exporter, lot_ids)
        contract = await self.contract(exporter, buyer.company_id, exporter.company_id)
        return Chain(producer, exporter, buyer, lot_ids, batch, contract)


@dataclass
class Chain:
    producer: Party
    exporter: Party
    buyer: Party
    lot_ids: list[int]
    batch: dict[str, Any]
    contract: dict[str, Any]


@pytest_asyncio.fixture(scope="module")
async def world(app: FastAPI, client: httpx.AsyncClient) -> World:
    return World(app, client)


@pytest_asyncio.fixture(scope="module")
async def admin(world: World) -> Party:
    return await world.user("admin", company=None)


def fixture_path(name: str) -> Path:
    """The real first-generation databases in shared/fixtures."""
    return Path(__file__).resolve().parents[3] / "shared" / "fixtures" / name


@pytest.fixture(params=["memory", "redis"])
def cache_store(request: pytest.FixtureRequest) -> str | None:
    """The analytics cache's store for a test that runs on both: in-process (no Redis URL), or an empty Redis."""
    if request.param == "memory":
        return None
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    return server.url


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private redis-server for the session, started on first use."""
    if REDIS_SERVER is None:
        pytest.skip(
            "redis-server is not installed (scripts/ensure-redis installs it; make test-api runs that)"
        )
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["filesystem", "s3"])
def store_kind(request: pytest.FixtureRequest) -> str:
    """The object store of an upload test module (tests/api/file_stores.py): a directory, then a real S3."""
    return request.param


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    """A real SeaweedFS S3 server for the session (tests/support/seaweedfs.py), started on first use."""
    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server
