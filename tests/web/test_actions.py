"""Forms and one-button actions end to end through the web process (httpx), against the real API."""

from __future__ import annotations

import re

import httpx

from tests.web.servers import post_form


def _new_contract(client: httpx.Client, stack, code: str, volume: str = "20") -> str:
    response = post_form(
        client,
        "/create_contract",
        "/create_contract",
        {
            "contract_code": code,
            "buyer_company_id": stack.buyer_company,
            "exporter_company_id": stack.exporter_company,
            "product_type": "Cacao CCN51",
            "product_grade": "B",
            "total_volume_mt": volume,
            "differential_usd": "-120",
            "start_date": "2025-02-01",
            "end_date": "2025-10-31",
        },
    )
    assert response.status_code == 303, response.text[:2000]
    return response.headers["location"]


def test_fixation_delete_gives_the_volume_back(client_for, stack) -> None:
    exporter = client_for("exporter")
    contract = _new_contract(exporter, stack, "EXP-DEL-1")
    contract_id = contract.rsplit("/", 1)[1]
    fixed = post_form(
        exporter,
        f"/create_fixation/{contract_id}",
        f"/create_fixation/{contract_id}",
        {"fixed_quantity_mt": "5", "spot_price_usd": "3000"},
    )
    assert fixed.status_code == 303
    page = exporter.get(contract).text
    assert re.search(r'data-testid="pending-volume">15,00 MT', page)
    action = re.search(r'action="(/contract/\d+/fixations/\d+/delete)"', page).group(1)
    assert post_form(exporter, contract, action, {}).headers["location"] == contract
    page = exporter.get(contract).text
    assert re.search(r'data-testid="pending-volume">20,00 MT', page)
    assert "Fijación eliminada." in page


def test_refused_status_move_is_explained(client_for, stack) -> None:
    exporter = client_for("exporter")
    contract = _new_contract(exporter, stack, "EXP-STATUS-1")
    moved = post_form(exporter, contract, f"{contract}/status", {"status": "completed"})  # draft -> completed
    assert moved.status_code == 303
    page = exporter.get(contract).text
    assert "alert-danger" in page
    assert 'data-testid="contract-status"><span class="badge text-bg-secondary">Borrador' in page


def test_duplicate_contract_code_is_refused_in_the_form(client_for, stack) -> None:
    exporter = client_for("exporter")
    _new_contract(exporter, stack, "EXP-DUP-1")
    response = post_form(
        exporter,
        "/create_contract",
        "/create_contract",
        {
            "contract_code": "EXP-DUP-1",
            "buyer_company_id": stack.buyer_company,
            "exporter_company_id": stack.exporter_company,
            "product_type": "Cacao",
            "product_grade": "A",
            "total_volume_mt": "1",
            "differential_usd": "0",
            "start_date": "2025-01-01",
            "end_date": "2025-02-01",
        },
    )
    assert response.status_code == 400
    assert 'value="EXP-DUP-1"' in response.text
    assert "is-invalid" in response.text or 'data-testid="form-error"' in response.text


def test_admin_creates_and_edits_a_user(client_for, stack) -> None:
    admin = client_for("admin", language="en")
    created = post_form(
        admin,
        "/users/new",
        "/users/new",
        {
            "email": "nuevo@triboka.test",
            "first_name": "Nuevo",
            "last_name": "Comprador",
            "role": "buyer",
            "company_id": stack.buyer_company,
            "password": "nuevo-pass-1",
            "active": "on",
        },
    )
    assert created.status_code == 303
    listing = admin.get("/users", params={"q": "nuevo@"}).text
    assert "Nuevo Comprador" in listing
    edit_url = re.search(r'href="(/users/\d+/edit)"', listing).group(1)
    form = admin.get(edit_url).text
    assert 'value="Nuevo"' in form
    updated = post_form(
        admin,
        edit_url,
        edit_url,
        {
            "email": "nuevo@triboka.test",
            "first_name": "Renombrado",
            "last_name": "Comprador",
            "role": "buyer",
            "company_id": stack.buyer_company,
            "active": "on",
        },
    )
    assert updated.status_code == 303
    assert "Renombrado Comprador" in admin.get("/users", params={"q": "nuevo@"}).text


def test_operator_is_not_offered_the_admin_role(client_for) -> None:
    form = client_for("operator").get("/users/new").text
    assert 'value="admin"' not in form
    assert 'value="operator"' in form


