"""Deal rooms in the dashboard (issue 13, item 6, first slice): the deals list for admins and operators, a room
per deal for its members (private terms and finance for admins only), notes and messages posted through forms,
message search, the trace and its PDF, through the real API and web processes."""

from __future__ import annotations

import re

import httpx
import jwt

from tests.web.conftest import Stack
from tests.web.servers import csrf_from


def test_deals_list_for_staff_only(client_for, deal) -> None:
    for role in ("admin", "operator"):
        page = client_for(role).get("/deals")
        assert page.status_code == 200
        assert deal["deal_code"] in page.text
        assert '/deals"' in client_for(role).get("/dashboard").text
    for role in ("producer", "exporter", "buyer"):
        assert client_for(role).get("/deals").status_code == 403


def test_room_by_role_in_deal(client_for, deal) -> None:
    admin = client_for("admin").get(f"/deals/{deal['id']}")
    assert admin.status_code == 200
    assert 'data-testid="terms-private"' in admin.text
    assert "comision_pct" in admin.text
    assert 'data-testid="finance"' in admin.text
    exporter = client_for("exporter").get(f"/deals/{deal['id']}")
    assert exporter.status_code == 200
    assert "volumen_mt" in exporter.text
    assert "comision_pct" not in exporter.text
    assert 'data-testid="finance"' not in exporter.text
    assert '<option value="SOLO_ADMIN">' not in exporter.text
    assert client_for("buyer").get(f"/deals/{deal['id']}").status_code == 403


def test_messages_notes_search_and_pdf(client_for, deal) -> None:
    producer = client_for("producer")
    room = f"/deals/{deal['id']}"
    token = csrf_from(producer.get(room).text)
    sent = producer.post(f"{room}/messages", data={"content": "Listos para embarcar", "csrf_token": token})
    assert sent.status_code == 303
    noted = producer.post(
        f"{room}/notes", data={"content": "Nota de partes", "scope": "PARTES", "csrf_token": token}
    )
    assert noted.status_code == 303
    refused = producer.post(
        f"{room}/notes", data={"content": "secreta", "scope": "SOLO_ADMIN", "csrf_token": token}
    )
    assert refused.status_code == 403  # the API refuses SOLO_ADMIN to a party: the 403 page
    exporter = client_for("exporter").get(room).text
    assert "Listos para embarcar" in exporter
    assert "Nota de partes" in exporter
    assert "secreta" not in client_for("admin").get(room).text
    found = client_for("exporter").get(f"{room}?q=embarcar")
    assert 'data-testid="search-results"' in found.text
    assert "Listos para embarcar" in found.text.split('data-testid="search-results"')[1]
    pdf = client_for("exporter").get(f"{room}/export")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert pdf.content.startswith(b"%PDF-")


def _api_user_id(stack: Stack, role: str) -> int:
    account = stack.accounts[role]
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        login = api.post("/api/auth/login", json={"email": account.email, "password": account.password})
        return login.json()["user"]["id"]


def test_impersonation_banner_and_stop(stack, client_for) -> None:
    admin = client_for("admin")
    producer_id = _api_user_id(stack, "producer")
    users = admin.get("/users").text
    assert f'data-testid="impersonate-{producer_id}"' in users
    assert f'data-testid="impersonate-{_api_user_id(stack, "operator")}"' not in users  # staff cannot be
    started = admin.post(f"/users/{producer_id}/impersonate", data={"csrf_token": csrf_from(users)})
    assert (started.status_code, started.headers["location"]) == (303, "/dashboard")
    dashboard = admin.get("/dashboard").text
    assert 'data-testid="impersonation-banner"' in dashboard
    assert "Coop Valle" in dashboard  # the producer's name, in the banner
    # the banner stays on every page, and the session acts as the producer: no deals list, no users panel
    assert 'data-testid="impersonation-banner"' in admin.get("/lots").text
    assert admin.get("/deals").status_code == 403
    stopped = admin.post("/impersonation/stop", data={"csrf_token": csrf_from(dashboard)})
    assert (stopped.status_code, stopped.headers["location"]) == (303, "/users")
    after = admin.get("/users")
    assert after.status_code == 200
    assert 'data-testid="impersonation-banner"' not in after.text
    assert admin.get("/deals").status_code == 200


def test_only_staff_may_impersonate(stack, client_for) -> None:
    exporter = client_for("exporter")
    token = csrf_from(exporter.get("/dashboard").text)
    producer_id = _api_user_id(stack, "producer")
    assert exporter.post(f"/users/{producer_id}/impersonate", data={"csrf_token": token}).status_code == 403
    assert 'data-testid="impersonation-banner"' not in exporter.get("/dashboard").text


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def test_upload_and_download_through_the_dashboard(client_for, deal) -> None:
    producer = client_for("producer")
    room = f"/deals/{deal['id']}"
    token = csrf_from(producer.get(room).text)
    sent = producer.post(
        f"{room}/files",
        data={"csrf_token": token, "confidentiality": "PARTES", "description": "Certificado"},
        files={"file": ("certificado orgánico.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 303
    page = client_for("exporter").get(room).text
    files = page.split('data-testid="files"')[1].split("</ul>")[0]
    assert "certificado orgánico.pdf" in files
    link = files.split('href="')[1].split('"')[0]
    download = client_for("exporter").get(link)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    # the API's refusals come back as a message, and nothing is listed
    bad = producer.post(
        f"{room}/files",
        data={"csrf_token": token, "confidentiality": "PUBLIC"},
        files={"file": ("factura.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
    )
    assert bad.status_code == 303
    assert "factura.pdf" not in client_for("admin").get(room).text


def _socket_ticket(page: str) -> str:
    return page.split('data-socket-ticket="')[1].split('"')[0]


def test_the_room_gives_page_script_a_socket_ticket_not_the_api_token(stack, client_for, deal) -> None:
    """Δ 112 from the side of a script that reads the page: what it finds opens the deal's socket and nothing
    else (every API route answers it 401), and the session's API token appears nowhere."""
    producer = client_for("producer")
    room = f"/deals/{deal['id']}"
    page = producer.get(room).text
    ticket = _socket_ticket(page)
    live = producer.get(f"{room}/live")
    assert live.headers["cache-control"] == "no-store"
    assert set(live.json()) == {"deal_id", "ticket"}
    fresh = live.json()["ticket"]
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        for given in (ticket, fresh):
            claims = jwt.decode(given, options={"verify_signature": False})
            assert (claims["aud"], claims["deal_id"], claims["exp"] - claims["iat"]) == (
                "socket",
                deal["id"],
                60,
            )
            refused = api.get(f"/api/deals/{deal['id']}", headers={"Authorization": f"Bearer {given}"})
            assert refused.status_code == 401
        account = stack.accounts["producer"]
        token = api.post("/api/auth/login", json={"email": account.email, "password": account.password})
    # an API token of the same user has the same shape; none of the page's tokens is one
    assert not any(
        "aud" not in jwt.decode(t, options={"verify_signature": False})
        for t in re.findall(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", page + live.text)
    )
    assert token.json()["access_token"] not in page + live.text
    # a non-member gets neither the room nor a ticket
    assert client_for("buyer").get(f"{room}/live").status_code == 403
