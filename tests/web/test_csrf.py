"""Every state-changing request needs the session's CSRF token; without it the answer is a 403 page."""

from __future__ import annotations

from tests.web.servers import csrf_from, web_client


def test_post_without_token_is_rejected(client_for) -> None:
    client = client_for("producer")
    response = client.post("/create_lot", data={"farm_name": "Sin token"})
    assert response.status_code == 403
    assert 'data-testid="error-403"' in response.text


def test_post_with_wrong_token_is_rejected(client_for) -> None:
    client = client_for("admin")
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get("/dashboard").status_code == 200, "the forged logout must not have signed the user out"


def test_token_of_another_session_is_rejected(client_for, stack) -> None:
    victim = client_for("exporter")
    with web_client(stack.web.url) as attacker:
        attacker_token = csrf_from(attacker.get("/login").text)
    response = victim.post("/create_contract", data={"contract_code": "X", "csrf_token": attacker_token})
    assert response.status_code == 403


def test_login_form_is_protected_too(anonymous) -> None:
    response = anonymous.post("/login", data={"email": "admin@triboka.test", "password": "x"})
    assert response.status_code == 403
