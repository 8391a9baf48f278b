"""Issue 11, accounts and tokens, from the attacker's side: self-registration into someone else's company (Δ 25),
an operator taking over an admin, tokens that outlive their user or their password (Δ 26, Δ 27), and concurrent
registrations of one e-mail."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import jwt
import pytest
from triboka_api.app import create_app
from triboka_api.security.passwords import PasswordHashing

from tests.api.conftest import JWT_SECRET, PASSWORD
from tests.api.helpers import (
    STR,
    assert_error,
    assert_jwt_error,
    assert_ok,
    assert_shape,
    bearer,
    mint_token,
)

REVOKED = "Token has been revoked"


def _email() -> str:
    return f"acct-{uuid.uuid4().hex[:10]}@example.com"


async def _register(client: httpx.AsyncClient, **extra: object) -> httpx.Response:
    body = {"name": "Stranger", "email": _email(), "password": PASSWORD, "role": "exporter"} | extra
    return await client.post("/api/auth/register", json=body)


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def _listed(client: httpx.AsyncClient, staff, user_id: int) -> dict:
    users = assert_ok(await client.get("/api/users", headers=staff.headers))
    return next(item for item in users if item["id"] == user_id)


# 1. Self-registration into an existing company waits for approval ---------------------------------------------


@pytest.mark.parametrize("approver_role", ["admin", "operator"])
async def test_registration_into_a_company_is_pending_until_approved(client, world, approver_role) -> None:
    victim = await world.user("exporter")
    approver = await world.user(approver_role, company=None)
    email = _email()
    response = await _register(client, email=email, company_id=victim.company_id)
    body = assert_ok(response, 201)
    assert_shape(body, {"message": STR, "user_id": body["user_id"], "status": "pending_approval"})
    # the stranger is not a member yet: no token, so none of the company's data
    assert_error(await _login(client, email), 401, "inactive")
    listed = assert_ok(await client.get("/api/users", headers=approver.headers))
    assert listed[0]["id"] == body["user_id"]  # pending registrations come first
    assert (listed[0]["pending_approval"], listed[0]["is_active"]) == (True, False)
    assert all(item["pending_approval"] is False for item in listed if item["is_active"])

    approved = await client.put(
        f"/api/users/{body['user_id']}", json={"active": True}, headers=approver.headers
    )
    assert assert_ok(approved)["user"]["active"] is True
    login = assert_ok(await _login(client, email))
    assert login["user"]["company_id"] == victim.company_id
    assert (await _listed(client, approver, body["user_id"]))["pending_approval"] is False


async def test_pending_registrations_are_listed_first_newest_first(client, world, admin) -> None:
    company = await world.company("buyer")
    first = assert_ok(await _register(client, role="buyer", company_id=company.id), 201)["user_id"]
    second = assert_ok(await _register(client, role="buyer", company_id=company.id), 201)["user_id"]
    await world.user("buyer")  # a newer, active user still comes after them
    listed = assert_ok(await client.get("/api/users", headers=admin.headers))
    pending = [item["id"] for item in listed if item["pending_approval"]]
    assert pending[:2] == [second, first]
    assert [item["pending_approval"] for item in listed] == sorted(
        (item["pending_approval"] for item in listed), reverse=True
    )


async def test_a_rejected_or_deactivated_user_is_not_pending(client, world, admin) -> None:
    company = await world.company("exporter")
    rejected = assert_ok(await _register(client, company_id=company.id), 201)["user_id"]
    assert_ok(await client.put(f"/api/users/{rejected}", json={"active": False}, headers=admin.headers))
    deactivated = await world.user("buyer")
    assert_ok(await client.put(f"/api/users/{deactivated.id}", json={"active": False}, headers=admin.headers))
    for user_id in (rejected, deactivated.id):
        item = await _listed(client, admin, user_id)
        assert (item["pending_approval"], item["is_active"]) == (False, False)


async def test_registration_without_a_company_is_active_at_once(client) -> None:
    email = _email()
    body = assert_ok(await _register(client, email=email, role="buyer"), 201)
    assert body["status"] == "active"
    assert assert_ok(await _login(client, email))["user"]["id"] == body["user_id"]


async def test_other_edits_do_not_approve_a_pending_user(client, world, admin) -> None:
    company = await world.company("exporter")
    email = _email()
    user_id = assert_ok(await _register(client, email=email, company_id=company.id), 201)["user_id"]
    assert_ok(await client.put(f"/api/users/{user_id}", json={"first_name": "Eve"}, headers=admin.headers))
    assert_error(await _login(client, email), 401, "inactive")
    assert (await _listed(client, admin, user_id))["pending_approval"] is True


# 2. An operator may not take over an admin ----------------------------------------------------------------------

OPERATOR_ATTEMPTS = [
    pytest.param("PUT", {"first_name": "Owned"}, id="modify"),
    pytest.param("PUT", {"active": False}, id="deactivate"),
    pytest.param("PUT", {"password": "attacker-chosen-1"}, id="reset-password"),
    pytest.param("PUT", {"role": "buyer"}, id="demote"),
    pytest.param("PUT", {"company_id": None}, id="change-company"),
    pytest.param("DELETE", None, id="delete"),
]


@pytest.mark.parametrize(("method", "body"), OPERATOR_ATTEMPTS)
async def test_operator_may_not_touch_an_admin(client, world, method, body) -> None:
    target = await world.user("admin", company=None)
    operator = await world.user("operator", company=None)
    response = await client.request(method, f"/api/users/{target.id}", json=body, headers=operator.headers)
    assert_error(response, 403, "admin")
    # nothing changed: the admin's password, token and row are as they were
    profile = assert_ok(await client.get("/api/profile", headers=target.headers))
    assert (profile["role"], profile["active"]) == ("admin", True)
    assert not profile["name"].startswith("Owned")
    assert_ok(await _login(client, target.email))
    assert_error(await _login(client, target.email, "attacker-chosen-1"), 401)


@pytest.mark.parametrize(("method", "body"), OPERATOR_ATTEMPTS)
async def test_an_admin_may_manage_another_admin(client, world, method, body) -> None:
    target = await world.user("admin", company=None)
    actor = await world.user("admin", company=None)
    response = await client.request(method, f"/api/users/{target.id}", json=body, headers=actor.headers)
    assert_ok(response)


async def test_operator_may_not_grant_or_create_the_admin_role(client, world) -> None:
    operator = await world.user("operator", company=None)
    buyer = await world.user("buyer")
    assert_error(
        await client.put(f"/api/users/{buyer.id}", json={"role": "admin"}, headers=operator.headers), 403
    )
    assert_error(
        await client.put(f"/api/users/{operator.id}", json={"role": "admin"}, headers=operator.headers), 403
    )
    body = {"email": _email(), "first_name": "A", "last_name": "B", "role": "admin", "password": "x"}
    assert_error(await client.post("/api/users", json=body, headers=operator.headers), 403)
    # an operator still manages everyone else
    assert_ok(await client.put(f"/api/users/{buyer.id}", json={"active": False}, headers=operator.headers))


async def test_missing_user_is_404_before_the_admin_rule(client, world) -> None:
    operator = await world.user("operator", company=None)
    assert_error(await client.put("/api/users/987654", json={}, headers=operator.headers), 404)
    assert_error(await client.delete("/api/users/987654", headers=operator.headers), 404)


# 4. Tokens do not outlive their user, password, role, company or session ------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"password": "N3w-passw0rd"}, id="password"),
        pytest.param({"role": "buyer"}, id="role"),
        pytest.param({"company_id": None}, id="company"),
    ],
)
async def test_a_replayed_token_after_an_account_change_is_401(client, world, admin, change) -> None:
    target = await world.user("exporter")
    other_device = await world.login(target.email)
    bystander = await world.user("exporter")
    assert_ok(await client.put(f"/api/users/{target.id}", json=change, headers=admin.headers))
    for token in (target.token, other_device):
        assert_jwt_error(await client.get("/api/profile", headers=bearer(token)), 401, REVOKED)
    assert_ok(await client.get("/api/profile", headers=bystander.headers))
    fresh = await world.login(target.email, change.get("password", PASSWORD))
    assert_ok(await client.get("/api/profile", headers=bearer(fresh)))


async def test_edits_that_change_nothing_security_relevant_keep_the_token(client, world, admin) -> None:
    target = await world.user("exporter")
    same = {"first_name": "Renamed", "role": "exporter", "company_id": target.company_id, "active": True}
    assert_ok(await client.put(f"/api/users/{target.id}", json=same, headers=admin.headers))
    assert_ok(await client.get("/api/profile", headers=target.headers))


async def test_a_replayed_token_after_deactivation_stays_dead(client, world, admin) -> None:
    target = await world.user("buyer")
    assert_ok(await client.put(f"/api/users/{target.id}", json={"active": False}, headers=admin.headers))
    assert_jwt_error(await client.get("/api/lots", headers=target.headers), 401, "User inactive")
    assert_ok(await client.put(f"/api/users/{target.id}", json={"active": True}, headers=admin.headers))
    assert_jwt_error(await client.get("/api/lots", headers=target.headers), 401, REVOKED)


async def test_logout_revokes_every_token_of_the_user(client, world) -> None:
    """Δ 26: one logout ends every session of the account (all devices), and only of that account."""
    party = await world.user("producer")
    second_device = await world.login(party.email)
    bystander = await world.user("producer")
    body = assert_ok(await client.post("/api/auth/logout", headers=party.headers))
    assert_shape(body, {"message": STR})
    for token in (party.token, second_device):
        assert_jwt_error(await client.get("/api/profile", headers=bearer(token)), 401, REVOKED)
        assert_jwt_error(await client.post("/api/auth/logout", headers=bearer(token)), 401, REVOKED)
    assert_ok(await client.get("/api/profile", headers=bystander.headers))
    assert_ok(await client.get("/api/profile", headers=bearer(await world.login(party.email))))


async def test_logout_needs_a_valid_token(client) -> None:
    assert_jwt_error(await client.post("/api/auth/logout"), 401, "Missing Authorization Header")
    assert_jwt_error(await client.post("/api/auth/logout", headers=bearer("x.y.z")), 422)


async def test_logout_takes_effect_at_once_despite_the_user_cache(settings, world) -> None:
    """The worker that served the logout forgets the cached user: no TRIBOKA_USER_CACHE_SECONDS grace period."""
    party = await world.user("buyer")
    cached = create_app(settings.model_copy(update={"user_cache_seconds": 3600}))
    async with (
        cached.router.lifespan_context(cached),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=cached), base_url="http://api.test") as c,
    ):
        assert_ok(await c.get("/api/profile", headers=party.headers))  # now cached for an hour
        assert_ok(await c.post("/api/auth/logout", headers=party.headers))
        assert_jwt_error(await c.get("/api/profile", headers=party.headers), 401, REVOKED)


async def test_tokens_without_a_version_are_refused(client, world) -> None:
    """Tokens issued before Δ 27 carry no `tv`: they could name a reused SQLite id, so they are not honoured."""
    party = await world.user("buyer")
    claims = jwt.decode(party.token, JWT_SECRET, algorithms=["HS256"])
    claims.pop("tv")
    assert_jwt_error(
        await client.get("/api/profile", headers=bearer(jwt.encode(claims, JWT_SECRET))), 401, REVOKED
    )
    for forged in ("1", None, -1, 1):
        token = mint_token(party.id, JWT_SECRET, tv=forged)
        assert_jwt_error(await client.get("/api/profile", headers=bearer(token)), 401, REVOKED)


async def test_a_deleted_users_token_never_names_the_next_user(client, world, admin) -> None:
    """SQLite handed a deleted row's id (the highest) to the next insert: the old token became the new user's."""
    doomed = await world.user("buyer")  # the newest user: its id is the table's highest
    assert_ok(await client.delete(f"/api/users/{doomed.id}", headers=admin.headers))
    email = _email()
    newcomer = assert_ok(await _register(client, email=email, role="buyer"), 201)["user_id"]
    assert newcomer != doomed.id
    assert newcomer > doomed.id
    assert_jwt_error(await client.get("/api/profile", headers=doomed.headers), 401, "User not found")
    assert assert_ok(await _login(client, email))["user"]["id"] == newcomer


async def test_change_context_tokens_carry_the_current_version(client, world) -> None:
    party = await world.user("exporter")
    changed = assert_ok(await client.post("/api/auth/change-context", json={}, headers=party.headers))
    token = changed["access_token"]
    assert (
        assert_ok(await client.get("/api/auth/context", headers=bearer(token)))["active_context"]["type"]
        == "global"
    )
    assert_ok(await client.post("/api/auth/logout", headers=bearer(token)))
    assert_jwt_error(await client.get("/api/profile", headers=bearer(token)), 401, REVOKED)


# 13. Concurrent registrations of one e-mail -----------------------------------------------------------------------


class _RacingHashing(PasswordHashing):
    """Holds every registration after its duplicate check until all of them got there: the race is certain."""

    def __init__(self, parties: int) -> None:
        super().__init__(threads=parties)
        self.barrier = asyncio.Barrier(parties)

    async def hash(self, password: str) -> str:
        async with asyncio.timeout(10):
            await self.barrier.wait()
        return await super().hash(password)


@pytest.mark.parametrize("company", [False, True], ids=["own-company", "existing-company"])
async def test_concurrent_registrations_of_one_email(client, world, admin, company) -> None:
    parties = 4
    email = _email()
    extra = {"company_id": (await world.company("exporter")).id} if company else {"role": "producer"}
    state = world.app.state
    original, state.passwords = state.passwords, _RacingHashing(parties)
    try:
        responses = await asyncio.gather(*(_register(client, email=email, **extra) for _ in range(parties)))
    finally:
        state.passwords = original
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [400] * (parties - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 400:
            assert response.json() == {"error": "Email already registered"}
    listed = assert_ok(await client.get("/api/users", headers=admin.headers))
    assert [item["email"] for item in listed].count(email) == 1
