"""The dashboard's side of account security (issue 11): the API token never readable in the cookie, sign-out that
revokes it at the API, pending registrations approved from the Users page, the wait shown when the API throttles
sign-ins, and the browser's address passed on to the API."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from starlette.requests import Request
from triboka_web.dependencies import forwarded_for
from triboka_web.session_token import TokenSealer

from tests.web.conftest import PASSWORD, Stack
from tests.web.servers import WEB_SECRET, Process, launch_api, post_form, sign_in, start_web, web_client

SESSION_COOKIE = "triboka_session"
JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")  # header.claims.signature, each base64url


def _session_payload(client: httpx.Client) -> dict:
    """The session cookie's data as anyone holding the cookie can read it (it is signed, not encrypted)."""
    payload = client.cookies[SESSION_COOKIE].split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))


@contextmanager
def _api_admin(stack: Stack) -> Iterator[httpx.Client]:
    admin = stack.accounts["admin"]
    with httpx.Client(base_url=stack.api.url, timeout=10) as client:
        token = client.post("/api/auth/login", json={"email": admin.email, "password": admin.password})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


def _new_user(stack: Stack, email: str, role: str = "buyer") -> str:
    with _api_admin(stack) as api:
        body = {
            "email": email,
            "first_name": "Session",
            "last_name": "Test",
            "role": role,
            "password": PASSWORD,
        }
        created = api.post("/api/users", json={**body, "company_id": stack.buyer_company})
        assert created.status_code == 201, created.text
    return email


def test_the_cookie_carries_no_readable_token(stack: Stack) -> None:
    with web_client(stack.web.url) as client:
        assert sign_in(client, _new_user(stack, "cookie-reader@triboka.test"), PASSWORD).status_code == 303
        data = _session_payload(client)
    readable = json.dumps(data)
    assert not JWT.search(readable), "a JWT is readable in the session cookie"
    token = TokenSealer(WEB_SECRET).unseal(data["api_token"])
    assert token is not None
    assert JWT.fullmatch(token), "the sealed value is the API token, encrypted"
    assert token not in readable
    assert TokenSealer("another-secret-of-at-least-32-characters").unseal(data["api_token"]) is None


def test_sign_out_revokes_the_token_and_a_copied_cookie(stack: Stack) -> None:
    with web_client(stack.web.url) as client:
        assert sign_in(client, _new_user(stack, "leaver@triboka.test"), PASSWORD).status_code == 303
        copied = client.cookies[SESSION_COOKIE]
        token = TokenSealer(WEB_SECRET).unseal(_session_payload(client)["api_token"])
        assert httpx.get(
            f"{stack.api.url}/api/profile", headers={"Authorization": f"Bearer {token}"}
        ).is_success
        assert post_form(client, "/logout", "/logout", {}).headers["location"] == "/login"

    refused = httpx.get(f"{stack.api.url}/api/profile", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401, "the API still accepts the signed-out token"
    with web_client(stack.web.url) as replay:
        replay.cookies.set(SESSION_COOKIE, copied)
        answer = replay.get("/dashboard")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_a_pending_registration_is_listed_first_and_approved(stack: Stack, client_for) -> None:
    email = "newcomer@triboka.test"
    registered = httpx.post(
        f"{stack.api.url}/api/auth/register",
        json={
            "name": "Newcomer",
            "email": email,
            "password": PASSWORD,
            "role": "buyer",
            "company_id": stack.buyer_company,
        },
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["status"] == "pending_approval"
    login = {"email": email, "password": PASSWORD}
    assert httpx.post(f"{stack.api.url}/api/auth/login", json=login).status_code == 401

    admin = client_for("admin")
    page = admin.get("/users")
    assert 'data-testid="pending-users"' in page.text
    first_row = page.text.split("</thead>", 1)[1].split("</tr>", 1)[0]
    assert email in first_row, "pending users come first"
    assert 'data-testid="pending-badge"' in first_row
    user_id = registered.json()["user_id"]
    assert post_form(admin, "/users", f"/users/{user_id}/approve", {}).status_code == 303

    assert httpx.post(f"{stack.api.url}/api/auth/login", json=login).status_code == 200
    assert 'data-testid="pending-users"' not in admin.get("/users").text


@pytest.fixture(scope="module")
def throttled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    """A web process in front of an API that locks an account after a few sign-ins a minute."""
    workdir = tmp_path_factory.mktemp("throttled")
    api = launch_api(workdir, "admin@triboka.test", PASSWORD, TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT="3/minute")
    try:
        api.wait_until_healthy()
        web = start_web(workdir, api.url, name="web-throttled")
        yield web
        web.stop()
    finally:
        api.stop()


def test_sign_in_shows_how_long_to_wait(throttled: Process) -> None:
    with web_client(throttled.url, language="en") as client:
        answers = [sign_in(client, "admin@triboka.test", "wrong-password") for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [401, 401, 401]
    limited = answers[3]
    assert limited.status_code == 429
    seconds = int(limited.headers["Retry-After"])
    assert 0 < seconds <= 60
    assert f"try again in {seconds} seconds" in limited.text


def test_the_browser_address_is_passed_on_to_the_api() -> None:
    def request(peer: str, forwarded: str | None) -> Request:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return Request({"type": "http", "headers": headers, "client": (peer, 50000)})

    assert forwarded_for(request("203.0.113.7", None)) == "203.0.113.7"
    # behind the ingress: the chain it sent, then the ingress itself (which the API trusts, as it trusts us)
    assert forwarded_for(request("10.0.0.5", "198.51.100.1")) == "198.51.100.1, 10.0.0.5"
