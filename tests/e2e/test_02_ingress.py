"""Scenario 2: the platform through the ingress over HTTPS (127.0.0.1, Host and SNI triboka.test, the test CA
trusted): health, login with the chart's admin, a lot created and read back, and the dashboard's business flow in
headless Chromium."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from tests.e2e import clients
from tests.e2e.conftest import HOST, PRODUCER_COMPANY
from tests.e2e.release import Release
from tests.e2e.report import record
from tests.web.flows import Account, business_flow, watch


def test_api_and_web_health_over_tls(https: httpx.Client, release: Release) -> None:
    api = https.get("/api/health")
    assert api.status_code == 200, api.text
    assert api.json()["status"] == "ok"
    assert api.json()["database"] == "healthy"
    assert api.http_version in ("HTTP/1.1", "HTTP/2")
    web = https.get("/health")  # `/` routes to the dashboard, whose /health is its liveness
    assert web.status_code == 200, web.text
    assert https.get("/api/health/live").json() == {"status": "alive"}
    # the dashboard's security headers survive the proxy
    login_page = https.get("/login")
    assert login_page.status_code == 200
    assert "max-age" in login_page.headers["strict-transport-security"]


def test_the_certificate_is_the_test_cas_for_the_test_host(tls_context: ssl.SSLContext) -> None:
    # A client that trusts only the system store refuses the certificate: it really is the test CA's.
    with (
        clients.client(HOST, ssl.create_default_context()) as untrusting,
        pytest.raises(httpx.ConnectError) as error,
    ):
        untrusting.get("/api/health")
    assert "CERTIFICATE_VERIFY_FAILED" in str(error.value)
    # ...and a client that trusts the test CA but expects another name refuses it too (the SAN is triboka.test).
    other = clients.MappedTransport(HOST, tls_context)
    request = httpx.Request("GET", f"https://{HOST}/api/health", extensions={"sni_hostname": "other.test"})
    with pytest.raises(httpx.ConnectError):
        httpx.HTTPTransport.handle_request(other, request)


def test_login_and_a_lot_round_trip(
    https: httpx.Client, admin: Account, admin_headers: dict[str, str], companies: dict[str, int], lot_body
) -> None:
    refused = https.post("/api/auth/login", json={"email": admin.email, "password": admin.password + "x"})
    assert refused.status_code == 401
    assert "error" in refused.json()
    profile = https.get("/api/profile", headers=admin_headers)
    assert profile.status_code == 200
    assert profile.json()["email"] == admin.email
    assert profile.json()["role"] == "admin"

    created = https.post("/api/lots", json=lot_body(), headers=admin_headers)
    assert created.status_code == 201, created.text
    lot_id = created.json()["lot_id"]
    lots = https.get("/api/lots", params={"producer_id": companies[PRODUCER_COMPANY]}, headers=admin_headers)
    assert lots.status_code == 200
    (lot,) = [lot for lot in lots.json() if lot["id"] == lot_id]
    assert lot["farm_name"] == "Finca Carga"
    assert lot["weight_kg"] == 1200.5
    assert lot["status"] == "available"
    assert lot["producer_company"] == PRODUCER_COMPANY
    public = https.get(f"/api/lots/id/{lot['lot_code']}")
    assert public.status_code == 200, public.text


def test_browser_business_flow_through_the_ingress(
    browser: Browser, accounts: dict[str, Account], artifacts: Path
) -> None:
    context = browser.new_context(
        base_url=f"https://{HOST}", locale="es-EC", viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        problems = watch(page)
        result = business_flow(page, accounts, artifacts)
        # the session cookie is Secure (web.cookieSecure) and still works over the ingress's TLS
        cookies = context.cookies(f"https://{HOST}/")
        assert cookies
        assert all(c["secure"] and c["httpOnly"] for c in cookies if c["name"].startswith("triboka"))
        assert problems == []
    finally:
        context.close()
    record("browser", lot=result.lot_code, batch=result.batch_code, screenshots=str(artifacts))
