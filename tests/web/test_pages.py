"""Every route renders for the roles that may open it (real API behind), and refuses the others."""

from __future__ import annotations

import re

import pytest

from tests.web.flows import BUYER_COMPANY, EXPORTER_COMPANY
from tests.web.servers import post_form

PROTECTED = [
    "/dashboard",
    "/lots",
    "/contracts",
    "/batches",
    "/dispatches",
    "/companies",
    "/analytics/dashboard",
    "/reports",
]
# Pages gated by role, and the roles that may open them (contract §3.2).
ROLE_PAGES = {
    "/create_lot": {"admin", "operator", "producer"},
    "/create_batch": {"admin", "operator", "exporter"},
    "/create_contract": {"admin", "operator", "exporter", "buyer"},
    "/create_dispatch": {"admin", "operator", "exporter"},
    "/users": {"admin", "operator"},
    "/users/new": {"admin", "operator"},
    "/producer": {"admin", "producer"},
    "/exporter": {"admin", "exporter"},
    "/buyer": {"admin", "buyer"},
    "/erp": {"admin", "operator"},
    "/api-keys": {"admin"},
}
ROLES = ["admin", "operator", "exporter", "buyer", "producer"]
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_each_role(client_for, role: str) -> None:
    client = client_for(role)
    for path in PROTECTED:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        assert "<html" in response.text
    for path, allowed in ROLE_PAGES.items():
        response = client.get(path)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, path)
        if expected == 403:
            assert 'data-testid="error-403"' in response.text


def test_menu_only_offers_what_the_role_may_do(client_for) -> None:
    producer_home = client_for("producer").get("/dashboard").text
    admin_home = client_for("admin").get("/dashboard").text
    assert 'href="/users"' not in producer_home
    assert 'href="/create_contract"' not in producer_home
    assert 'href="/create_lot"' in producer_home
    assert 'href="/users"' in admin_home
    assert 'href="/erp"' in admin_home
    assert 'href="/api-keys"' in admin_home
    assert 'href="/erp"' not in producer_home
    assert 'href="/api-keys"' not in producer_home
    operator_home = client_for("operator").get("/dashboard").text
    assert 'href="/erp"' in operator_home
    assert 'href="/api-keys"' not in operator_home


@pytest.mark.parametrize("path", [*PROTECTED, *ROLE_PAGES])
def test_signed_out_visitors_are_sent_to_login(anonymous, path: str) -> None:
    response = anonymous.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("path", ["/", "/login", "/verify", "/status"])
def test_public_pages_render_without_login(anonymous, path: str) -> None:
    response = anonymous.get(path)
    assert response.status_code == 200
    assert 'data-testid="current-user"' not in response.text


def test_unknown_page_is_a_friendly_404(anonymous) -> None:
    response = anonymous.get("/no/such/page")
    assert response.status_code == 404
    assert 'data-testid="error-404"' in response.text
    assert "Traceback" not in response.text


def test_unknown_lot_code_on_the_public_page(anonymous) -> None:
    response = anonymous.get("/verify/LOT-XXX-00000000000000-999")
    assert response.status_code == 404
    assert 'data-testid="verify-missing"' in response.text


def test_pages_carry_no_inline_script(client_for) -> None:
    client = client_for("admin")
    for path in ["/dashboard", "/analytics/dashboard", "/contracts", "/dispatches"]:
        for attributes in SCRIPT_TAG.findall(client.get(path).text):
            assert "src=" in attributes or 'type="application/json"' in attributes, (path, attributes)


@pytest.mark.parametrize("path", ["/login", "/no/such/page", "/health", "/static/css/app.css"])
def test_security_headers_on_every_response(anonymous, path: str) -> None:
    headers = anonymous.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_is_httponly_and_lax(anonymous) -> None:
    cookie = anonymous.get("/login").headers["set-cookie"]
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()


def test_request_id_is_echoed_or_generated(anonymous) -> None:
    assert anonymous.get("/health", headers={"X-Request-ID": "trace-abc.123"}).headers["x-request-id"] == (
        "trace-abc.123"
    )
    generated = anonymous.get("/health", headers={"X-Request-ID": "bad id with spaces"}).headers[
        "x-request-id"
    ]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)


def test_liveness_and_readiness(anonymous) -> None:
    assert anonymous.get("/health").json() == {"status": "ok"}
    assert anonymous.get("/ready").json() == {"status": "ok", "api": "ok"}
    assert anonymous.get("/health", params={"deep": 1}).status_code == 200


