"""§2 JWT contract and the JWT-layer errors of §1.3, on every JWT route; impersonation tokens are read-only."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest
import pytest_asyncio
from triboka_api.models import User

from tests.api.conftest import JWT_SECRET
from tests.api.helpers import (
    DICT,
    JWT_ROUTES,
    MUTATING_ROUTES,
    PUBLIC_ROUTES,
    assert_error,
    assert_jwt_error,
    assert_ok,
    bearer,
    mint_token,
    route_id,
)

OTHER_SECRET = "not-the-service-secret-0123456789abcdef"


@pytest_asyncio.fixture(scope="module")
async def ghosts(world):
    """A user deleted after login and one deactivated after login: their tokens are otherwise valid."""
    deleted = await world.user("exporter")
    inactive = await world.user("exporter", active=False)
    await world.drop_user(deleted)  # after the other insert: SQLite would hand a freed top id out again
    return deleted, inactive


def _send(client, method: str, path: str, headers: dict[str, str]):
    return client.request(method, path, headers=headers, json=None if method == "GET" else {})


@pytest.mark.parametrize(("method", "path"), JWT_ROUTES, ids=[route_id(r) for r in JWT_ROUTES])
async def test_jwt_layer_errors_on_every_route(client, ghosts, method, path) -> None:
    deleted, inactive = ghosts
    assert_jwt_error(await _send(client, method, path, {}), 401, "Missing Authorization Header")
    assert_jwt_error(await _send(client, method, path, {"Authorization": f"Token {inactive.token}"}), 401)
    assert_jwt_error(await _send(client, method, path, bearer("not-a-jwt")), 422, "Not enough segments")
    foreign = mint_token(inactive.id, OTHER_SECRET)
    assert_jwt_error(await _send(client, method, path, bearer(foreign)), 422, "Signature verification failed")
    expired = mint_token(inactive.id, JWT_SECRET, lifetime=timedelta(hours=-1))
    assert_jwt_error(await _send(client, method, path, bearer(expired)), 401, "Token has expired")
    assert_jwt_error(await _send(client, method, path, deleted.headers), 401, "User not found")
    assert_jwt_error(await _send(client, method, path, inactive.headers), 401, "User inactive")


@pytest.mark.parametrize(("method", "path"), PUBLIC_ROUTES, ids=[route_id(r) for r in PUBLIC_ROUTES])
async def test_public_routes_need_no_token(client, method, path) -> None:
    response = await client.request(method, path)
    assert response.status_code not in (401, 403, 422), response.text


@pytest.mark.parametrize(("method", "path"), MUTATING_ROUTES, ids=[route_id(r) for r in MUTATING_ROUTES])
async def test_impersonation_tokens_are_rejected_on_mutating_routes(client, admin, method, path) -> None:
    token = mint_token(
        admin.id,
        JWT_SECRET,
        role="admin",
        company_id=None,
        scopes=["read"],
        is_impersonating=True,
        otv=0,
        original_admin_id=admin.id,
        active_context={"type": "impersonation", "deal_id": None, "permissions": ["read"]},
    )
    # 403 comes before any body validation, existence check or role check.
    assert_error(await _send(client, method, path, bearer(token)), 403)


async def test_impersonation_tokens_may_read(client, admin) -> None:
    token = mint_token(
        admin.id, JWT_SECRET, is_impersonating=True, otv=0, original_admin_id=admin.id, scopes=["read"]
    )
    assert assert_ok(await client.get("/api/profile", headers=bearer(token)))["id"] == admin.id
    assert isinstance(assert_ok(await client.get("/api/lots", headers=bearer(token))), list)


@pytest.mark.parametrize(
    ("role", "permissions"),
    [
        ("admin", ["admin"]),
        ("operator", ["admin"]),
        ("exporter", ["user"]),
        ("buyer", ["user"]),
        ("producer", ["user"]),
        ("user", ["user"]),
    ],
)
async def test_login_token_claims(world, role, permissions) -> None:
    party = await world.user(role)
    header = jwt.get_unverified_header(party.token)
    assert header["alg"] == "HS256"
    assert header.get("typ", "JWT") == "JWT"
    claims = jwt.decode(party.token, JWT_SECRET, algorithms=["HS256"])
    assert {
        "fresh",
        "iat",
        "nbf",
        "exp",
        "jti",
        "type",
        "sub",
        "tv",
        "role",
        "company_id",
        "scopes",
        "active_context",
    } <= set(claims)
    assert set(claims) <= {
        "fresh",
        "iat",
        "nbf",
        "exp",
        "jti",
        "type",
        "sub",
        "tv",
        "csrf",
        "role",
        "company_id",
        "scopes",
        "active_context",
    }
    assert claims["fresh"] is False
    assert claims["type"] == "access"
    assert claims["sub"] == str(party.id)
    assert claims["tv"] == 0  # Δ 27: the user's token version
    assert claims["exp"] - claims["iat"] == 604800
    assert claims["nbf"] == claims["iat"]
    assert uuid.UUID(claims["jti"]).version == 4
    assert claims["role"] == role
    assert claims["company_id"] == party.company_id
    assert claims["scopes"] == ["read", "write"]
    assert DICT.check(claims["active_context"])
    assert claims["active_context"] == {"type": "global", "deal_id": None, "permissions": permissions}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda uid: mint_token(uid, JWT_SECRET, type="refresh"), id="refresh-token"),
        pytest.param(lambda uid: mint_token(uid, JWT_SECRET, sub="abc"), id="non-numeric-sub"),
        pytest.param(
            lambda uid: jwt.encode({"sub": str(uid), "type": "access", "iat": 1}, JWT_SECRET), id="no-exp"
        ),
        pytest.param(
            lambda uid: jwt.encode(
                jwt.decode(mint_token(uid, JWT_SECRET), JWT_SECRET, algorithms=["HS256"]),
                JWT_SECRET,
                algorithm="HS512",
            ),
            id="other-algorithm",
            marks=pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
        ),
        pytest.param(
            lambda uid: jwt.encode(
                {"sub": str(uid), "exp": 4102444800, "iat": 1}, key=None, algorithm="none"
            ),
            id="alg-none",
        ),
    ],
)
async def test_invalid_tokens_are_422(client, admin, token) -> None:
    assert_jwt_error(await client.get("/api/profile", headers=bearer(token(admin.id))), 422)


async def test_role_and_company_come_from_the_database(client, world) -> None:
    """§1.2: the token identifies the user; a role or company change applies to the next request."""
    exporter = await world.user("exporter")
    assert_ok(await client.get("/api/lots/available", headers=exporter.headers))
    other = await world.company("buyer")
    await world.update(User, exporter.id, role="buyer", company_id=other.id)
    assert_error(await client.get("/api/lots/available", headers=exporter.headers), 403)
    profile = assert_ok(await client.get("/api/profile", headers=exporter.headers))
    assert profile["role"] == "buyer"
    assert profile["company_name"] == other.name
    assert jwt.decode(exporter.token, JWT_SECRET, algorithms=["HS256"])["role"] == "exporter"


async def test_reactivated_user_token_works_again(client, world) -> None:
    party = await world.user("buyer", active=False)
    assert_jwt_error(await client.get("/api/profile", headers=party.headers), 401, "User inactive")
    await world.set_active(party, True)
    assert assert_ok(await client.get("/api/profile", headers=party.headers))["active"] is True


@pytest.mark.parametrize("secret", [None, "short-secret", "triboka-development-secret-change-me"])
def test_production_refuses_to_start_without_a_real_secret(monkeypatch, secret) -> None:
    """§2: the service must refuse to start without a JWT secret in production."""
    monkeypatch.delenv("TRIBOKA_JWT_SECRET", raising=False)
    from pydantic import ValidationError
    from triboka_api.settings import Settings

    extra = {} if secret is None else {"jwt_secret": secret}
    with pytest.raises(ValidationError, match="TRIBOKA_JWT_SECRET"):
        Settings(environment="production", database_url="sqlite+aiosqlite:///x.db", **extra)
    ring = "k1:" + "A" * 43  # production also needs a key ring of its own (Δ 197)
    assert Settings(
        environment="production",
        database_url="sqlite+aiosqlite:///x.db",
        jwt_secret=JWT_SECRET,
        encryption_keys=ring,
    )


async def test_a_verified_token_still_expires(client, world, monkeypatch) -> None:
    """The service keeps tokens it verified; expiry must still apply to them."""
    from triboka_api.security import tokens

    party = await world.user("buyer")
    token = mint_token(party.id, JWT_SECRET, lifetime=timedelta(minutes=1))
    assert_ok(await client.get("/api/profile", headers=bearer(token)))
    later = tokens.time.time() + 120
    with monkeypatch.context() as patch:
        patch.setattr(tokens.time, "time", lambda: later)
        assert_jwt_error(await client.get("/api/profile", headers=bearer(token)), 401, "Token has expired")
