"""S-01, S-02: read-only impersonation (§5.1, Δ 107), from the side of whoever must be refused: lower roles, a
privileged target, a read-only token trying to change anything (every mutating route of the route table), and
tokens that outlive their admin's rights."""

from __future__ import annotations

import jwt
import pytest
from triboka_api.models import User

from tests.api.conftest import JWT_SECRET, Party, World
from tests.api.helpers import (
    DICT,
    STR,
    api_routes,
    assert_error,
    assert_jwt_error,
    assert_ok,
    assert_shape,
    bearer,
    mint_token,
    takes_api_key,
)

START = {"message": STR, "access_token": STR, "impersonation_context": DICT, "warning": STR}
# the routes an impersonation token may POST to: login needs no token at all (it ignores the header), S-02
# exists to give the admin's own token back, and a socket ticket (Δ 112) writes nothing: it lets the token listen
# to a deal room as it may, and carries its read-only claims to the socket
ALLOWED_WRITES = {
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/stop-impersonation"),
    ("POST", "/api/realtime/ticket"),
}


async def _impersonate(client, actor: Party, target_id: int):
    return await client.post(f"/api/auth/impersonate/{target_id}", headers=actor.headers)


async def _token(client, actor: Party, target: Party) -> str:
    return assert_ok(await _impersonate(client, actor, target.id))["access_token"]


async def _events(client, admin: Party, event_type: str, user_id: int) -> list[dict]:
    body = assert_ok(
        await client.get(f"/api/audit?type={event_type}&user_id={user_id}", headers=admin.headers)
    )
    return body["events"]


async def test_impersonation_token_claims_and_audit(client, world, admin) -> None:
    target = await world.user("producer")
    for actor in (admin, await world.user("operator", company=None)):
        body = assert_ok(await _impersonate(client, actor, target.id))
        assert_shape(body, START)
        claims = jwt.decode(body["access_token"], JWT_SECRET, algorithms=["HS256"])
        assert claims["sub"] == str(target.id)
        assert claims["scopes"] == ["read"]
        assert claims["is_impersonating"] is True
        assert claims["original_admin_id"] == actor.id
        assert claims["role"] == "producer"
        assert claims["company_id"] == target.company_id
        assert claims["exp"] - claims["iat"] <= 3600
        assert (
            claims["active_context"]
            == body["impersonation_context"]
            == {
                "type": "impersonation",
                "original_user_id": actor.id,
                "original_user_name": await _name(client, actor),
                "impersonated_user_id": target.id,
                "impersonated_user_name": await _name(client, target),
                "permissions": ["read"],
                "deal_id": None,
            }
        )
        # it reads as the target
        profile = assert_ok(await client.get("/api/profile", headers=bearer(body["access_token"])))
        assert profile["id"] == target.id
        context = assert_ok(await client.get("/api/auth/context", headers=bearer(body["access_token"])))
        assert context["is_impersonating"] is True
        assert context["impersonation_info"]["original_admin_id"] == actor.id
    events = await _events(client, admin, "auth.impersonation.start", target.id)
    assert len(events) == 2
    assert {e["actor_user_id"] for e in events} == {admin.id, events[0]["actor_user_id"]}
    assert all(e["target_user_id"] == target.id and e["outcome"] == "success" for e in events)


async def _name(client, party: Party) -> str:
    return assert_ok(await client.get("/api/profile", headers=party.headers))["name"]


async def test_who_may_impersonate_whom(client, world, admin) -> None:
    operator = await world.user("operator", company=None)
    other_admin = await world.user("admin", company=None)
    producer = await world.user("producer")
    for lower in (
        producer,
        await world.user("exporter"),
        await world.user("buyer"),
        await world.user("user"),
    ):
        assert_error(await _impersonate(client, lower, producer.id), 403)
    assert_error(await _impersonate(client, admin, 999999), 404, "User")
    # an operator may not become an admin (nor another operator); an admin neither
    for actor, target in (
        (operator, admin),
        (operator, other_admin),
        (admin, operator),
        (admin, other_admin),
    ):
        assert_error(await _impersonate(client, actor, target.id), 403)
    inactive = await world.user("buyer", active=False)
    assert_error(await _impersonate(client, admin, inactive.id), 400, "inactive")
    # no chains: an impersonation token cannot start another one (it is read-only)
    token = await _token(client, admin, producer)
    assert_error(await client.post(f"/api/auth/impersonate/{producer.id}", headers=bearer(token)), 403)
    # refusals leave no audit trail of a start
    for refused in (other_admin, operator, inactive):
        assert await _events(client, admin, "auth.impersonation.start", refused.id) == []


