"""The analytics cache behind the C-47..C-50 dashboards (only when shared: Redis) and C-51 market prices (see
`triboka_api.api.cached`): no answer reaches another tenant, and a write through the API is seen by the next
read. Each test runs with the in-process cache and with Redis, on both databases, against a server whose cache
keeps figures for ten minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send
from triboka_api.models import ProducerLot

from tests.api.conftest import Party, World
from tests.api.helpers import assert_ok
from tests.api.test_rate_limits import serving

CACHED = {"analytics_cache_seconds": 600}


@asynccontextmanager
async def client_of(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as client:
        yield client


async def _get(client: httpx.AsyncClient, party: Party, path: str) -> dict:
    return assert_ok(await client.get(path, headers=party.headers))


async def test_dashboards_never_leak_to_another_company(settings, world, cache_store) -> None:
    # two supply chains of different sizes: every figure of one differs from the other's
    first, second = await world.chain(), await world.chain(lot_weights=(700.0, 900.0))
    await world.fixation(second.exporter, second.contract["id"], 7)
    asked = [
        ("/api/dashboard/producer", "producer"),
        ("/api/dashboard/exporter", "exporter"),
        ("/api/analytics/dashboard", "producer"),
        ("/api/analytics/dashboard", "exporter"),
        ("/api/analytics/dashboard", "buyer"),
    ]
    async with (
        serving(settings, redis_url=cache_store, **CACHED) as app,
        serving(settings, analytics_cache_seconds=0) as uncached,
        client_of(app) as client,
        client_of(uncached) as truth,
    ):
        for path, role in asked:
            a, b = getattr(first, role), getattr(second, role)
            # in turn, twice: the second round is served from the cache
            for _ in range(2):
                seen_a, seen_b = await _get(client, a, path), await _get(client, b, path)
                assert seen_a == await _get(truth, a, path), (path, role)
                assert seen_b == await _get(truth, b, path), (path, role)
                assert seen_a != seen_b, (path, role)


async def test_a_write_through_the_api_is_seen_by_the_next_read(settings, world, admin, cache_store) -> None:
    chain = await world.chain()
    async with serving(settings, redis_url=cache_store, **CACHED) as app, client_of(app) as client:
        served = World(app, client)  # its writes go through the cached server
        producer = await _get(client, chain.producer, "/api/dashboard/producer")
        # a change behind the API's back: a shared (Redis) cache keeps serving the cached answer (the cache is
        # really on); the in-process one never holds dashboards (another worker may have taken the write)
        await world.update(ProducerLot, chain.lot_ids[0], weight_kg=1)
        again = await _get(client, chain.producer, "/api/dashboard/producer")
        assert (again == producer) == (cache_store is not None)

        await served.lot(chain.producer, weight_kg=250)  # a lot
        after = (await _get(client, chain.producer, "/api/dashboard/producer"))["metrics"]
        assert after["total_lots"] == producer["metrics"]["total_lots"] + 1
        assert after["total_weight_kg"] == producer["metrics"]["total_weight_kg"] - 1500 + 1 + 250

        summary = await _get(client, chain.exporter, "/api/analytics/dashboard")
        await served.contract(chain.exporter, chain.buyer.company_id, chain.exporter.company_id)  # a contract
        after = await _get(client, chain.exporter, "/api/analytics/dashboard")
        assert after["my_contracts"] == summary["my_contracts"] + 1
        await served.fixation(chain.exporter, chain.contract["id"], 5)  # a fixation
        fixed = await _get(client, chain.exporter, "/api/analytics/dashboard")
        assert fixed["fixed_volume_mt"] == after["fixed_volume_mt"] + 5

        prices = assert_ok(await client.get("/api/market/cacao-prices"))
        assert assert_ok(await client.get("/api/market/cacao-prices"))["timestamp"] == prices["timestamp"]
        close = prices["spot"]["price"] + 123.0
        recorded = await client.post(  # a price
            "/api/market/prices",
            json={"price_date": datetime.now(UTC).date().isoformat(), "close_usd_per_mt": close},
            headers=admin.headers,
        )
        assert_ok(recorded, 201)
        assert assert_ok(await client.get("/api/market/cacao-prices"))["spot"]["price"] == close


async def test_the_generation_moves_before_the_writes_answer_starts(settings, world, cache_store) -> None:
    """A client may read the instant it sees a write's answer (on the same connection, or through another worker):
    by the time the answer starts, the figures of before are gone. A refused write keeps them."""
    chain = await world.chain()
    async with serving(settings, redis_url=cache_store, **CACHED) as app:
        cache = app.state.analytics_cache
        seen: list[object] = []

        async def watching(scope: Scope, receive: Receive, send: Send) -> None:
            async def at_start(message: Message) -> None:
                if message["type"] == "http.response.start":
                    seen.append(await cache.get("probe"))
                await send(message)

            await app(scope, receive, at_start)

        transport = httpx.ASGITransport(app=watching)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            served = World(app, client)
            await cache.put("probe", {"computed": "before"})
            refused = await client.post("/api/lots", json={}, headers=chain.producer.headers)
            assert refused.status_code == 400
            await served.lot(chain.producer, weight_kg=250)
    assert seen == [{"computed": "before"}, None]
