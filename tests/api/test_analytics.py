"""S-13..S-24: analytics computed from the data and scoped to the caller, market trends from the C-51 prices,
report generation, and the analytics cache (in-process and Redis) with its invalidation on writes."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from triboka_api.models import ExportContract

from tests.api.helpers import DICT, LIST, NUM, STR, assert_error, assert_ok, assert_shape, utcnow
from tests.api.test_rate_limits import serving

ESG_TREE = {
    "overall": {"esg_score", "sustainability_rating", "last_updated", "improvement_areas", "strengths"},
    "environmental": {"carbon_footprint", "water_usage", "biodiversity", "waste_management"},
    "social": {"fair_trade", "worker_welfare", "community_impact", "gender_equality"},
    "governance": {"transparency", "compliance", "certifications", "stakeholder_engagement", "supply_chain"},
    "metrics": {"total_producers", "total_volume_mt", "contracts_completed", "traceability_coverage"},
}
SUPPLY_CHAIN = {"metrics": DICT, "insights": LIST, "generated_at": STR}
FINANCIAL = {"analytics": DICT, "recommendations": LIST, "generated_at": STR}
QUALITY = {"analytics": DICT, "alerts": LIST, "generated_at": STR}
REAL_TIME = {"real_time_data": DICT, "recent_events": LIST, "alerts": LIST, "timestamp": STR}


async def _get(client, party, path, **params):
    return assert_ok(await client.get(path, params=params, headers=party.headers))


# S-13 -----------------------------------------------------------------------------------------------------------


async def test_esg_keeps_the_key_tree_and_computes_certifications(client, world) -> None:
    producer = await world.user("producer")
    await world.lot(producer, certifications=["Organic", "Fair Trade"])
    await world.lot(producer, certifications=["Rainforest Alliance"])
    await world.lot(producer, certifications=[], weight_kg=1000)
    body = await _get(client, producer, "/api/analytics/esg")
    assert {k: set(v) for k, v in body.items()} == ESG_TREE
    certs = body["governance"]["certifications"]
    assert certs == {
        "organic_pct": 33.33,
        "fair_trade_pct": 33.33,
        "rainforest_alliance_pct": 33.33,
        "total_certified_lots": 2,
    }
    assert body["social"]["fair_trade"]["certified_lots"] == 1
    assert body["metrics"]["total_producers"] == 1
    assert body["metrics"]["total_volume_mt"] == 4.0
    assert (
        body["environmental"]["carbon_footprint"]["total_co2_tons"] is None
    )  # not in the data: not invented
    # another producer sees its own (empty) figures, not these
    other = await world.user("producer")
    assert (await _get(client, other, "/api/analytics/esg"))["governance"]["certifications"][
        "total_certified_lots"
    ] == 0


# S-19, S-20: scoped sums (Δ) --------------------------------------------------------------------------------


async def test_contract_and_fixation_metrics_are_scoped_sums(client, world) -> None:
    chain = await world.chain()
    await world.fixation(chain.exporter, chain.contract["id"], 40, spot=3000)
    metrics = (await _get(client, chain.exporter, "/api/analytics/contracts"))["metrics"]
    assert metrics == {
        "total_contracts": 1,
        "total_quantity_mt": 100.0,
        "total_fixed_mt": 40.0,
        "total_remaining_mt": 60.0,
        "total_value_usd": 40 * (3000 - 150),
        "avg_contract_value": 40 * (3000 - 150),
        "fixation_rate": 40.0,
    }
    fixations = (await _get(client, chain.buyer, "/api/analytics/fixations"))["metrics"]
    assert fixations["total_fixations"] == 1
    assert fixations["total_fixed_quantity_mt"] == 40.0
    assert fixations["avg_fixation_price"] == 3000.0
    assert list(fixations["fixation_timeline"].values()) == [40.0]
    for stranger in (
        await world.user("exporter"),
        await world.user("user"),
        await world.user("buyer", company=None),
    ):
        zero = (await _get(client, stranger, "/api/analytics/contracts"))["metrics"]
        assert (zero["total_contracts"], zero["total_quantity_mt"]) == (0, 0.0)
        assert (await _get(client, stranger, "/api/analytics/fixations"))["metrics"]["total_fixations"] == 0


# S-14..S-18 -----------------------------------------------------------------------------------------------------


async def test_reports_shapes_and_figures(client, world) -> None:
    chain = await world.chain(lot_weights=(1000.0, 500.0))
    await world.fixation(chain.exporter, chain.contract["id"], 10, spot=2500)
    supply = await _get(client, chain.exporter, "/api/analytics/reports/supply-chain")
    assert_shape(supply, SUPPLY_CHAIN)
    assert set(supply["metrics"]) == {"contracts", "fixations", "lots", "traceability", "blockchain"}
    assert supply["metrics"]["lots"]["total"] == 2
    assert supply["metrics"]["lots"]["total_weight_kg"] == 1500.0
    assert supply["metrics"]["contracts"]["fixed_volume_mt"] == 10.0
    financial = await _get(client, chain.exporter, "/api/analytics/reports/financial")
    assert_shape(financial, FINANCIAL)
    assert set(financial["analytics"]) == {
        "revenue",
        "costs",
        "profitability",
        "price_trends",
        "market_insights",
    }
    assert financial["analytics"]["revenue"]["fixation_value_usd"] == 10 * (2500 - 150)
    assert financial["analytics"]["costs"]["lot_purchases_usd"] == 6000.0  # two lots at 3000
    quality = await _get(client, chain.exporter, "/api/analytics/reports/quality")
    assert_shape(quality, QUALITY)
    assert quality["analytics"]["lots_by_grade"] == {"A": 2}
    realtime = await _get(client, chain.exporter, "/api/analytics/real-time")
    assert_shape(realtime, REAL_TIME)
    today = realtime["real_time_data"]["business_today"]
    assert today["contracts_created"] == 1
    assert today["fixations_created"] == 1
    overview = await _get(client, chain.exporter, "/api/analytics/dashboard/overview")
    assert set(overview) == {"supply_chain", "financial", "quality", "real_time", "period"}
    assert set(overview["period"]) == {"start_date", "end_date"}


async def test_quality_alerts_from_measurements(client, world) -> None:
    producer = await world.user("producer")
    lot = (await world.lot(producer))["lot_id"]
    body = {"event_type": "CALIDAD", "entity_type": "lot", "entity_id": lot}
    measurements = {"moisture_pct": 9.5, "fermentation_pct": 70, "defects_pct": 3}
    assert_ok(
        await client.post(
            "/api/traceability/events", json=body | {"measurements": measurements}, headers=producer.headers
        ),
        201,
    )
    alerts = (await _get(client, producer, "/api/analytics/reports/quality"))["alerts"]
    assert [(a["type"], a["lot_id"], a["moisture_pct"]) for a in alerts] == [("moisture", lot, 9.5)]


async def test_overview_dates(client, world) -> None:
    party = await world.user("exporter")
    for params in ({"start_date": "nonsense"}, {"start_date": "2025-02-01", "end_date": "2025-01-01"}):
        assert_error(
            await client.get("/api/analytics/dashboard/overview", params=params, headers=party.headers), 400
        )
    body = await _get(
        client, party, "/api/analytics/dashboard/overview", start_date="2025-01-01", end_date="2025-02-01"
    )
    assert body["period"] == {"start_date": "2025-01-01T00:00:00", "end_date": "2025-02-01T00:00:00"}


# S-21 -----------------------------------------------------------------------------------------------------------


async def test_market_trends_follow_recorded_prices(client, world, admin) -> None:
    party = await world.user("buyer")
    today = utcnow().date()
    for days_ago, close in ((8, 3000), (7, 3100), (1, 3200), (0, 3300)):
        price = {
            "price_date": (today - timedelta(days=days_ago)).isoformat(),
            "close_usd_per_mt": close,
            "source": "t",
        }
        assert_ok(await client.post("/api/market/prices", json=price, headers=admin.headers), 201)
    trend = await _get(client, party, "/api/analytics/market/trends", period="7d")
    assert_shape(
        trend,
        {
            "current_price": 3300.0,
            "price_change_24h": 3.12,
            "price_change_7d": 6.45,
            "volatility": NUM,
            "trend_direction": "upward",
            "data_points": 3,
        },
    )
    assert_error(
        await client.get("/api/analytics/market/trends", params={"period": "2y"}, headers=party.headers),
        400,
        "period",
    )


# S-22 -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report_type", "keys"),
    [
        ("performance", {"supply_chain", "financial", "quality", "real_time"}),
        ("financial", set(FINANCIAL) - {"generated_at"}),
        ("supply_chain", set(SUPPLY_CHAIN) - {"generated_at"}),
        ("quality", set(QUALITY) - {"generated_at"}),
    ],
)
async def test_generate_every_report_type(client, world, report_type, keys) -> None:
    party = await world.user("exporter")
    response = await client.post(
        "/api/analytics/reports/generate",
        json={"report_type": report_type, "period": "7d"},
        headers=party.headers,
    )
    body = assert_ok(response)
    assert set(body) == keys | {"report_type", "period", "generated_at"}
    assert body["report_type"] == report_type


async def test_generate_refusals(client, world) -> None:
    party = await world.user("exporter")
    for body in (
        {},
        {"report_type": "gossip"},
        {"report_type": "quality", "period": "forever"},
        {"report_type": "quality", "period": 7},
    ):
        assert_error(
            await client.post("/api/analytics/reports/generate", json=body, headers=party.headers), 400
        )


# S-23, S-24 and the cache ---------------------------------------------------------------------------------------


async def test_cache_endpoints_are_for_admins(client, world) -> None:
    for role in ("exporter", "buyer", "producer", "user"):
        party = await world.user(role)
        assert_error(await client.get("/api/analytics/cache/stats", headers=party.headers), 403)
        assert_error(await client.post("/api/analytics/cache/clear", headers=party.headers), 403)


async def test_cache_serves_until_a_write_and_clears(settings, world, admin, cache_store) -> None:
    chain = await world.chain()
    async with (
        serving(settings, redis_url=cache_store, analytics_cache_seconds=600) as app,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as client,
    ):
        stats = assert_ok(await client.get("/api/analytics/cache/stats", headers=admin.headers))
        assert stats == {"total_keys": 0, "expired_keys_cleaned": 0}
        before = (await _get(client, chain.exporter, "/api/analytics/contracts"))["metrics"]
        assert (await _get(client, admin, "/api/analytics/cache/stats"))["total_keys"] == 1
        # generating a report is a POST that writes nothing: the cache stays
        generated = await client.post(
            "/api/analytics/reports/generate", json={"report_type": "quality"}, headers=chain.exporter.headers
        )
        assert_ok(generated)
        assert (await _get(client, admin, "/api/analytics/cache/stats")) == {
            "total_keys": 1,
            "expired_keys_cleaned": 0,
        }
        # a change behind the API's back is not seen while the figure is cached ...
        await world.update(ExportContract, chain.contract["id"], total_volume_mt=500)
        assert (await _get(client, chain.exporter, "/api/analytics/contracts"))["metrics"] == before
        # ... and a write through the API starts a new generation: the next read is computed afresh
        assert_ok(
            await client.post(
                f"/api/contracts/{chain.contract['id']}/fixations",
                json={"fixed_quantity_mt": 5, "spot_price_usd": 3000},
                headers=chain.exporter.headers,
            ),
            201,
        )
        after = (await _get(client, chain.exporter, "/api/analytics/contracts"))["metrics"]
        assert (after["total_quantity_mt"], after["total_fixed_mt"]) == (500.0, 5.0)
        stats = await _get(client, admin, "/api/analytics/cache/stats")
        assert stats == {"total_keys": 1, "expired_keys_cleaned": 1}
        cleared = assert_ok(await client.post("/api/analytics/cache/clear", headers=admin.headers))
        assert_shape(cleared, {"message": STR})
        assert (await _get(client, admin, "/api/analytics/cache/stats"))["total_keys"] == 0
