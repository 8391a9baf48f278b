"""C-29..C-34: price fixations. Both creation routes share one rule set (§4.8, §9 #3)."""

from __future__ import annotations

import pytest
from triboka_api.models import ContractFixation, ExportContract

from tests.api.helpers import (
    CONTRACT_BASE,
    CONTRACT_SUMMARY,
    DICT,
    FIXATION_BASE,
    INT,
    NUM,
    STR,
    USER_OBJECT,
    ListOf,
    assert_error,
    assert_ok,
    assert_shape,
    ids,
    naive,
    opt,
)

CREATED_C29 = {
    "message": STR,
    "fixation_id": INT,
    "blockchain_fixation_id": None,
    "total_value_usd": NUM,
    "contract_fixed_volume_mt": NUM,
    "contract_pending_volume_mt": NUM,
}
CREATED_C30 = {"message": STR, "fixation": FIXATION_BASE, "contract_summary": CONTRACT_SUMMARY}
CONTRACT_REF = {"id": INT, "contract_code": STR, "buyer_company": opt(STR), "exporter_company": opt(STR)}
LISTED = {
    "fixations": ListOf(FIXATION_BASE | {"contract": CONTRACT_REF, "created_by": opt(USER_OBJECT)}),
    "pagination": {"page": INT, "per_page": INT, "total": INT, "pages": INT},
}
SUMMARY = {
    "contract_id": INT,
    "contract_code": STR,
    "total_volume": NUM,
    "fixed_volume": NUM,
    "available_volume": NUM,
    "total_value_usd": NUM,
    "average_price_usd": NUM,
    "fixation_count": INT,
    "monthly_summary": DICT,
    "fixations": ListOf(FIXATION_BASE),
}
ROUTES = ["/api/contracts/{id}/fixations", "/api/fixations/contract/{id}"]


@pytest.fixture
async def deal(world):
    exporter, buyer = await world.user("exporter"), await world.user("buyer")
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    return exporter, buyer, contract


async def _fix(client, party, route, contract_id, body):
    return await client.post(route.format(id=contract_id), json=body, headers=party.headers)


async def _fixed(world, contract_id) -> float:
    async with world.session() as session:
        return float((await session.get(ExportContract, contract_id)).fixed_volume_mt)


# C-29 / C-30 ----------------------------------------------------------------------------------------------------


async def test_create_fixation_contract_route(client, world, deal) -> None:
    exporter, _, contract = deal
    body = {"fixed_quantity_mt": 40, "spot_price_usd": 3000.5, "notes": "n", "lot_ids": [1, 2]}
    created = assert_ok(await _fix(client, exporter, ROUTES[0], contract["id"], body), 201)
    assert_shape(created, CREATED_C29)
    assert created | {"message": "", "fixation_id": 0} == {
        "message": "",
        "fixation_id": 0,
        "blockchain_fixation_id": None,
        "total_value_usd": 114020.0,
        "contract_fixed_volume_mt": 40.0,
        "contract_pending_volume_mt": 60.0,
    }
    detail = assert_ok(await client.get(f"/api/fixations/{created['fixation_id']}", headers=exporter.headers))
    assert detail["fixation"]["notes"] == "n"
    assert detail["fixation"]["created_by_user_id"] == exporter.id
    async with world.session() as session:
        row = await session.get(ContractFixation, created["fixation_id"])
    assert float(row.differential_usd) == -150.0  # the Δ snapshot


