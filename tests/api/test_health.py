"""C-01 `GET /api/health` and C-02 `GET /health`: a DB round trip, 200 or 503 with the same shape."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from triboka_api.database_probe import DatabaseProbe

from tests.api.helpers import DT, assert_shape, naive

HEALTH = {
    "status": "ok",
    "service": "Triboka Agro API",
    "database": "healthy",
    "blockchain": "not_configured",
    "timestamp": DT,
    "version": "2.0.0",
}

PATHS = ["/api/health", "/health"]


@pytest.mark.parametrize("path", PATHS)
async def test_health_ok(client, path) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert_shape(body, HEALTH)
    # Server local time (ORIG), naive.
    assert abs(naive(body["timestamp"]) - datetime.now()) < timedelta(minutes=5)


async def test_alias_has_the_identical_contract(client) -> None:
    first, second = (await client.get("/api/health")).json(), (await client.get("/health")).json()
    first.pop("timestamp"), second.pop("timestamp")
    assert first == second


@pytest.mark.parametrize("path", PATHS)
async def test_health_503_when_the_database_does_not_answer(app, client, path) -> None:
    healthy_probe = app.state.database_probe
    dead = create_async_engine("postgresql+asyncpg://nobody:nothing@127.0.0.1:9/none")
    app.state.database_probe = DatabaseProbe(dead)
    try:
        response = await client.get(path)
    finally:
        app.state.database_probe = healthy_probe
        await dead.dispose()
    assert response.status_code == 503
    assert_shape(response.json(), HEALTH | {"status": "error", "database": "unhealthy"})
    assert (await client.get(path)).status_code == 200
