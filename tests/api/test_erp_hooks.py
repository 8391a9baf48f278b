"""S-68 (a producer's profile, JWT or API key: Δ 194) and S-69 (an export batch announced by the ERP with an API
key: Δ 195), from the attacker's side too: no credential, a revoked key, a forged key, hostile totals."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from triboka_api.models import BatchNft

from tests.api.helpers import (
    BOOL,
    DT,
    INT,
    LIST,
    NUM,
    STR,
    assert_error,
    assert_jwt_error,
    assert_ok,
    assert_shape,
    opt,
)
from tests.api.test_integrations import assert_key_error, bearer, issue

PRODUCER = {
    "id": INT,
    "name": STR,
    "farm_name": STR,
    "cacao_variety": opt(STR),
    "certifications": LIST,
    "phone": None,
    "email": opt(STR),
    "location": opt(STR),
    "active": BOOL,
}
EXPORT_BATCH = {
    "success": True,
    "batch_id": INT,
    "blockchain_hash": None,
    "block_number": None,
    "transaction_hash": None,
    "timestamp": DT,
    "nft_token_id": None,
    "nft_contract_address": None,
    "nft_metadata_url": None,
    "nft_image_url": None,
    "nft_opensea_url": None,
    "metadata": {
        "batch_code": STR,
        "total_weight_qq": NUM,
        "num_lots": INT,
        "quality": opt(NUM),
        "destination": opt(STR),
        "client": opt(STR),
    },
}


def export_body(code: str, **extra) -> dict:
    return {
        "batch_erp": {"codigo": code},
        "cliente": {"nombre": "Chocolates Suizos AG"},
        "lotes": [{"codigo_lote_erp": "ERP-77"}, {"codigo_lote_triboka_agro": "LOT-X-1"}],
        "totales": {"peso_kg": 4536, "numero_lotes": 2, "calidad_promedio": 87.5},
        "despacho": {"pais_destino": "Suiza"},
        "certificaciones": ["Organic"],
    } | extra


async def test_a_producer_profile_comes_from_its_company_and_lots(client, world, admin) -> None:
    producer = await world.user("producer")
    await world.lot(producer, product_type="Cacao Nacional", certifications=["Organic"], location="Vinces")
    await world.lot(
        producer, product_type="CCN51", certifications=["Fair Trade", "Organic"], location="Quevedo"
    )
    buyer = await world.user("buyer")
    body = assert_ok(await client.get(f"/api/producers/{producer.company_id}", headers=buyer.headers))
    assert_shape(body, PRODUCER)
    assert body["id"] == producer.company_id
    assert body["name"] == body["farm_name"] == producer.company_name
    assert body["cacao_variety"] == "CCN51, Cacao Nacional"
    assert body["certifications"] == ["Fair Trade", "Organic"]
    assert body["location"] == "Quevedo"  # the latest lot's
    assert body["email"] is not None
    # an API key of any company reads it too
    key = (await issue(client, admin, buyer.company_id))["api_key"]
    assert assert_ok(await client.get(f"/api/producers/{producer.company_id}", headers=bearer(key))) == body


async def test_a_producer_profile_needs_a_jwt_or_a_live_key(client, world, admin) -> None:
    producer = await world.user("producer")
    url = f"/api/producers/{producer.company_id}"
    assert_jwt_error(await client.get(url), 401)
    assert_key_error(await client.get(url, headers=bearer("tbk_0123456789ab_forged")), 401)
    issued = await issue(client, admin, producer.company_id)
    key_id = issued["key"]["id"]
    assert_ok(
        await client.delete(f"/api/companies/{producer.company_id}/api-keys/{key_id}", headers=admin.headers)
    )
    assert_key_error(await client.get(url, headers=bearer(issued["api_key"])), 401)


async def test_only_producers_have_a_profile(client, world, admin) -> None:
    exporter = await world.user("exporter")
    assert_error(await client.get(f"/api/producers/{exporter.company_id}", headers=admin.headers), 404)
    assert_error(await client.get("/api/producers/999999", headers=admin.headers), 404)


async def test_the_erp_announces_an_export_batch(client, world, admin) -> None:
    exporter = await world.user("exporter")
    key = (await issue(client, admin, exporter.company_id))["api_key"]
    body = assert_ok(
        await client.post("/api/batches/create-export", json=export_body("ERP-B-1"), headers=bearer(key)), 201
    )
    assert_shape(body, EXPORT_BATCH)
    assert body["metadata"] == {
        "batch_code": "ERP-B-1",
        "total_weight_qq": 100.0,
        "num_lots": 2,
        "quality": 87.5,
        "destination": "Suiza",
        "client": "Chocolates Suizos AG",
    }
    async with world.session() as session:
        batch = await session.get(BatchNft, body["batch_id"])
    assert (batch.batch_type, batch.location, batch.status) == ("export", "Suiza", "created")
    assert batch.creator_company_id == batch.current_owner_company_id == exporter.company_id
    assert float(batch.total_weight_kg) == 4536.0
    # the weight in quintals alone
    only_qq = export_body("ERP-B-2", totales={"peso_qq": 10})
    body = assert_ok(await client.post("/api/batches/create-export", json=only_qq, headers=bearer(key)), 201)
    assert body["metadata"]["total_weight_qq"] == 10.0
    assert body["metadata"]["num_lots"] == 2
    async with world.session() as session:
        assert float((await session.get(BatchNft, body["batch_id"])).total_weight_kg) == 453.6


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"batch_erp": None}, "batch_erp"),
        ({"batch_erp": {}}, "codigo"),
        ({"lotes": []}, "lotes"),
        ({"lotes": None}, "lotes"),
        ({"totales": {"peso_kg": -1}}, "peso_kg"),
        ({"totales": {"peso_kg": "NaN"}}, "peso_kg"),
        ({"totales": {"peso_qq": 1e30}}, "peso_qq"),
        ({"batch_erp": {"codigo": "x" * 101}}, "codigo"),
    ],
)
async def test_a_bad_export_batch_is_400_and_stores_nothing(client, world, admin, change, names) -> None:
    exporter = await world.user("exporter")
    key = (await issue(client, admin, exporter.company_id))["api_key"]
    body = {k: v for k, v in (export_body("ERP-BAD") | change).items() if v is not None}
    response = await client.post("/api/batches/create-export", json=body, headers=bearer(key))
    assert_key_error(response, 400)
    assert names in response.json()["message"]
    async with world.session() as session:
        assert await session.scalar(select(BatchNft.id).where(BatchNft.batch_code == "ERP-BAD")) is None


async def test_an_export_batch_needs_a_live_key_and_a_free_code(client, world, admin) -> None:
    exporter = await world.user("exporter")
    url = "/api/batches/create-export"
    assert_key_error(await client.post(url, json=export_body("ERP-N-1")), 401)
    assert_key_error(await client.post(url, json=export_body("ERP-N-1"), headers=exporter.headers), 401)
    key = (await issue(client, admin, exporter.company_id))["api_key"]
    assert_ok(await client.post(url, json=export_body("ERP-N-1"), headers=bearer(key)), 201)
    response = await client.post(url, json=export_body("ERP-N-1"), headers=bearer(key))
    assert_key_error(response, 400)
    assert "already exists" in response.json()["message"]