def test_login_failure_shows_a_message_and_stays_signed_out(anonymous) -> None:
    response = post_form(anonymous, "/login", "/login", {"email": "admin@triboka.test", "password": "wrong"})
    assert response.status_code == 401
    assert 'data-testid="form-error"' in response.text
    assert anonymous.get("/dashboard").status_code == 303


def test_login_never_redirects_off_site(stack, anonymous) -> None:
    account = stack.accounts["buyer"]
    response = post_form(
        anonymous,
        "/login",
        "/login",
        {"email": account.email, "password": account.password, "next": "//evil.test/"},
    )
    assert response.headers["location"] == "/dashboard"


def test_api_validation_error_is_shown_next_to_its_field(client_for, stack) -> None:
    producer = client_for("producer")
    form = {"producer_company_id": stack.accounts["producer"].company_id, "location": "Chone"}
    response = post_form(producer, "/create_lot", "/create_lot", form)
    assert response.status_code == 400
    # The API names the first missing field (farm_name); the page puts its message under that input.
    assert re.search(r'data-field-error="farm_name">[^<]*farm_name', response.text)
    assert 'value="Chone"' in response.text


def test_unparsable_number_is_caught_before_the_api(client_for) -> None:
    producer = client_for("producer")
    response = post_form(producer, "/create_lot", "/create_lot", {"weight_kg": "mucho"})
    assert response.status_code == 400
    assert 'data-field-error="weight_kg"' in response.text


def test_login_returns_to_the_page_that_asked_for_it(stack, anonymous) -> None:
    account = stack.accounts["buyer"]
    assert anonymous.get("/contracts").headers["location"] == "/login?next=/contracts"
    form = {"email": account.email, "password": account.password, "next": "/contracts"}
    assert post_form(anonymous, "/login?next=/contracts", "/login", form).headers["location"] == "/contracts"


def test_lot_search_by_code(client_for, stack) -> None:
    producer = client_for("producer")
    created = post_form(
        producer,
        "/create_lot",
        "/create_lot",
        {
            "producer_company_id": stack.accounts["producer"].company_id,
            "farm_name": "Finca Buscada",
            "location": "Quevedo",
            "product_type": "Cacao CCN51",
            "weight_kg": "800",
            "quality_grade": "B",
            "harvest_date": "2025-09-15",
        },
    )
    assert created.status_code == 303
    code = re.search(
        r'data-testid="lot-code">([^<]+)<', producer.get(created.headers["location"]).text
    ).group(1)
    # part of the code, in other case: `LOT-XYZ-2026` alone is shared by every lot the stack's producer registered
    # this year (other tests' lots, oldest first, fill the first page), so the search names this lot's timestamp
    found = client_for("exporter").get("/lots", params={"q": code[1:].lower()}).text
    assert code in found
    assert (
        'data-testid="empty-state"' in client_for("exporter").get("/lots", params={"q": "NO-SUCH-CODE"}).text
    )


def test_lists_paginate_and_filter(client_for) -> None:
    client = client_for("admin")
    assert client.get("/lots", params={"status": "purchased", "page": 99}).status_code == 200
    empty = client.get("/contracts", params={"status": "cancelled", "product_type": "nothing-like-this"})
    assert 'data-testid="empty-state"' in empty.text


def test_the_producer_filter_offers_the_producer_companies_only(client_for, stack) -> None:
    """`/lots` and the lot form ask the API for the producer companies (Δ 220's `company_type`), and the companies
    page's type filter is the API's: no exporter or buyer company among them."""
    client = client_for("admin")
    producer = stack.accounts["producer"].company_id
    others = {stack.exporter_company, stack.buyer_company}

    def options(html: str, select: str) -> set[int]:
        section = html.split(f'id="{select}"', 1)[1].split("</select>", 1)[0]
        return {int(found) for found in re.findall(r'<option value="(\d+)"', section)}

    for path, select in (("/lots", "flt-producer"), ("/create_lot", "f-producer_company_id")):
        offered = options(client.get(path).text, select)
        assert producer in offered, path
        assert not offered & others, path
    listed = client.get("/companies", params={"type": "producer"}).text.split(
        'data-testid="companies-table"'
    )[1]
    assert EXPORTER_COMPANY not in listed
    assert BUYER_COMPANY not in listed
    assert EXPORTER_COMPANY in client.get("/companies", params={"type": "exporter"}).text
