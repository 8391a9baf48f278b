"""Scenario 2: the platform from outside over HTTPS, through each edge the chart renders: the Ingress (host
triboka.test) and the Gateway API HTTPRoute on the chart's Gateway (host triboka-gw.test), both on 127.0.0.1 with
Host and SNI set and only the test CA trusted. Per edge: health, the certificate, plain HTTP redirected to HTTPS,
login with the chart's admin, a lot created and read back, and the dashboard's business flow in headless
Chromium. One install serves both edges (conftest `release`), so the second costs no install."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from tests.e2e import clients
from tests.e2e.conftest import EDGES, PRODUCER_COMPANY, Edge, serving_client
from tests.e2e.release import Release
from tests.e2e.report import record
from tests.web.flows import Account, business_flow, watch


@pytest.fixture(scope="module", params=EDGES, ids=[edge.name for edge in EDGES])
def edge(request: pytest.FixtureRequest) -> Edge:
    return request.param


@pytest.fixture(scope="module")
def edge_https(edge: Edge, release: Release, tls_context: ssl.SSLContext) -> Iterator[httpx.Client]:
    with serving_client(edge, tls_context) as client:
        yield client


def test_api_and_web_health_over_tls(edge_https: httpx.Client, edge: Edge) -> None:
    api = edge_https.get("/api/health")
    assert api.status_code == 200, api.text
    assert api.json()["status"] == "ok"
    assert api.json()["database"] == "healthy"
    assert api.http_version in ("HTTP/1.1", "HTTP/2")
    web = edge_https.get("/health")  # `/` routes to the dashboard, whose /health is its liveness
    assert web.status_code == 200, web.text
    assert edge_https.get("/api/health/live").json() == {"status": "alive"}
    # the dashboard's security headers survive the proxy; through the HTTPRoute its HSTS filter sets the header
    login_page = edge_https.get("/login")
    assert login_page.status_code == 200
    assert login_page.headers["strict-transport-security"] == edge.hsts


def test_plain_http_is_redirected_to_https(edge: Edge, tls_context: ssl.SSLContext) -> None:
    with httpx.Client(transport=clients.MappedTransport(edge.host, tls_context), timeout=15) as plain:
        for path in ("/login?next=%2Flots", "/api/health"):
            answer = plain.get(f"http://{edge.host}{path}")
            assert answer.status_code == edge.redirect_status, answer.text
            assert answer.headers["location"] == f"https://{edge.host}{path}"


def test_the_certificate_is_the_test_cas_for_the_test_host(edge: Edge, tls_context: ssl.SSLContext) -> None:
    # A client that trusts only the system store refuses the certificate: it really is the test CA's.
    with (
        clients.client(edge.host, ssl.create_default_context()) as untrusting,
        pytest.raises(httpx.ConnectError) as error,
    ):
        untrusting.get("/api/health")
    assert "CERTIFICATE_VERIFY_FAILED" in str(error.value)
    # ...and a client that trusts the test CA but expects another name refuses it too (the SAN is the edge's host;
    # each edge has a certificate of its own, so the HTTPRoute's host proves its listener's Secret is served).
    other = clients.MappedTransport(edge.host, tls_context)
    request = httpx.Request(
        "GET", f"https://{edge.host}/api/health", extensions={"sni_hostname": "other.test"}
    )
    with pytest.raises(httpx.ConnectError):
        httpx.HTTPTransport.handle_request(other, request)


def test_login_and_a_lot_round_trip(
    edge_https: httpx.Client,
    admin: Account,
    admin_headers: dict[str, str],
    companies: dict[str, int],
    lot_body,
) -> None:
    refused = edge_https.post(
        "/api/auth/login", json={"email": admin.email, "password": admin.password + "x"}
    )
    assert refused.status_code == 401
    assert "error" in refused.json()
    profile = edge_https.get("/api/profile", headers=admin_headers)
    assert profile.status_code == 200
    assert profile.json()["email"] == admin.email
    assert profile.json()["role"] == "admin"

    created = edge_https.post("/api/lots", json=lot_body(), headers=admin_headers)
    assert created.status_code == 201, created.text
    lot_id = created.json()["lot_id"]
    lots = edge_https.get(
        "/api/lots", params={"producer_id": companies[PRODUCER_COMPANY]}, headers=admin_headers
    )
    assert lots.status_code == 200
    (lot,) = [lot for lot in lots.json() if lot["id"] == lot_id]
    assert lot["farm_name"] == "Finca Carga"
    assert lot["weight_kg"] == 1200.5
    assert lot["status"] == "available"
    assert lot["producer_company"] == PRODUCER_COMPANY
    public = edge_https.get(f"/api/lots/id/{lot['lot_code']}")
    assert public.status_code == 200, public.text


def test_browser_business_flow_through_the_edge(
    browser: Browser, accounts: dict[str, Account], artifacts: Path, edge: Edge
) -> None:
    context = browser.new_context(
        base_url=f"https://{edge.host}", locale="es-EC", viewport={"width": 1280, "height": 900}
    )
    shots = artifacts / edge.name
    shots.mkdir(exist_ok=True)
    try:
        page = context.new_page()
        problems = watch(page)
        result = business_flow(page, accounts, shots, contract_code=f"EXP-E2E-{edge.name.upper()}")
        # the session cookie is Secure (web.cookieSecure) and still works over the edge's TLS
        cookies = context.cookies(f"https://{edge.host}/")
        assert cookies
        assert all(c["secure"] and c["httpOnly"] for c in cookies if c["name"].startswith("triboka"))
        assert problems == []
    finally:
        context.close()
    record(f"browser_{edge.name}", lot=result.lot_code, batch=result.batch_code, screenshots=str(shots))
