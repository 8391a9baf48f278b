"""When the API is down people get a friendly 503 page, and a revoked session sends them back to login."""

from __future__ import annotations

import httpx
import pytest

from tests.web.servers import Process, csrf_from, post_form, web_client


def test_liveness_does_not_need_the_api(web_without_api: Process) -> None:
    assert httpx.get(f"{web_without_api.url}/health").status_code == 200


@pytest.mark.parametrize("path", ["/ready", "/health?deep=1"])
def test_readiness_fails_when_the_api_is_unreachable(web_without_api: Process, path: str) -> None:
    response = httpx.get(f"{web_without_api.url}{path}")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "api": "unavailable"}


@pytest.mark.parametrize("path", ["/", "/verify/LOT-ABC-20250101000000-001"])
def test_pages_show_a_friendly_503(web_without_api: Process, path: str) -> None:
    with web_client(web_without_api.url) as client:
        response = client.get(path)
    assert response.status_code == 503
    assert 'data-testid="error-503"' in response.text
    assert "Traceback" not in response.text
    assert "httpx" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_login_while_the_api_is_down(web_without_api: Process) -> None:
    with web_client(web_without_api.url) as client:
        response = post_form(client, "/login", "/login", {"email": "a@b.c", "password": "x"})
    assert response.status_code == 503
    assert 'data-testid="error-503"' in response.text


def test_status_page_reports_the_outage(web_without_api: Process) -> None:
    with web_client(web_without_api.url, language="en") as client:
        page = client.get("/status")
    assert page.status_code == 200
    assert "Unavailable" in page.text


def test_revoked_session_goes_back_to_login_with_a_message(stack, client_for) -> None:
    """A user deactivated by an admin: the API answers 401 "User inactive" to the old token."""
    admin = client_for("admin")
    post_form(
        admin,
        "/users/new",
        "/users/new",
        {
            "email": "temporal@triboka.test",
            "first_name": "Tem",
            "last_name": "Poral",
            "role": "buyer",
            "company_id": stack.buyer_company,
            "password": "temporal-pass-1",
            "active": "on",
        },
    )
    with web_client(stack.web.url) as victim:
        token = csrf_from(victim.get("/login").text)
        signed_in = victim.post(
            "/login",
            data={"email": "temporal@triboka.test", "password": "temporal-pass-1", "csrf_token": token},
        )
        assert signed_in.status_code == 303
        assert victim.get("/contracts").status_code == 200
        user_id = next(u["id"] for u in _api_users(stack) if u["email"] == "temporal@triboka.test")
        edit = post_form(
            admin,
            f"/users/{user_id}/edit",
            f"/users/{user_id}/edit",
            {
                "email": "temporal@triboka.test",
                "first_name": "Tem",
                "last_name": "Poral",
                "role": "buyer",
                "company_id": stack.buyer_company,
            },
        )
        assert edit.status_code == 303
        response = victim.get("/contracts")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
        login_page = victim.get(response.headers["location"]).text
        assert "Su sesión caducó o fue revocada" in login_page
        assert victim.get("/dashboard").status_code == 303, "the dead token must be gone from the session"


def _api_users(stack) -> list[dict]:
    account = stack.accounts["admin"]
    with httpx.Client(base_url=stack.api.url) as api:
        token = api.post(
            "/api/auth/login", json={"email": account.email, "password": account.password}
        ).json()
        return api.get("/api/users", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