def test_producer_edits_an_available_lot_but_not_a_sold_one(client_for, stack) -> None:
    producer = client_for("producer")
    created = post_form(
        producer,
        "/create_lot",
        "/create_lot",
        {
            "producer_company_id": stack.accounts["producer"].company_id,
            "farm_name": "Finca Vieja",
            "location": "Vinces",
            "product_type": "Cacao Nacional",
            "weight_kg": "600",
            "quality_grade": "B",
            "harvest_date": "2025-08-01",
            "certifications": "Orgánico",
        },
    )
    lot = created.headers["location"]
    form = producer.get(f"{lot}/edit").text
    assert 'value="Orgánico"' in form
    edited = post_form(
        producer,
        f"{lot}/edit",
        f"{lot}/edit",
        {
            "farm_name": "Finca Nueva",
            "location": "Vinces",
            "quality_grade": "A",
            "certifications": "Orgánico, UTZ",
        },
    )
    assert edited.headers["location"] == lot
    page = producer.get(lot).text
    assert "Finca Nueva" in page
    assert "Orgánico, UTZ" in page

    exporter = client_for("exporter")
    bought = post_form(exporter, f"{lot}/purchase", f"{lot}/purchase", {"purchase_price_usd": "1200"})
    assert bought.status_code == 303
    assert f'href="{lot}/edit"' not in producer.get(lot).text
    refused = post_form(producer, f"{lot}/edit", f"{lot}/edit", {"farm_name": "Otra"})
    assert refused.status_code == 400
    assert 'data-testid="form-error"' in refused.text


def test_detail_pages_render_for_the_roles_that_may_see_them(client_for, stack) -> None:
    producer, exporter, buyer = client_for("producer"), client_for("exporter"), client_for("buyer")
    lot = post_form(
        producer,
        "/create_lot",
        "/create_lot",
        {
            "producer_company_id": stack.accounts["producer"].company_id,
            "farm_name": "Finca Detalle",
            "location": "Naranjal",
            "product_type": "Cacao Nacional",
            "weight_kg": "2000",
            "quality_grade": "A",
            "harvest_date": "2025-07-01",
        },
    ).headers["location"]
    lot_id = lot.rsplit("/", 1)[1]
    assert (
        post_form(exporter, f"{lot}/purchase", f"{lot}/purchase", {"purchase_price_usd": "5000"}).status_code
        == 303
    )
    batch = post_form(
        exporter,
        "/create_batch",
        "/create_batch",
        {"source_lot_ids": lot_id, "batch_type": "export", "location": "Guayaquil"},
    ).headers["location"]
    contract = _new_contract(exporter, stack, "EXP-DETAIL-1", volume="2")
    dispatch = post_form(
        exporter,
        "/create_dispatch",
        "/create_dispatch",
        {
            "contract_id": contract.rsplit("/", 1)[1],
            "batch_id": batch.rsplit("/", 1)[1],
            "quantity_mt": "2",
            "destination_country": "Bélgica",
            "shipping_date": "2025-12-01",
        },
    ).headers["location"]
    assert dispatch.startswith("/dispatches/")
    contract_id = contract.rsplit("/", 1)[1]

    expectations = {
        exporter: {
            lot: 200,
            batch: 200,
            contract: 200,
            dispatch: 200,
            f"/create_fixation/{contract_id}": 200,
            f"/trace/lot/{lot_id}": 200,
            f"/trace/contract/{contract_id}": 200,
            f"/trace/batch/{batch.rsplit('/', 1)[1]}": 200,
        },
        buyer: {contract: 200, dispatch: 200, batch: 403, f"/create_fixation/{contract_id}": 403},
        producer: {lot: 200, batch: 200, f"/trace/lot/{lot_id}": 200, contract: 403},
    }
    for client, pages in expectations.items():
        for path, status in pages.items():
            assert client.get(path).status_code == status, (path, status)
    # Over-dispatching the batch is refused next to the quantity, with the form refilled.
    again = post_form(
        exporter,
        "/create_dispatch",
        "/create_dispatch",
        {
            "contract_id": contract_id,
            "batch_id": batch.rsplit("/", 1)[1],
            "quantity_mt": "1",
            "destination_country": "Bélgica",
            "shipping_date": "2025-12-02",
        },
    )
    assert again.status_code == 400
    assert 'value="Bélgica"' in again.text


def test_logout_page_and_logout(client_for, anonymous) -> None:
    assert anonymous.get("/logout").headers["location"] == "/login"
    client = client_for("buyer")
    assert 'action="/logout"' in client.get("/logout").text
    assert post_form(client, "/logout", "/logout", {}).headers["location"] == "/login"
    assert client.get("/dashboard").status_code == 303
