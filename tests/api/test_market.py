"""C-51 `GET /api/market/cacao-prices` (no network: a database-backed provider behind a cache), the admin write
extension `POST /api/market/prices`, and the differential table.

The tests of this module run in file order on one database: first with no data at all (the SPEC fallbacks), then
with priced lots, then with recorded closes.
"""

from __future__ import annotations

import math
import statistics
from datetime import timedelta

import pytest
from triboka_api.domain.market import differential_type
from triboka_api.models import ExportContract, ProducerLot

from tests.api.helpers import DT, INT, NUM, STR, ListOf, assert_error, assert_ok, assert_shape, naive, utcnow

RANGE = {"min": INT, "max": INT, "unit": "USD/MT", "description": STR}
MARKET = {
    "spot": {"price": NUM, "change": NUM, "currency": "USD", "unit": "MT", "source": STR},
    "contracts": {"avgPrice": NUM, "activeCount": INT, "totalVolume": NUM},
    "fixed": {"avgPrice": NUM, "volume": NUM},
    "differential": {"value": NUM, "percent": NUM, "status": STR, "type": STR, "explanation": STR},
    "market": {"rangeMin": NUM, "rangeMax": NUM, "volatility": NUM},
    "business_logic": {
        "differential_producers": RANGE,
        "differential_exporters": RANGE,
        "expected_margin": RANGE,
        "pricing_model": STR,
        "factors": ListOf(STR),
        "fixing_logic": STR,
    },
    "timestamp": DT,
    "source": STR,
    "data_points": {"lots_analyzed": INT, "contracts_active": INT, "total_fixed_mt": NUM},
}


async def _prices(client) -> dict:
    body = assert_ok(await client.get("/api/market/cacao-prices"))
    assert_shape(body, MARKET)
    return body


async def _record(client, party, days_ago: int, close: float, source: str = "ICE settlement"):
    day = (utcnow().date() - timedelta(days=days_ago)).isoformat()
    body = {"price_date": day, "close_usd_per_mt": close, "source": source}
    return await client.post("/api/market/prices", json=body, headers=party.headers)


async def _lot_average(client, admin, spot: float) -> float:
    """The SPEC's contracts.avgPrice from the lots as the API lists them."""
    lots = assert_ok(await client.get("/api/lots", headers=admin.headers))
    prices = [
        lot["purchase_price_usd"] / (lot["weight_kg"] / 1000)
        for lot in lots
        if lot["status"] in ("purchased", "batched")
        and lot["purchase_price_usd"] is not None
        and lot["weight_kg"]
    ]
    return round(statistics.fmean(prices), 2) if prices else spot - 1100


async def test_fallbacks_without_any_data(client) -> None:
    body = await _prices(client)
    assert body | {"timestamp": "", "source": ""} == {
        "spot": body["spot"] | {"price": 3250.0, "change": 0.0, "currency": "USD", "unit": "MT"},
        "contracts": {"avgPrice": 2150.0, "activeCount": 0, "totalVolume": 0},
        "fixed": {"avgPrice": 2150.0, "volume": 0},
        "differential": body["differential"] | {"value": -1100.0, "percent": -33.85, "type": "exporter"},
        "market": {"rangeMin": 2762.5, "rangeMax": 4225.0, "volatility": 15.0},
        "business_logic": body["business_logic"],
        "timestamp": "",
        "source": "",
        "data_points": {"lots_analyzed": 0, "contracts_active": 0, "total_fixed_mt": 0},
    }
    logic = body["business_logic"]
    assert (logic["differential_producers"]["min"], logic["differential_producers"]["max"]) == (-1600, -1400)
    assert (logic["differential_exporters"]["min"], logic["differential_exporters"]["max"]) == (-1200, -1000)
    assert (logic["expected_margin"]["min"], logic["expected_margin"]["max"]) == (300, 600)
    assert len(logic["factors"]) == 4
    assert abs(naive(body["timestamp"]) - utcnow()) < timedelta(minutes=5)  # UTC


async def test_deterministic(client) -> None:
    first, second = await _prices(client), await _prices(client)
    first.pop("timestamp"), second.pop("timestamp")
    assert first == second