async def test_create_fixation_blueprint_route(client, world, deal) -> None:
    exporter, _, contract = deal
    body = {"fixed_quantity_mt": "5", "spot_price_usd": "3100", "fixation_date": "2025-03-15T12:00:00-05:00"}
    created = assert_ok(await _fix(client, exporter, ROUTES[1], contract["id"], body), 201)
    assert_shape(created, CREATED_C30)
    fixation = created["fixation"]
    assert fixation | {"id": 0, "created_at": ""} == {
        "id": 0,
        "export_contract_id": contract["id"],
        "fixed_quantity_mt": 5.0,
        "spot_price_usd": 3100.0,
        "total_value_usd": 14750.0,  # 5 × (3100 − 150): the differential applies here too (Δ)
        "fixation_date": "2025-03-15T17:00:00",
        "notes": "",
        "blockchain_fixation_id": None,
        "created_by_user_id": exporter.id,
        "created_at": "",
    }
    assert created["contract_summary"] == {
        "total_volume": 100.0,
        "fixed_volume": 5.0,
        "available_volume": 95.0,
    }
    second = assert_ok(
        await _fix(
            client, exporter, ROUTES[1], contract["id"], {"fixed_quantity_mt": 5, "spot_price_usd": 1}
        ),
        201,
    )
    assert second["contract_summary"]["fixed_volume"] == 10.0
    assert await _fixed(world, contract["id"]) == 10.0


@pytest.mark.parametrize("route", ROUTES)
async def test_fixation_roles_and_check_order(client, world, deal, route) -> None:
    exporter, buyer, contract = deal
    cid = contract["id"]
    for party in (buyer, await world.user("producer"), await world.user("user")):
        assert_error(await _fix(client, party, route, 987654, {}), 403)
        assert_error(
            await _fix(client, party, route, cid, {"fixed_quantity_mt": 1, "spot_price_usd": 1}), 403
        )
    assert_error(await _fix(client, exporter, route, 987654, {}), 404)
    outsider = await world.user("exporter")
    assert_error(await _fix(client, outsider, route, cid, {}), 403)
    assert_error(await _fix(client, exporter, route, cid, {}), 400, "fixed_quantity_mt")
    assert_error(await _fix(client, exporter, route, cid, {"spot_price_usd": 1}), 400, "fixed_quantity_mt")
    assert_error(await _fix(client, exporter, route, cid, {"fixed_quantity_mt": 1}), 400, "spot_price_usd")
    assert_error(
        await _fix(client, exporter, route, cid, {"fixed_quantity_mt": "x", "spot_price_usd": 1}), 400
    )
    for quantity, spot in ((0, 3000), (-5, 3000), (5, 0), (5, -1)):
        body = {"fixed_quantity_mt": quantity, "spot_price_usd": spot}
        assert_error(await _fix(client, exporter, route, cid, body), 400)
    assert await _fixed(world, cid) == 0.0
    for role in ("admin", "operator"):
        staff = await world.user(role, company=None)
        assert_ok(await _fix(client, staff, route, cid, {"fixed_quantity_mt": 1, "spot_price_usd": 1}), 201)
    assert await _fixed(world, cid) == 2.0


@pytest.mark.parametrize("route", ROUTES)
async def test_fixation_status_gate(client, world, deal, route) -> None:
    exporter, _, contract = deal
    body = {"fixed_quantity_mt": 1, "spot_price_usd": 3000}
    for status in ("suspended", "completed", "cancelled"):
        await world.update(ExportContract, contract["id"], status=status)
        assert_error(await _fix(client, exporter, route, contract["id"], body), 400)
    for status in ("draft", "active"):
        await world.update(ExportContract, contract["id"], status=status)
        assert_ok(await _fix(client, exporter, route, contract["id"], body), 201)
    # The gate comes before the volume check.
    await world.update(ExportContract, contract["id"], status="completed")
    assert_error(await _fix(client, exporter, route, contract["id"], body | {"fixed_quantity_mt": 500}), 400)
    assert await _fixed(world, contract["id"]) == 2.0


