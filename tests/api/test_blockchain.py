"""S-11, S-12: a build without a chain says so (§1.7) and invents nothing (both need a JWT: test_jwt.py)."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_ok

NO_CHAIN = {
    "connected": False,
    "network": None,
    "chain_id": None,
    "account": None,
    "balance": 0.0,
    "contracts_loaded": 0,
    "contracts": [],
    "simulation_mode": False,
}


@pytest.mark.parametrize("role", ["admin", "exporter", "user"])
async def test_status_and_transactions(client, world, role) -> None:
    party = await world.user(role)
    assert assert_ok(await client.get("/api/blockchain/status", headers=party.headers)) == NO_CHAIN
    assert assert_ok(await client.get("/api/blockchain/transactions", headers=party.headers)) == []
