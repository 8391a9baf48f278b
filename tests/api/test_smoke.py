"""A first end-to-end pass over the core flow; the per-endpoint contract tests live beside this file."""

from __future__ import annotations


async def test_health_reports_database(client) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "healthy"
    assert body["blockchain"] == "not_configured"


async def test_core_flow(client, world) -> None:
    producer = await world.user("producer")
    exporter = await world.user("exporter")
    buyer = await world.user("buyer")
    lot_id = await world.purchased_lot(producer, exporter, price=3000)
    batch = await client.post(
        "/api/batches",
        json={"source_lot_ids": [lot_id], "batch_type": "export", "location": "Guayaquil"},
        headers=exporter.headers,
    )
    assert batch.status_code == 200, batch.text
    contract = await world.contract(exporter, buyer.company_id, exporter.company_id)
    fix = await client.post(
        f"/api/contracts/{contract['id']}/fixations",
        json={"fixed_quantity_mt": 40, "spot_price_usd": 3000.5},
        headers=exporter.headers,
    )
    assert fix.status_code == 201, fix.text
    assert fix.json()["total_value_usd"] == 114020.0
    assert fix.json()["contract_pending_volume_mt"] == 60.0
    dispatch = await client.post(
        "/api/dispatches",
        json={
            "contract_id": contract["id"],
            "batch_id": batch.json()["batch"]["id"],
            "quantity_mt": 1.5,
            "destination_country": "USA",
            "shipping_date": "2025-11-01",
        },
        headers=exporter.headers,
    )
    assert dispatch.status_code == 201, dispatch.text
    trace = await client.get(f"/api/lots/{lot_id}/traceability", headers=producer.headers)
    assert trace.status_code == 200, trace.text
    assert [item["icon"] for item in trace.json()["timeline"]][-1] == "seedling"