@pytest.mark.parametrize("route", ROUTES)
async def test_fixation_volume_limit(client, world, deal, route) -> None:
    exporter, buyer, contract = deal
    cid = contract["id"]

    def post(quantity):
        return _fix(client, exporter, route, cid, {"fixed_quantity_mt": quantity, "spot_price_usd": 2000})

    assert_ok(await post(85), 201)
    assert_error(await post(15.01), 400, "15")
    assert_ok(await post(15), 201)  # equality is allowed
    assert_error(await post(0.01), 400)
    detail = assert_ok(await client.get(f"/api/contracts/{cid}", headers=buyer.headers))
    assert (detail["fixed_volume_mt"], detail["pending_volume_mt"]) == (100.0, 0.0)
    assert detail["status"] == "draft"  # fully fixed, status unchanged


async def test_fixation_volumes_are_exact_decimals(client, world) -> None:
    exporter, buyer = await world.user("exporter"), await world.user("buyer")
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id, total_volume_mt=0.3)
    for quantity in (0.1, 0.2):
        await world.fixation(exporter, contract["id"], quantity)
    assert await _fixed(world, contract["id"]) == 0.3
    response = await _fix(
        client, exporter, ROUTES[0], contract["id"], {"fixed_quantity_mt": 0.01, "spot_price_usd": 1}
    )
    assert_error(response, 400)
    total = assert_ok(
        await _fix(
            client,
            exporter,
            ROUTES[0],
            (await world.contract(exporter, buyer.company_id, exporter.company_id, differential_usd=-150.25))[
                "id"
            ],
            {"fixed_quantity_mt": 33.33, "spot_price_usd": 3001.17},
        ),
        201,
    )["total_value_usd"]
    assert total == round(33.33 * (3001.17 - 150.25), 2)


# C-31 -----------------------------------------------------------------------------------------------------------


async def test_list_fixations(client, world, deal) -> None:
    exporter, buyer, contract = deal
    other_exporter, other_buyer = await world.user("exporter"), await world.user("buyer")
    other = await world.contract(other_exporter, other_buyer.company_id, other_exporter.company_id)
    dated = {}
    for when in ("2025-01-10", "2025-03-10", "2025-02-10"):
        body = {"fixed_quantity_mt": 1, "spot_price_usd": 3000, "fixation_date": when}
        dated[when] = assert_ok(await _fix(client, exporter, ROUTES[1], contract["id"], body), 201)[
            "fixation"
        ]["id"]
    foreign = await world.fixation(other_exporter, other["id"], 1)
    mine = [dated["2025-03-10"], dated["2025-02-10"], dated["2025-01-10"]]
    for party in (exporter, buyer):
        body = assert_ok(await client.get("/api/fixations", headers=party.headers))
        assert_shape(body, LISTED)
        assert ids(body["fixations"]) == mine
        assert body["pagination"] == {"page": 1, "per_page": 20, "total": 3, "pages": 1}
    item = body["fixations"][0]
    assert item["contract"] == {
        "id": contract["id"],
        "contract_code": contract["contract_code"],
        "buyer_company": buyer.company_name,
        "exporter_company": exporter.company_name,
    }
    assert (item["created_by"]["id"], item["created_by"]["email"]) == (exporter.id, exporter.email)
    for party in (await world.user("exporter", company=None), await world.user("user", company=None)):
        empty = assert_ok(await client.get("/api/fixations", headers=party.headers))
        assert empty["fixations"] == []
        assert empty["pagination"]["total"] == 0
    for role in ("admin", "operator"):
        staff = await world.user(role, company=None)
        seen = ids(
            assert_ok(await client.get("/api/fixations?per_page=1000", headers=staff.headers))["fixations"]
        )
        assert set(mine) | {foreign} <= set(seen)
    assert ids(assert_ok(await client.get("/api/fixations", headers=other_buyer.headers))["fixations"]) == [
        foreign
    ]


