"""The dashboard reads one lot or user by id (Δ 150/151) and pages the lot list on the API (`limit`/`offset`)."""

from __future__ import annotations

import re
import uuid

import httpx

from tests.web.conftest import PASSWORD
from tests.web.flows import Account
from tests.web.servers import add_company

ROW = re.compile(r"<td>Finca Página</td>")


def _api_headers(api_url: str, account: Account) -> dict[str, str]:
    token = httpx.post(
        f"{api_url}/api/auth/login", json={"email": account.email, "password": account.password}
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _lot(api_url: str, headers: dict[str, str], company_id: int, location: str) -> int:
    body = {
        "producer_company_id": company_id,
        "farm_name": "Finca Página",
        "location": location,
        "product_type": "Cacao CCN51",
        "weight_kg": 100,
        "quality_grade": "A",
        "harvest_date": "2025-09-01",
    }
    created = httpx.post(f"{api_url}/api/lots", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return int(created.json()["lot_id"])


def _new_producer(stack, company: str) -> Account:
    """A producer registered through the API with a company of its own."""
    email = f"{company.lower()}-{uuid.uuid4().hex[:6]}@triboka.test"
    body = {"name": company, "email": email, "password": PASSWORD, "role": "producer"}
    assert httpx.post(f"{stack.api.url}/api/auth/register", json=body).status_code == 201
    login = httpx.post(f"{stack.api.url}/api/auth/login", json={"email": email, "password": PASSWORD})
    stack.accounts[email] = Account(email, PASSWORD, "producer", login.json()["user"]["company_id"])
    return stack.accounts[email]


def test_lot_list_pages_come_from_the_api(client_for, stack) -> None:
    # the admin registers them for a company whose lot codes (LOT-ZET-…) stay out of other tests' code searches
    company_id = add_company(stack.api.log.parent / "api.db", "Zeta Paginación", "producer", "Ecuador")
    headers = _api_headers(stack.api.url, stack.accounts["admin"])
    location = f"Paginacion-{uuid.uuid4().hex[:6]}"
    for _ in range(23):
        _lot(stack.api.url, headers, company_id, location)
    web = client_for("admin")
    first = web.get("/lots", params={"location": location}).text
    assert len(ROW.findall(first)) == 20
    assert '<li class="page-item disabled"><a class="page-link" href="?' in first  # no previous page
    assert f"location={location}" in first  # the pager keeps the filters
    second = web.get("/lots", params={"location": location, "page": 2}).text
    assert len(ROW.findall(second)) == 3
    assert re.search(
        r'<li class="page-item disabled"><a class="page-link" href="\?[^"]*page=3"', second
    )  # last
    beyond = web.get("/lots", params={"location": location, "page": 3}).text
    assert 'data-testid="empty-state"' in beyond


def test_lot_detail_follows_the_lists_visibility(client_for, stack) -> None:
    producer = stack.accounts["producer"]
    lot_id = _lot(stack.api.url, _api_headers(stack.api.url, producer), producer.company_id, "Vinces")
    assert "Finca Página" in client_for("exporter").get(f"/lots/{lot_id}").text  # the marketplace sees it
    # another producer (its own company) does not: a 404 page, as for a missing lot
    other = client_for(_new_producer(stack, "Otra").email)
    for path in (f"/lots/{lot_id}", f"/lots/{lot_id}/edit", "/lots/999999"):
        page = other.get(path)
        assert page.status_code == 404, path
        assert 'data-testid="error-404"' in page.text


def test_user_edit_form_reads_one_user(client_for, stack) -> None:
    admin = client_for("admin")
    buyer = stack.accounts["buyer"]
    form = admin.get(f"/users/{_user_id(stack, buyer)}/edit")
    assert form.status_code == 200
    assert buyer.email in form.text
    missing = admin.get("/users/999999/edit")
    assert missing.status_code == 404
    assert 'data-testid="error-404"' in missing.text


def _user_id(stack, account: Account) -> int:
    login = httpx.post(
        f"{stack.api.url}/api/auth/login", json={"email": account.email, "password": account.password}
    )
    return int(login.json()["user"]["id"])
