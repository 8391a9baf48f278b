"""S-50..S-53: B2B matching (producers, lots, recommendations, contact requests) with every filter and sort."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from triboka_api.models import Company, ContactRequest, Deal, DealMember, ProducerLot, User

from tests.api.helpers import BOOL, DT, INT, LIST, NUM, STR, assert_error, assert_ok, assert_shape, opt

PAGINATION = {"total": INT, "limit": INT, "offset": INT, "has_more": BOOL}
PRODUCER = {
    "company_id": INT,
    "company_name": STR,
    "company_type": opt(STR),
    "location": opt(STR),
    "available_lots": INT,
    "total_volume_mt": NUM,
    "avg_quality_score": opt(NUM),
    "has_did": False,
    "reputation_score": None,
    "certifications": LIST,
    "contact_info": {"email": opt(STR), "phone": None},
}
LOT = {
    "id": INT,
    "lot_code": STR,
    "producer_company": {"id": INT, "name": STR, "has_did": False, "reputation_score": None},
    "location": opt(STR),
    "product_type": opt(STR),
    "weight_kg": NUM,
    "weight_mt": NUM,
    "quality_grade": opt(STR),
    "quality_score": opt(NUM),
    "harvest_date": opt(DT),
    "certifications": LIST,
    "estimated_price_per_mt": opt(NUM),
    "blockchain_lot_id": opt(STR),
    "created_at": DT,
}


@pytest.fixture(scope="module")
async def market(world):
    """Two producers with lots of known grades, weights, places and certifications; one lot sold."""
    north = await world.user("producer")
    south = await world.user("producer")
    await world.update(Company, north.company_id, country="Ecuador")
    await world.update(Company, south.company_id, country="Peru")
    exporter = await world.user("exporter")
    offered = {  # name: (producer, grade, kg, certifications, place, harvest)
        "n_premium": (north, "Premium", 2000, ["Organic", "Fair Trade"], "Esmeraldas", "2025-03-01"),
        "n_b": (north, "B", 500, ["Organic"], "Manabí", "2025-05-01"),
        "s_c": (south, "C", 8000, ["Rainforest"], "Piura", "2025-07-01"),
    }
    lots = {}
    for name, (producer, grade, kg, certifications, place, harvest) in offered.items():
        extra = {"product_type": "Cacao Nacional"} if name == "n_premium" else {}
        created = await world.lot(
            producer,
            quality_grade=grade,
            weight_kg=kg,
            certifications=certifications,
            location=place,
            harvest_date=harvest,
            **extra,
        )
        lots[name] = created["lot_id"]
    lots["n_sold"] = await world.purchased_lot(north, exporter, quality_grade="A", weight_kg=900)
    return {"north": north, "south": south, "exporter": exporter, "lots": lots}


@pytest.mark.parametrize("role", ["producer", "user"])
async def test_matching_searches_refuse_other_roles(client, world, role) -> None:
    party = await world.user(role)
    for url in ("/api/match/producers", "/api/match/lots"):
        assert_error(await client.get(url, headers=party.headers), 403)
    assert_error(
        await client.post("/api/match/contact/1", json={"contact_type": "inquiry"}, headers=party.headers),
        403,
    )
    assert_ok(await client.get("/api/match/recommendations", headers=party.headers))  # any role (JWT)
    assert (await client.get("/api/match/lots")).status_code == 401


async def test_s50_groups_available_lots_by_producer(client, market) -> None:
    buyer = market["exporter"]
    body = assert_ok(await client.get("/api/match/producers", headers=buyer.headers))
    assert set(body) == {"producers", "pagination", "filters_applied"}
    for item in body["producers"]:
        assert_shape(item, PRODUCER)
    by_id = {p["company_id"]: p for p in body["producers"]}
    north = by_id[market["north"].company_id]
    assert north["available_lots"] == 2  # the sold lot does not count
    assert north["total_volume_mt"] == 2.5
    assert north["avg_quality_score"] == 87.5  # Premium 95, B 80
    assert north["location"] == "Ecuador"
    assert north["certifications"] == ["Organic", "Fair Trade"]
    assert north["contact_info"]["email"] == market["north"].email
    assert_shape(body["pagination"], PAGINATION)
    assert body["filters_applied"] == {"available_now": True}


async def test_s50_filters_and_pages(client, market) -> None:
    headers = market["exporter"].headers
    north, south = market["north"].company_id, market["south"].company_id

    async def ids(**params) -> list[int]:
        body = assert_ok(await client.get("/api/match/producers", params=params, headers=headers))
        return [p["company_id"] for p in body["producers"] if p["company_id"] in (north, south)]

    assert await ids(location="peru") == [south]
    assert await ids(location="esmeral") == [north]
    assert await ids(certifications=["Organic", "Fair Trade"]) == [north]
    assert await ids(certifications="Rainforest") == [south]
    assert await ids(min_volume=5) == [south]
    assert await ids(max_volume=3, quality_grade="B") == [north]
    assert await ids(product_type="nacional") == [north]
    everything = assert_ok(
        await client.get("/api/match/producers", params={"available_now": "false"}, headers=headers)
    )
    north_all = next(p for p in everything["producers"] if p["company_id"] == north)
    assert north_all["total_volume_mt"] == 3.4  # the sold lot counts, but not as available
    assert north_all["available_lots"] == 2
    page = assert_ok(await client.get("/api/match/producers", params={"limit": 1}, headers=headers))
    assert len(page["producers"]) == 1
    assert page["pagination"]["has_more"] is True
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"available_now": "maybe"}, {"min_volume": -1}):
        assert_error(await client.get("/api/match/producers", params=bad, headers=headers), 400)


async def test_s51_filters_sorts_and_pages_available_lots(client, market) -> None:
    headers = market["exporter"].headers
    lots = market["lots"]
    mine = set(lots.values())

    async def found(**params) -> list[int]:
        body = assert_ok(await client.get("/api/match/lots", params=params, headers=headers))
        assert set(body) == {"lots", "pagination", "filters_applied"}
        for item in body["lots"]:
            assert_shape(item, LOT)
        return [lot["id"] for lot in body["lots"] if lot["id"] in mine]

    assert await found(sort_by="harvest_date", sort_order="asc") == [
        lots["n_premium"],
        lots["n_b"],
        lots["s_c"],
    ]
    assert await found(sort_by="weight_kg", sort_order="desc") == [
        lots["s_c"],
        lots["n_premium"],
        lots["n_b"],
    ]
    assert await found(sort_by="quality_score") == [lots["n_premium"], lots["n_b"], lots["s_c"]]
    assert await found(producer_id=market["south"].company_id) == [lots["s_c"]]
    assert await found(location="manab") == [lots["n_b"]]
    assert await found(certifications=["Organic"], sort_order="asc") == [lots["n_premium"], lots["n_b"]]
    assert await found(min_weight=600, max_weight=5000) == [lots["n_premium"]]
    assert await found(quality_grade="C") == [lots["s_c"]]
    assert await found(product_type="NACIONAL") == [lots["n_premium"]]
    assert await found(harvest_date_from="2025-04-01", harvest_date_to="2025-06-30") == [lots["n_b"]]
    assert lots["n_sold"] not in await found(limit=200)
    body = assert_ok(
        await client.get("/api/match/lots", params={"quality_grade": "C", "limit": 1}, headers=headers)
    )
    assert body["pagination"] == {"total": 1, "limit": 1, "offset": 0, "has_more": False}
    assert body["filters_applied"] == {"quality_grade": "C", "sort_by": "harvest_date", "sort_order": "desc"}
    for bad in ({"sort_by": "price"}, {"sort_order": "up"}, {"limit": 201}, {"harvest_date_from": "soon"}):
        assert_error(await client.get("/api/match/lots", params=bad, headers=headers), 400)


async def test_s52_scores_by_the_contracts_formula(client, market) -> None:
    body = assert_ok(await client.get("/api/match/recommendations", headers=market["exporter"].headers))
    assert set(body) == {"recommendations", "total_recommendations", "preferences_used"}
    assert body["preferences_used"] == {
        "preferred_certifications": ["Organic", "Fair Trade"],
        "min_quality_score": 80.0,
    }
    scores = {r["lot"]["id"]: r["recommendation_score"] for r in body["recommendations"]}
    lots = market["lots"]
    assert scores[lots["n_premium"]] == 90  # 50 + 20 (quality 95) + 10 + 10
    assert scores[lots["n_b"]] == 70  # 50 + 10 (quality 80) + 10
    assert lots["s_c"] not in scores  # quality 70, no preferred certification
    assert lots["n_sold"] not in scores
    assert body["total_recommendations"] == len(body["recommendations"])
    assert [r["recommendation_score"] for r in body["recommendations"]] == sorted(
        scores.values(), reverse=True
    )
    first = body["recommendations"][0]
    assert set(first) == {"lot", "recommendation_score", "match_reasons"}
    assert_shape(first["lot"], LOT)
    assert first["match_reasons"]
    limited = assert_ok(
        await client.get(
            "/api/match/recommendations", params={"limit": 1}, headers=market["exporter"].headers
        )
    )
    assert len(limited["recommendations"]) == 1


async def test_s53_contact_requests_are_recorded(client, world, market, admin) -> None:
    buyer = await world.user("buyer")
    north = market["north"].company_id
    url = f"/api/match/contact/{north}"
    lots = market["lots"]
    inquiry = assert_ok(
        await client.post(url, json={"contact_type": "inquiry", "message": "¿Precio?"}, headers=buyer.headers)
    )
    assert set(inquiry) >= {"message", "producer_company", "contact_type", "status"}
    assert (inquiry["contact_type"], inquiry["status"]) == ("inquiry", "sent")
    proposal = await client.post(
        url, json={"contact_type": "deal_proposal", "lot_ids": [lots["n_premium"]]}, headers=buyer.headers
    )
    body = assert_ok(proposal, 201)
    assert body["status"] == "proposal_sent"
    # Δ 196: a draft deal between the producer and the buyer's company, brokered by an admin (the `admin` fixture)
    deal = assert_ok(await client.get(f"/api/deals/{body['deal_id']}", headers=buyer.headers))
    assert body["deal_code"] == deal["deal_code"]
    async with world.session() as session:
        stored_deal = await session.get(Deal, body["deal_id"])
        broker = await session.get(User, stored_deal.admin_id)
        members = (
            await session.scalars(select(DealMember).where(DealMember.deal_id == stored_deal.id))
        ).all()
    assert (stored_deal.status, stored_deal.producer_id, stored_deal.exporter_id) == (
        "draft",
        north,
        buyer.company_id,
    )
    assert (broker.role, broker.active) == ("admin", True)
    assert stored_deal.terms_public == {
        "contact_request_id": body["contact_request_id"],
        "lot_ids": [lots["n_premium"]],
    }
    assert sorted((m.party_type, m.party_id, m.role_in_deal) for m in members) == sorted(
        [("company", north, "producer"), ("company", buyer.company_id, "exporter")]
    )
    stranger = await world.user("buyer")
    assert_error(await client.get(f"/api/deals/{body['deal_id']}", headers=stranger.headers), 403)
    async with world.session() as session:
        stored = (
            await session.scalars(
                select(ContactRequest).where(ContactRequest.from_company_id == buyer.company_id)
            )
        ).all()
        assert [(r.contact_type, r.lot_ids, r.producer_company_id, r.from_user_id) for r in stored] == [
            ("inquiry", None, north, buyer.id),
            ("deal_proposal", [lots["n_premium"]], north, buyer.id),
        ]
        assert (await session.get(ProducerLot, lots["n_premium"])).status == "available"  # no side effect


async def test_s53_refusals(client, world, market, admin) -> None:
    buyer = await world.user("buyer")
    north = market["north"].company_id
    lots = market["lots"]
    url = f"/api/match/contact/{north}"
    assert_error(
        await client.post(
            "/api/match/contact/999999", json={"contact_type": "inquiry"}, headers=buyer.headers
        ),
        404,
    )
    assert_error(await client.post(url, json={"contact_type": "call"}, headers=buyer.headers), 400)
    assert_error(await client.post(url, json={}, headers=buyer.headers), 400, "contact_type")
    for wrong in ([lots["s_c"]], [lots["n_sold"]], [999999]):  # another producer's, sold, unknown
        refused = await client.post(
            url, json={"contact_type": "deal_proposal", "lot_ids": wrong}, headers=buyer.headers
        )
        assert_error(refused, 400)
    exporter = market["exporter"]
    assert_error(
        await client.post(
            f"/api/match/contact/{exporter.company_id}",
            json={"contact_type": "deal_proposal"},
            headers=exporter.headers,
        ),
        400,
        "another company",
    )
    companyless = await world.user("admin", company=None)
    assert_error(await client.post(url, json={"contact_type": "inquiry"}, headers=companyless.headers), 400)
    async with world.session() as session:
        assert (
            await session.scalars(
                select(ContactRequest).where(ContactRequest.from_company_id == buyer.company_id)
            )
        ).all() == []


async def test_s53_message_has_its_own_bound(client, world, market, admin) -> None:
    """Δ 221: at most 2,000 characters (not the generic 10,000); the longest is kept whole as the proposal's deal
    description, one more is 400 naming `message` and records nothing."""
    buyer = await world.user("buyer")
    url = f"/api/match/contact/{market['north'].company_id}"
    longest = "ñ" * 2_000
    body = assert_ok(
        await client.post(
            url, json={"contact_type": "deal_proposal", "message": longest}, headers=buyer.headers
        ),
        201,
    )
    for too_long in ("x" * 2_001, "x" * 10_000):
        for kind in ("inquiry", "deal_proposal"):
            refused = await client.post(
                url, json={"contact_type": kind, "message": too_long}, headers=buyer.headers
            )
            assert_error(refused, 400, "message")
    async with world.session() as session:
        stored = (
            await session.scalars(
                select(ContactRequest).where(ContactRequest.from_company_id == buyer.company_id)
            )
        ).all()
        assert [r.message for r in stored] == [longest]
        assert (await session.get(Deal, body["deal_id"])).description == longest


async def test_s53_deal_code_is_the_deal_rooms_code(client, world, market, admin) -> None:
    """Δ 222: a proposal's deal is numbered like every deal (`D-{YYYY}-{NNN}`, Δ 100), not SPEC's
    `D-{YYYYMMDD}-{caller}-{producer}`, which collides on a second proposal of one pair in a day."""
    buyer = await world.user("buyer")
    url = f"/api/match/contact/{market['north'].company_id}"
    codes = [
        assert_ok(await client.post(url, json={"contact_type": "deal_proposal"}, headers=buyer.headers), 201)[
            "deal_code"
        ]
        for _ in range(2)
    ]
    year = datetime.now(UTC).year
    for code in codes:
        assert re.fullmatch(rf"D-({year}|{year - 1}|{year + 1})-\d{{3,}}", code), code
    assert codes[0] != codes[1]
    assert int(codes[1].rsplit("-", 1)[1]) > int(codes[0].rsplit("-", 1)[1])