async def test_list_fixations_filters_and_pages(client, world, deal) -> None:
    exporter, _, contract = deal
    second = await world.contract(exporter, (await world.user("buyer")).company_id, exporter.company_id)
    for when in ("2025-01-10T08:00:00", "2025-02-10T08:00:00", "2025-03-10T08:00:00"):
        body = {"fixed_quantity_mt": 1, "spot_price_usd": 3000, "fixation_date": when}
        assert_ok(await _fix(client, exporter, ROUTES[1], contract["id"], body), 201)
    await world.fixation(exporter, second["id"], 2)

    async def listed(query: str):
        return assert_ok(await client.get(f"/api/fixations?{query}", headers=exporter.headers))

    assert len((await listed(""))["fixations"]) == 4
    assert {f["export_contract_id"] for f in (await listed(f"contract_id={second['id']}"))["fixations"]} == {
        second["id"]
    }
    window = await listed(f"contract_id={contract['id']}&start_date=2025-02-10T08:00:00&end_date=2025-03-01")
    assert [f["fixation_date"] for f in window["fixations"]] == ["2025-02-10T08:00:00"]
    assert len((await listed("end_date=2025-02-10T08:00:00"))["fixations"]) == 2
    page = await listed(f"contract_id={contract['id']}&per_page=2&page=2")
    assert page["pagination"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2}
    assert [f["fixation_date"] for f in page["fixations"]] == ["2025-01-10T08:00:00"]
    clamped = await listed("page=0&per_page=-3")
    assert clamped["pagination"] == {"page": 1, "per_page": 20, "total": 4, "pages": 1}
    beyond = await listed("page=9")
    assert beyond["fixations"] == []
    assert beyond["pagination"]["page"] == 9


# C-32 / C-33 ----------------------------------------------------------------------------------------------------


async def test_get_fixation(client, world, deal) -> None:
    exporter, buyer, contract = deal
    fixation = await world.fixation(exporter, contract["id"], 3)
    body = assert_ok(await client.get(f"/api/fixations/{fixation}", headers=buyer.headers))
    assert_shape(
        body, {"fixation": FIXATION_BASE | {"contract": CONTRACT_BASE, "created_by": opt(USER_OBJECT)}}
    )
    assert body["fixation"]["contract"]["id"] == contract["id"]
    assert body["fixation"]["contract"]["fixed_volume_mt"] == 3.0
    assert body["fixation"]["created_by"]["id"] == exporter.id
    for role in ("admin", "operator"):
        assert_ok(
            await client.get(
                f"/api/fixations/{fixation}", headers=(await world.user(role, company=None)).headers
            )
        )
    for party in (
        await world.user("exporter"),
        await world.user("buyer"),
        await world.user("producer"),
        await world.user("exporter", company=None),
    ):
        assert_error(await client.get(f"/api/fixations/{fixation}", headers=party.headers), 403)
    assert_error(await client.get("/api/fixations/987654", headers=(await world.user("user")).headers), 404)


async def test_delete_fixation(client, world, deal) -> None:
    exporter, buyer, contract = deal
    first = await world.fixation(exporter, contract["id"], 30)
    second = await world.fixation(exporter, contract["id"], 20)
    third = await world.fixation(exporter, contract["id"], 10)
    assert_error(await client.delete("/api/fixations/987654", headers=buyer.headers), 404)
    assert_error(await client.delete(f"/api/fixations/{first}", headers=buyer.headers), 403)
    assert_error(
        await client.delete(f"/api/fixations/{first}", headers=(await world.user("exporter")).headers), 403
    )
    colleague = await world.user("exporter", company=False)
    assert_error(await client.delete(f"/api/fixations/{first}", headers=colleague.headers), 403)
    body = assert_ok(await client.delete(f"/api/fixations/{first}", headers=exporter.headers))
    assert_shape(body, {"message": STR, "contract_summary": CONTRACT_SUMMARY})
    assert body["contract_summary"] == {"total_volume": 100.0, "fixed_volume": 30.0, "available_volume": 70.0}
    admin = await world.user("admin", company=None)
    assert_ok(await client.delete(f"/api/fixations/{second}", headers=admin.headers))
    # † Δ: operator is privileged in C-30..C-40, deletion included.
    operator = await world.user("operator", company=None)
    assert (
        assert_ok(await client.delete(f"/api/fixations/{third}", headers=operator.headers))[
            "contract_summary"
        ]["fixed_volume"]
        == 0
    )
    assert_error(await client.get(f"/api/fixations/{first}", headers=exporter.headers), 404)
    assert await _fixed(world, contract["id"]) == 0.0