async def test_priced_lots_and_active_contracts(client, world, admin) -> None:
    producer, exporter, buyer = (
        await world.user("producer"),
        await world.user("exporter"),
        await world.user("buyer"),
    )
    await world.purchased_lot(producer, exporter, 3000, weight_kg=1500)  # 2000 USD/MT
    b = await world.purchased_lot(producer, exporter, 1500, weight_kg=500)  # 3000 USD/MT
    await world.batch(exporter, [b])  # batched lots still count
    await world.lot(producer)  # available: not priced
    zero = await world.purchased_lot(producer, exporter, 10)
    await world.update(ProducerLot, zero, weight_kg=0)  # no weight: not priced
    body = await _prices(client)
    assert body["contracts"] == {"avgPrice": 2500.0, "activeCount": 2, "totalVolume": 2.0}  # unweighted mean
    assert body["fixed"] == {"avgPrice": 2500.0, "volume": 2.0}
    assert (body["differential"]["value"], body["differential"]["percent"]) == (-750.0, -23.08)
    assert body["differential"]["type"] == "competitive"
    assert body["data_points"] == {"lots_analyzed": 2, "contracts_active": 0, "total_fixed_mt": 2.0}
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id, total_volume_mt=100)
    await world.contract(
        exporter, buyer.company_id, exporter.company_id, total_volume_mt=40
    )  # draft: not counted
    url = f"/api/contracts/{contract['id']}/status"
    assert_ok(await client.put(url, json={"status": "active"}, headers=exporter.headers))
    body = await _prices(client)
    assert (body["contracts"]["activeCount"], body["contracts"]["totalVolume"]) == (1, 100.0)
    assert body["data_points"]["contracts_active"] == 1
    pending = await world.contract(exporter, buyer.company_id, exporter.company_id, total_volume_mt=25.5)
    await world.update(ExportContract, pending["id"], status="pending")
    body = await _prices(client)
    assert (body["contracts"]["activeCount"], body["contracts"]["totalVolume"]) == (2, 125.5)


async def test_recorded_closes_drive_spot_change_range_and_volatility(client, admin) -> None:
    before = await _prices(client)
    assert before["spot"]["price"] == 3250.0
    assert_ok(await _record(client, admin, 500, 9000), 201)  # older than a year: outside the range
    assert_ok(await _record(client, admin, 2, 3000), 201)
    assert_ok(await _record(client, admin, 1, 3300), 201)
    body = await _prices(client)
    assert (body["spot"]["price"], body["spot"]["change"]) == (3300.0, 10.0)
    assert (body["market"]["rangeMin"], body["market"]["rangeMax"]) == (3000.0, 3300.0)
    created = await _record(client, admin, 0, 3135.0)
    assert_shape(
        assert_ok(created, 201), {"message": STR, "price_date": STR, "close_usd_per_mt": NUM, "source": STR}
    )
    body = await _prices(client)
    assert (body["spot"]["price"], body["spot"]["change"]) == (3135.0, -5.0)
    returns = [0.1, (3135 - 3300) / 3300]
    assert body["market"] == {
        "rangeMin": 3000.0,
        "rangeMax": 3300.0,
        "volatility": round(statistics.stdev(returns) * 100 * math.sqrt(252), 2),
    }
    average = await _lot_average(client, admin, spot=3135.0)
    assert body["contracts"]["avgPrice"] == average
    assert body["differential"]["value"] == round(average - 3135.0, 2)
    assert body["differential"]["percent"] == round((average - 3135.0) / 3135.0 * 100, 2)
    # Correcting a day replaces its close.
    assert_ok(await _record(client, admin, 0, 3630.0), 201)
    body = await _prices(client)
    assert (body["spot"]["price"], body["spot"]["change"], body["market"]["rangeMax"]) == (
        3630.0,
        10.0,
        3630.0,
    )


async def test_record_price_rules(client, world) -> None:
    operator = await world.user("operator", company=None)
    assert_ok(await _record(client, operator, 3, 3100), 201)
    for role in ("exporter", "buyer", "producer", "user"):
        party = await world.user(role)
        assert_error(await _record(client, party, 3, 3100), 403)
        assert_error(await client.post("/api/market/prices", json={}, headers=party.headers), 403)
    for body, field in (
        ({}, "price_date"),
        ({"price_date": "2025-01-01"}, "close_usd_per_mt"),
        ({"price_date": "yesterday", "close_usd_per_mt": 1}, "price_date"),
        ({"price_date": "2025-01-01", "close_usd_per_mt": 0}, "close_usd_per_mt"),
        ({"price_date": "2025-01-01", "close_usd_per_mt": -3}, "close_usd_per_mt"),
    ):
        assert_error(await client.post("/api/market/prices", json=body, headers=operator.headers), 400, field)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (-2500.0, "below_range"),
        (-1600.01, "below_range"),
        (-1600.0, "producer"),
        (-1500.0, "producer"),
        (-1400.0, "producer"),
        (-1399.99, "transition"),
        (-1200.0, "transition"),
        (-1199.99, "exporter"),
        (-1100.0, "exporter"),
        (-1000.0, "exporter"),
        (-999.99, "competitive"),
        (-0.01, "competitive"),
        (0.0, "premium"),
        (250.0, "premium"),
    ],
)
def test_differential_type_table(value, kind) -> None:
    result, label = differential_type(value)
    assert result == kind
    assert isinstance(label, str)
    assert label
