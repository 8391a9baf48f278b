"""A 502/504 the API explains (the ERP pushes, Δ 193) reaches the person with the API's words, not the generic
"temporarily unavailable": the fake ERP on loopback refuses a contract, the dashboard flashes why."""

from __future__ import annotations

import httpx

from tests.api.fake_erp import FakeErp, Scripted
from tests.web.conftest import Stack, admin_contract, api_headers
from tests.web.servers import csrf_from


def _connection(stack: Stack, erp: FakeErp) -> str:
    body = {"system_type": "custom", "name": "ERP que rechaza", "base_url": erp.url, "api_key": "k"}
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        created = api.post("/api/erp/connections", json=body, headers=api_headers(stack, "admin"))
    assert created.status_code == 201, created.text
    return created.json()["connection_id"]


def test_the_erps_refusal_is_shown_with_the_apis_message(client_for, stack: Stack, fake_erp: FakeErp) -> None:
    connection, contract = _connection(stack, fake_erp), admin_contract(stack)
    fake_erp.script("/api/orders", Scripted(422, {"error": "pedido duplicado"}))
    client = client_for("admin", "en")
    fields = {"connection_id": connection, "contract_id": contract["id"]}
    sent = client.post(
        "/erp/push-contract", data={"csrf_token": csrf_from(client.get("/erp").text), **fields}
    )
    assert sent.status_code == 303
    page = client.get(sent.headers["location"]).text
    main = page.split("<main", 1)[1]
    # the API's 502 text names the contract and the ERP's status
    assert f"The ERP rejected the contract {contract['id']} (HTTP 422)" in main
    assert 'class="alert alert-danger' in main
    assert 'data-testid="error-503"' not in page
    assert [r.json["external_id"] for r in fake_erp.posted("/api/orders")][-1] == contract["contract_code"]
