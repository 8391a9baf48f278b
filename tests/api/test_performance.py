"""S-70..S-74: performance operations: the Redis caches (503 without Redis), the service's own metrics, missing
index suggestions read from the live schema (both databases), and S-74 gone (410)."""

from __future__ import annotations

import httpx
import pytest
from redis import Redis
from sqlalchemy import text

from tests.api.helpers import DICT, INT, STR, assert_error, assert_ok, assert_shape
from tests.api.redis_server import RedisServer
from tests.api.test_rate_limits import serving

OPS_ROUTES = [
    ("POST", "/api/performance/cache/clear"),
    ("GET", "/api/performance/cache/stats"),
    ("GET", "/api/performance/metrics"),
]
ADMIN_ROUTES = [("POST", "/api/performance/optimize/queries"), ("POST", "/api/performance/optimize/apply")]


async def test_roles(client, world) -> None:
    for role in ("exporter", "buyer", "producer", "user"):
        party = await world.user(role)
        for method, path in OPS_ROUTES + ADMIN_ROUTES:
            assert_error(await client.request(method, path, headers=party.headers), 403)
    operator = await world.user("operator", company=None)
    for method, path in ADMIN_ROUTES:
        assert_error(await client.request(method, path, headers=operator.headers), 403)
    assert_ok(await client.get("/api/performance/metrics", headers=operator.headers))


async def test_cache_routes_answer_503_without_redis(client, admin) -> None:
    for method, path in OPS_ROUTES[:2]:
        assert_error(await client.request(method, path, headers=admin.headers), 503, "redis")


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis_server.flush()
    return redis_server.url


async def test_cache_stats_and_clear_on_redis(settings, world, admin, redis_url) -> None:
    exporter = await world.user("exporter")
    other = Redis.from_url(redis_url)
    other.set("LIMITS:login:someone", 3)  # a rate-limit counter: not a cache, must survive S-70
    async with (
        serving(settings, redis_url=redis_url) as app,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as client,
    ):
        assert_ok(await client.get("/api/analytics/esg", headers=exporter.headers))
        stats = assert_ok(await client.get("/api/performance/cache/stats", headers=admin.headers))
        assert_shape(
            stats,
            {
                "redis_info": {
                    "version": STR,
                    "uptime_days": stats["redis_info"]["uptime_days"],
                    "connected_clients": INT,
                    "used_memory_human": STR,
                    "total_connections_received": INT,
                },
                "cache_stats": {"total_keys": INT, "keys_by_pattern": DICT},
            },
        )
        assert stats["cache_stats"]["keys_by_pattern"]["triboka:analytics:*"] >= 1
        assert stats["cache_stats"]["keys_by_pattern"]["LIMITS:login:*"] >= 1
        body = assert_ok(await client.post("/api/performance/cache/clear", headers=admin.headers))
        assert_shape(body, {"message": STR})
        assert other.keys("triboka:analytics:[0-9]*") == []  # cached figures (the generation counter stays)
        assert other.get("LIMITS:login:someone") == b"3"
    other.close()


async def test_metrics_come_from_the_registry(client, admin) -> None:
    before = assert_ok(await client.get("/api/performance/metrics", headers=admin.headers))
    assert set(before) == {"system_metrics", "endpoint_metrics", "timestamp"}
    route = "GET /api/blockchain/status"
    seen = before["endpoint_metrics"].get(route, {}).get("requests", 0)
    for _ in range(3):
        assert_ok(await client.get("/api/blockchain/status", headers=admin.headers))
    after = assert_ok(await client.get("/api/performance/metrics", headers=admin.headers))
    entry = after["endpoint_metrics"][route]
    assert entry["requests"] == seen + 3
    assert entry["by_status"]["200"] >= 3
    assert entry["avg_latency_ms"] > 0
    assert after["system_metrics"]["requests_total"] > before["system_metrics"]["requests_total"]


async def test_index_suggestions_follow_the_live_schema(client, world, admin) -> None:
    body = assert_ok(await client.post("/api/performance/optimize/queries", headers=admin.headers))
    assert_shape(body, {"message": STR, "optimizations_found": INT, "optimizations": body["optimizations"]})
    before = {(o["table"], tuple(o["columns"])) for o in body["optimizations"]}
    assert ("producer_lots", ("batch_id",)) not in before
    async with world.session() as session:
        await session.execute(text("DROP INDEX ix_producer_lots_batch_id"))
        await session.commit()
    try:
        body = assert_ok(await client.post("/api/performance/optimize/queries", headers=admin.headers))
        found = [
            o for o in body["optimizations"] if o["table"] == "producer_lots" and o["columns"] == ["batch_id"]
        ]
        assert found == [
            {
                "type": "missing_index",
                "table": "producer_lots",
                "index": "ix_producer_lots_batch_id",
                "columns": ["batch_id"],
                "recommendation": "CREATE INDEX ix_producer_lots_batch_id ON producer_lots (batch_id)",
            }
        ]
        assert body["optimizations_found"] == len(before) + 1
    finally:
        async with world.session() as session:
            await session.execute(text("CREATE INDEX ix_producer_lots_batch_id ON producer_lots (batch_id)"))
            await session.commit()


async def test_apply_is_gone(client, admin) -> None:
    response = await client.post(
        "/api/performance/optimize/apply",
        json={"optimizations": [{"recommendation": "DROP TABLE users"}]},
        headers=admin.headers,
    )
    assert_error(response, 410, "migration")
    assert_ok(await client.get("/api/users", headers=admin.headers))