def _mutating_routes(app) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in api_routes(app)
        for method in route.methods
        # the AgroWeight routes take a company API key, never a user's token (an impersonation one is a 401)
        if method in {"POST", "PUT", "PATCH", "DELETE"}
        and (method, route.path) not in ALLOWED_WRITES
        and not takes_api_key(route)
    )


async def test_every_mutating_route_refuses_impersonation_tokens(app, client, world, admin) -> None:
    """Walks the app's route table, so a route added later is covered without editing this test."""
    target = await world.user("exporter")
    token = await _token(client, admin, target)
    routes = _mutating_routes(app)
    assert len(routes) > 20
    for method, path in routes:
        url = path.format(**{name: "1" for name in _params(path)})
        response = await client.request(method, url, headers=bearer(token), json={})
        assert_error(response, 403)
        assert "read-only" in response.json()["error"], (method, path)


def _params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


async def test_stop_impersonation_gives_the_admin_token_back(client, world, admin) -> None:
    target = await world.user("buyer")
    token = await _token(client, admin, target)
    body = assert_ok(await client.post("/api/auth/stop-impersonation", headers=bearer(token)))
    assert_shape(body, {"message": STR, "access_token": STR, "active_context": DICT})
    claims = jwt.decode(body["access_token"], JWT_SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["is_impersonating"], claims["scopes"]) == (
        str(admin.id),
        False,
        ["read", "write"],
    )
    assert body["active_context"] == {"type": "global", "deal_id": None, "permissions": ["admin"]}
    # the admin writes again with it
    assert_ok(
        await client.post(
            "/api/auth/change-context", json={"type": "global"}, headers=bearer(body["access_token"])
        )
    )
    events = await _events(client, admin, "auth.impersonation.stop", admin.id)
    assert len(events) == 1
    assert events[0]["detail"] == {"impersonated_user_id": target.id}


async def test_stop_impersonation_refusals(client, world, admin) -> None:
    target = await world.user("producer")
    assert_error(await client.post("/api/auth/stop-impersonation", headers=target.headers), 400)
    no_admin = mint_token(target.id, JWT_SECRET, is_impersonating=True, scopes=["read"])
    assert_error(await client.post("/api/auth/stop-impersonation", headers=bearer(no_admin)), 400)
    gone = mint_token(target.id, JWT_SECRET, is_impersonating=True, original_admin_id=987654, otv=0)
    assert_error(await client.post("/api/auth/stop-impersonation", headers=bearer(gone)), 404)
    assert_jwt_error(await client.post("/api/auth/stop-impersonation"), 401)


@pytest.mark.parametrize("change", ["demoted", "deactivated", "logged_out"])
async def test_impersonation_ends_with_the_admins_rights(client, world: World, change) -> None:
    """A token an admin started is refused (401) once that admin is demoted, deactivated or logs out."""
    actor = await world.user("admin", company=None)
    target = await world.user("producer")
    token = await _token(client, actor, target)
    assert_ok(await client.get("/api/profile", headers=bearer(token)))
    if change == "demoted":
        await world.update(User, actor.id, role="user")
    elif change == "deactivated":
        await world.set_active(actor, False)
    else:
        assert_ok(await client.post("/api/auth/logout", headers=actor.headers))
    assert_jwt_error(await client.get("/api/profile", headers=bearer(token)), 401, "Token has been revoked")
    assert_jwt_error(await client.post("/api/auth/stop-impersonation", headers=bearer(token)), 401)


async def test_a_forged_impersonation_token_without_the_admins_version_is_refused(
    client, world, admin
) -> None:
    target = await world.user("producer")
    for claims in ({"original_admin_id": admin.id}, {"original_admin_id": admin.id, "otv": 5}, {"otv": 0}):
        token = mint_token(target.id, JWT_SECRET, is_impersonating=True, scopes=["read"], **claims)
        assert_jwt_error(await client.get("/api/profile", headers=bearer(token)), 401)
