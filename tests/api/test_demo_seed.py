"""The first-run demo (`triboka-api seed-demo`): seeded through the API on an empty database, on both databases;
the data obeys the rules (statuses, weights, volumes, visibility) and every role finds something; a second run,
or a database that already has users, writes nothing."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from triboka_api import cli, demo_seed
from triboka_api.app import create_app
from triboka_api.demo_seed import MARKET_SOURCE, DemoLogin, seed_demo
from triboka_api.domain.roles import Role
from triboka_api.models import (
    BatchNft,
    Company,
    ContractFixation,
    Dispatch,
    ExportContract,
    MarketPrice,
    ProducerLot,
    TraceEvent,
    User,
)
from triboka_api.settings import Settings

from tests.api.helpers import assert_ok, bearer

COUNTED = (
    Company,
    User,
    ProducerLot,
    BatchNft,
    ExportContract,
    ContractFixation,
    Dispatch,
    TraceEvent,
    MarketPrice,
)


@asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield app, client


async def _counts(app: FastAPI) -> dict[str, int]:
    async with app.state.sessionmaker() as session:
        return {m.__name__: await session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


async def _login(client: httpx.AsyncClient, login: DemoLogin) -> dict[str, str]:
    body = {"email": login.email, "password": login.password}
    return bearer(assert_ok(await client.post("/api/auth/login", json=body))["access_token"])


async def test_seed_on_an_empty_database_then_nothing(fresh_database) -> None:
    async with _running(await asyncio.to_thread(fresh_database)) as (app, client):
        logins = await seed_demo(app, today=date(2026, 6, 15))
        assert logins is not None
        assert sorted(lo.role for lo in logins) == sorted(Role)
        assert len({lo.password for lo in logins}) == len(logins)  # random, one each
        headers = {lo.role: await _login(client, lo) for lo in logins}
        for role, h in headers.items():
            assert assert_ok(await client.get("/api/profile", headers=h))["role"] == role

        counts = await _counts(app)
        assert counts["Company"] == 4
        assert counts["User"] == len(Role)
        assert counts["TraceEvent"] > 20
        assert counts["MarketPrice"] > 30

        # lots through every status; what the producer lists is its own company's
        admin_lots = assert_ok(await client.get("/api/lots", headers=headers[Role.ADMIN]))
        assert {lot["status"] for lot in admin_lots} == {"available", "purchased", "batched"}
        producer_lots = assert_ok(await client.get("/api/lots", headers=headers[Role.PRODUCER]))
        assert producer_lots
        assert len(producer_lots) < len(admin_lots)
        assert len({lot["producer_company_id"] for lot in producer_lots}) == 1

        # the batch weighs its lots; dispatches carry no more than it holds
        [batch] = assert_ok(await client.get("/api/batches", headers=headers[Role.EXPORTER]))
        batched = [lot for lot in admin_lots if lot["status"] == "batched"]
        assert batch["total_weight_kg"] == sum(lot["weight_kg"] for lot in batched)
        dispatches = assert_ok(await client.get("/api/dispatches", headers=headers[Role.EXPORTER]))[
            "dispatches"
        ]
        assert {d["status"] for d in dispatches} == {"planned", "in_transit"}
        assert sum(d["quantity_mt"] for d in dispatches) <= batch["total_weight_kg"] / 1000

        # contracts: the buyer sees both; fixed volume is the sum of the fixations and within the contract
        contracts = assert_ok(await client.get("/api/contracts", headers=headers[Role.BUYER]))
        assert {c["status"] for c in contracts} == {"active", "draft"}
        for contract in contracts:
            detail = assert_ok(
                await client.get(f"/api/contracts/{contract['id']}", headers=headers[Role.BUYER])
            )
            fixed = sum(f["fixed_quantity_mt"] for f in detail["fixations"])
            assert detail["fixed_volume_mt"] == fixed
            assert 0 < fixed <= detail["total_volume_mt"]

        market = assert_ok(await client.get("/api/market/cacao-prices"))
        assert MARKET_SOURCE in str(market)
        # a lot's trace is public and verifiable
        lot_id = producer_lots[0]["id"]
        verify = assert_ok(await client.get(f"/api/public/trace/verify/lot/{lot_id}"))
        assert verify["verification_status"] == "verified"
        assert verify["total_events"] >= 4

        # the user role lists no party data (Δ 71); the operator manages every user
        assert assert_ok(await client.get("/api/lots", headers=headers[Role.USER])) == []
        assert len(assert_ok(await client.get("/api/users", headers=headers[Role.OPERATOR]))) == len(Role)

        assert await seed_demo(app) is None  # idempotent: the second run writes nothing
        assert await _counts(app) == counts


async def test_a_database_with_users_is_left_alone(fresh_database) -> None:
    async with _running(await asyncio.to_thread(fresh_database)) as (app, _):
        async with app.state.sessionmaker() as session:
            session.add(User(email="someone@example.com", name="Some One", role="user", active=True))
            await session.commit()
        before = await _counts(app)
        assert await seed_demo(app) is None
        assert await _counts(app) == before


def test_cli_keeps_the_logins_private_and_runs_once(
    fresh_database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fresh_database()
    monkeypatch.setenv("TRIBOKA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRIBOKA_JWT_SECRET", settings.jwt_secret.get_secret_value())
    credentials = tmp_path / "var" / "demo-credentials.txt"
    cli.main(["seed-demo", "--credentials-file", str(credentials)])
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    first = credentials.read_text()
    assert sorted(line.split()[0] for line in first.splitlines()) == sorted(Role)
    cli.main(["seed-demo", "--credentials-file", str(credentials)])
    assert credentials.read_text() == first  # nothing re-seeded, the logins kept


async def test_the_api_rules_apply_to_the_seed(fresh_database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo goes through the routes: a lot the API refuses (weight 0) stops the seed with the API's answer."""
    broken = demo_seed.LOTS[0]._replace(kg=0)
    monkeypatch.setattr(demo_seed, "LOTS", (broken, *demo_seed.LOTS[1:]))
    async with _running(await asyncio.to_thread(fresh_database)) as (app, _):
        with pytest.raises(demo_seed.SeedError, match=r"POST /api/lots -> 400: .*weight_kg"):
            await seed_demo(app)