# C-34 -----------------------------------------------------------------------------------------------------------


async def test_fixation_summary(client, world, deal) -> None:
    exporter, buyer, contract = deal
    url = f"/api/fixations/contract/{contract['id']}/summary"
    empty = assert_ok(await client.get(url, headers=buyer.headers))
    assert_shape(empty, SUMMARY)
    assert (
        empty["fixed_volume"],
        empty["average_price_usd"],
        empty["monthly_summary"],
        empty["fixations"],
    ) == (
        0,
        0,
        {},
        [],
    )
    for when, quantity, spot in (
        ("2025-04-02", 5, 3100),
        ("2025-03-15", 40, 3000.5),
        ("2025-04-20", 1, 2150),
    ):
        body = {"fixed_quantity_mt": quantity, "spot_price_usd": spot, "fixation_date": when}
        assert_ok(await _fix(client, exporter, ROUTES[1], contract["id"], body), 201)
    body = assert_ok(await client.get(url, headers=buyer.headers))
    assert_shape(body, SUMMARY)
    total = 114020.0 + 14750.0 + 2000.0
    assert body | {"fixations": []} == {
        "contract_id": contract["id"],
        "contract_code": contract["contract_code"],
        "total_volume": 100.0,
        "fixed_volume": 46.0,
        "available_volume": 54.0,
        "total_value_usd": total,
        "average_price_usd": round(total / 46, 2),
        "fixation_count": 3,
        "monthly_summary": {
            "2025-03": {"quantity": 40.0, "value": 114020.0, "count": 1},
            "2025-04": {"quantity": 6.0, "value": 16750.0, "count": 2},
        },
        "fixations": [],
    }
    assert [naive(f["fixation_date"]).day for f in body["fixations"]] == [15, 2, 20]
    # fixed_volume is recomputed from the rows, not read from the contract column.
    await world.update(ExportContract, contract["id"], fixed_volume_mt=99)
    assert assert_ok(await client.get(url, headers=exporter.headers))["fixed_volume"] == 46.0


async def test_fixation_summary_access(client, world, deal) -> None:
    _, _, contract = deal
    url = f"/api/fixations/contract/{contract['id']}/summary"
    outsider = await world.user("buyer")
    assert_error(await client.get("/api/fixations/contract/987654/summary", headers=outsider.headers), 404)
    for party in (
        outsider,
        await world.user("producer"),
        await world.user("user"),
        await world.user("buyer", company=None),
    ):
        assert_error(await client.get(url, headers=party.headers), 403)
    for role in ("admin", "operator"):
        assert_ok(await client.get(url, headers=(await world.user(role, company=None)).headers))


async def test_numbers_are_json_numbers(client, world, deal) -> None:
    """Δ §1.5: ORIG sent summary and blueprint amounts as strings; SPEC numbers everywhere."""
    exporter, _, contract = deal
    created = assert_ok(
        await _fix(
            client, exporter, ROUTES[1], contract["id"], {"fixed_quantity_mt": 1.25, "spot_price_usd": 1000}
        ),
        201,
    )
    for value in (*created["contract_summary"].values(), created["fixation"]["total_value_usd"]):
        assert type(value) in (int, float)
    summary = assert_ok(
        await client.get(f"/api/fixations/contract/{contract['id']}/summary", headers=exporter.headers)
    )
    month = next(iter(summary["monthly_summary"].values()))
    assert all(type(v) in (int, float) for v in (*month.values(), summary["total_value_usd"]))
