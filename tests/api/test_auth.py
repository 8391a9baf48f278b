"""C-03 login, C-04 register, C-05 profile, C-06 context, C-07 change-context."""

from __future__ import annotations

import uuid

import jwt
import pytest
from sqlalchemy import select
from triboka_api.models import Company, User, UserProfile
from werkzeug.security import generate_password_hash

from tests.api.conftest import JWT_SECRET, PASSWORD
from tests.api.helpers import (
    BOOL,
    DICT,
    INT,
    LIST,
    STR,
    assert_error,
    assert_ok,
    assert_shape,
    bearer,
    mint_token,
    opt,
)

LOGIN = {
    "access_token": STR,
    "user": {"id": INT, "name": STR, "email": STR, "role": STR, "company_id": opt(INT)},
}
PROFILE = {
    "id": INT,
    "email": STR,
    "name": STR,
    "role": STR,
    "company_name": opt(STR),
    "company_type": opt(STR),
    "active": BOOL,
}
CONTEXT = {
    "active_context": {"type": STR, "deal_id": opt(INT), "permissions": LIST},
    "user_scopes": LIST,
    "is_impersonating": BOOL,
    "impersonation_info": None,
}


def _email() -> str:
    return f"new-{uuid.uuid4().hex[:8]}@example.com"


async def _user_row(world, email: str) -> User:
    async with world.session() as session:
        return await session.scalar(select(User).where(User.email == email))


# C-03 -----------------------------------------------------------------------------------------------------------


async def test_login_success_shape(client, world) -> None:
    exporter = await world.user("exporter")
    body = assert_ok(
        await client.post("/api/auth/login", json={"email": exporter.email, "password": PASSWORD})
    )
    assert_shape(body, LOGIN)
    assert body["user"] == {
        "id": exporter.id,
        "name": body["user"]["name"],
        "email": exporter.email,
        "role": "exporter",
        "company_id": exporter.company_id,
    }
    profile = assert_ok(await client.get("/api/profile", headers=bearer(body["access_token"])))
    assert profile["id"] == exporter.id


async def test_login_email_is_case_insensitive(client, world) -> None:
    party = await world.user("buyer")
    response = await client.post("/api/auth/login", json={"email": party.email.upper(), "password": PASSWORD})
    assert assert_ok(response)["user"]["id"] == party.id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"password": "x"}, "email"),
        ({"email": "", "password": "x"}, "email"),
        ({"email": "a@b.c"}, "password"),
        ({"email": "a@b.c", "password": None}, "password"),
    ],
)
async def test_login_missing_fields_are_400(client, body, field) -> None:
    assert_error(await client.post("/api/auth/login", json=body), 400, field)


async def test_login_bad_credentials_are_401(client, world) -> None:
    party = await world.user("producer")
    wrong = await client.post("/api/auth/login", json={"email": party.email, "password": "wrong"})
    assert_error(wrong, 401)
    unknown = await client.post("/api/auth/login", json={"email": _email(), "password": PASSWORD})
    assert_error(unknown, 401)


async def test_login_user_without_password_is_401(client, world, admin) -> None:
    email = _email()
    created = await client.post(
        "/api/users",
        json={"email": email, "first_name": "No", "last_name": "Password", "role": "buyer"},
        headers=admin.headers,
    )
    assert_ok(created, 201)
    assert_error(await client.post("/api/auth/login", json={"email": email, "password": ""}), 400, "password")
    assert_error(await client.post("/api/auth/login", json={"email": email, "password": "anything"}), 401)


async def test_login_inactive_user_is_401_after_the_password_check(client, world) -> None:
    party = await world.user("exporter", active=False)
    assert_error(await client.post("/api/auth/login", json={"email": party.email, "password": PASSWORD}), 401)
    assert_error(await client.post("/api/auth/login", json={"email": party.email, "password": "bad"}), 401)


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "scrypt"])
async def test_login_with_a_werkzeug_hash_rehashes_to_argon2(client, world, method) -> None:
    """§2: first-generation Werkzeug hashes verify, and are replaced by Argon2id at the first login."""
    party = await world.user("producer")
    stored = generate_password_hash("old-Passw0rd", method=method)
    await world.update(User, party.id, password_hash=stored)
    assert_error(await client.post("/api/auth/login", json={"email": party.email, "password": PASSWORD}), 401)
    body = assert_ok(
        await client.post("/api/auth/login", json={"email": party.email, "password": "old-Passw0rd"})
    )
    assert body["user"]["id"] == party.id
    rehashed = (await _user_row(world, party.email)).password_hash
    assert rehashed.startswith("$argon2id$")
    assert_ok(await client.post("/api/auth/login", json={"email": party.email, "password": "old-Passw0rd"}))


async def test_login_has_no_side_effects_on_the_user(client, world) -> None:
    party = await world.user("buyer")
    before = await _user_row(world, party.email)
    await world.login(party.email)
    after = await _user_row(world, party.email)
    assert after.updated_at == before.updated_at


# C-04 -----------------------------------------------------------------------------------------------------------


async def test_register_producer_creates_its_company(client, world) -> None:
    email = _email()
    response = await client.post(
        "/api/auth/register", json={"name": "Maria Lopez", "email": email, "password": "pw-123456"}
    )
    body = assert_ok(response, 201)
    assert_shape(body, {"message": STR, "user_id": INT, "status": "active"})
    assert "access_token" not in body
    user = await _user_row(world, email)
    assert (user.id, user.role, user.active, user.name) == (body["user_id"], "producer", True, "Maria Lopez")
    assert user.password_hash.startswith("$argon2")
    async with world.session() as session:
        company = await session.get(Company, user.company_id)
    assert (company.name, company.company_type, company.email) == (
        "Productora Maria Lopez",
        "producer",
        email,
    )
    login = assert_ok(await client.post("/api/auth/login", json={"email": email, "password": "pw-123456"}))
    assert login["user"]["company_id"] == company.id


async def test_register_with_first_and_last_name_and_profile_fields(client, world) -> None:
    email = _email()
    body = {
        "firstName": "Ana",
        "lastName": "Vera",
        "email": email,
        "password": "pw",
        "role": "exporter",
        "location": "Guayaquil",
        "productType": "Cacao Nacional",
        "company_name": "ignored",
    }
    assert_ok(await client.post("/api/auth/register", json=body), 201)
    user = await _user_row(world, email)
    assert (user.name, user.role, user.company_id) == ("Ana Vera", "exporter", None)
    async with world.session() as session:
        profile = await session.scalar(select(UserProfile).where(UserProfile.user_id == user.id))
    if profile is not None:  # SPEC: MAY store them
        assert (profile.location, profile.product_type, profile.business_type) == (
            "Guayaquil",
            "Cacao Nacional",
            "exporter",
        )


async def test_register_links_an_existing_company_pending_approval(client, world) -> None:
    """Δ 25: joining an existing company waits for an admin's approval (see test_accounts for the whole flow)."""
    company = await world.company("buyer")
    email = _email()
    body = {"name": "B", "email": email, "password": "pw", "role": "buyer", "company_id": company.id}
    created = assert_ok(await client.post("/api/auth/register", json=body), 201)
    assert_shape(created, {"message": STR, "user_id": INT, "status": "pending_approval"})
    user = await _user_row(world, email)
    assert (user.company_id, user.active, user.pending_approval) == (company.id, False, True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"email": "x@y.z", "password": "p"}, "name"),
        ({"name": "N", "password": "p"}, "email"),
        ({"name": "N", "email": "x@y.z"}, "password"),
        ({"firstName": "", "email": "x@y.z", "password": "p"}, "name"),
    ],
)
async def test_register_missing_fields_are_400(client, body, field) -> None:
    assert_error(await client.post("/api/auth/register", json=body), 400, field)


@pytest.mark.parametrize("role", ["admin", "operator", "user", "broker", "manager", "superuser"])
async def test_register_refuses_privileged_or_unknown_roles(client, world, role) -> None:
    email = _email()
    body = {"name": "N", "email": email, "password": "p", "role": role}
    assert_error(await client.post("/api/auth/register", json=body), 400, "role")
    assert await _user_row(world, email) is None


async def test_register_duplicate_email_is_400(client, world) -> None:
    party = await world.user("buyer")
    body = {"name": "N", "email": party.email, "password": "p"}
    assert_error(await client.post("/api/auth/register", json=body), 400)
    body["email"] = party.email.upper()
    assert_error(await client.post("/api/auth/register", json=body), 400)


async def test_register_refuses_impersonation_tokens(client, world, admin) -> None:
    """§2: ORIG refused register for impersonation tokens; Δ every mutating route does."""
    impersonating = mint_token(admin.id, JWT_SECRET, is_impersonating=True, otv=0, original_admin_id=admin.id)
    email = _email()
    body = {"name": "N", "email": email, "password": "p", "role": "buyer"}
    assert_error(await client.post("/api/auth/register", json=body, headers=bearer(impersonating)), 403)
    assert await _user_row(world, email) is None
    # The route stays public: any other token, valid or not, is ignored.
    assert_ok(await client.post("/api/auth/register", json=body, headers=admin.headers), 201)
    body["email"] = _email()
    assert_ok(await client.post("/api/auth/register", json=body, headers=bearer("garbage")), 201)


async def test_register_unknown_company_is_404(client) -> None:
    body = {"name": "N", "email": _email(), "password": "p", "role": "buyer", "company_id": 987654}
    assert_error(await client.post("/api/auth/register", json=body), 404)


# C-05 -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/profile", "/api/auth/profile"])
async def test_profile(client, world, path) -> None:
    producer = await world.user("producer")
    body = assert_ok(await client.get(path, headers=producer.headers))
    assert_shape(body, PROFILE)
    assert body == {
        "id": producer.id,
        "email": producer.email,
        "name": body["name"],
        "role": "producer",
        "company_name": producer.company_name,
        "company_type": "producer",
        "active": True,
    }


async def test_profile_without_company(client, admin) -> None:
    body = assert_ok(await client.get("/api/profile", headers=admin.headers))
    assert (body["company_name"], body["company_type"], body["role"]) == (None, None, "admin")


# C-06 -----------------------------------------------------------------------------------------------------------


async def test_context_from_a_login_token(client, world) -> None:
    buyer = await world.user("buyer")
    body = assert_ok(await client.get("/api/auth/context", headers=buyer.headers))
    assert_shape(body, CONTEXT)
    assert body == {
        "active_context": {"type": "global", "deal_id": None, "permissions": ["user"]},
        "user_scopes": ["read", "write"],
        "is_impersonating": False,
        "impersonation_info": None,
    }


async def test_context_defaults_when_claims_are_missing(client, world) -> None:
    party = await world.user("exporter")
    token = mint_token(party.id, JWT_SECRET)
    payload = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
    payload.pop("scopes")
    token = jwt.encode(payload, JWT_SECRET, algorithm="HS256")
    body = assert_ok(await client.get("/api/auth/context", headers=bearer(token)))
    assert body["active_context"] == {"type": "global", "deal_id": None, "permissions": ["user"]}
    assert body["user_scopes"] == []
    assert body["is_impersonating"] is False


async def test_context_of_an_impersonation_token(client, world, admin) -> None:
    target = await world.user("producer")
    token = mint_token(
        target.id,
        JWT_SECRET,
        scopes=["read"],
        is_impersonating=True,
        otv=0,
        original_admin_id=admin.id,
        active_context={
            "type": "impersonation",
            "deal_id": None,
            "permissions": ["read"],
            "original_user_name": "Root Admin",
            "impersonated_user_id": target.id,
            "impersonated_user_name": "Target",
        },
    )
    body = assert_ok(await client.get("/api/auth/context", headers=bearer(token)))
    assert_shape(
        body,
        CONTEXT
        | {
            "active_context": DICT,
            "impersonation_info": {
                "original_admin_id": INT,
                "original_admin_name": opt(STR),
                "impersonated_user_id": INT,
                "impersonated_user_name": opt(STR),
                "warning": STR,
            },
        },
    )
    assert body["is_impersonating"] is True
    assert body["user_scopes"] == ["read"]
    assert body["active_context"]["type"] == "impersonation"
    info = body["impersonation_info"]
    assert (info["original_admin_id"], info["original_admin_name"]) == (admin.id, "Root Admin")
    assert (info["impersonated_user_id"], info["impersonated_user_name"]) == (target.id, "Target")


# C-07 -----------------------------------------------------------------------------------------------------------

CHANGED = {
    "message": STR,
    "access_token": STR,
    "active_context": {"type": STR, "deal_id": opt(INT), "permissions": LIST},
}


async def _change(client, party, body):
    return await client.post("/api/auth/change-context", json=body, headers=party.headers)


@pytest.mark.parametrize(
    ("role", "permissions"),
    [("admin", ["admin"]), ("operator", ["admin"]), ("exporter", ["user"]), ("producer", ["user"])],
)
async def test_change_context_to_global(client, world, role, permissions) -> None:
    party = await world.user(role)
    for body in ({"type": "global"}, {}):
        result = assert_ok(await _change(client, party, body))
        assert_shape(result, CHANGED)
        assert result["active_context"] == {"type": "global", "deal_id": None, "permissions": permissions}
        claims = jwt.decode(result["access_token"], JWT_SECRET, algorithms=["HS256"])
        assert claims["sub"] == str(party.id)
        assert (claims["role"], claims["company_id"]) == (role, party.company_id)
        assert claims["scopes"] == ["read", "write"]
        assert claims["active_context"] == result["active_context"]
        context = assert_ok(await client.get("/api/auth/context", headers=bearer(result["access_token"])))
        assert context["active_context"] == result["active_context"]


async def test_change_context_to_a_deal(client, world) -> None:
    deal_admin = await world.user("exporter")
    producer_company = await world.company("producer")
    producer = await world.user("producer", company=producer_company)
    exporter = await world.user("exporter")
    deal = await world.deal(deal_admin, producer_id=producer.company_id, exporter_id=exporter.company_id)
    expected = [
        (deal_admin, ["read", "write", "admin"]),
        (producer, ["read", "write"]),
        (exporter, ["read", "write"]),
        (await world.user("admin"), ["read", "write", "admin"]),
        (await world.user("operator", company=None), ["read", "write", "admin"]),
    ]
    for party, permissions in expected:
        result = assert_ok(await _change(client, party, {"type": "deal", "deal_id": deal}))
        assert result["active_context"] == {"type": "deal", "deal_id": deal, "permissions": permissions}
        claims = jwt.decode(result["access_token"], JWT_SECRET, algorithms=["HS256"])
        assert claims["active_context"] == result["active_context"]
    outsider = await world.user("buyer")
    assert_error(await _change(client, outsider, {"type": "deal", "deal_id": deal}), 403)
    assert_error(await _change(client, outsider, {"type": "deal", "deal_id": str(deal)}), 403)
    # an unknown role is nobody's party, even in the deal's producer company (Δ 71)
    unknown_role = await world.user("user", company=producer_company)
    assert_error(await _change(client, unknown_role, {"type": "deal", "deal_id": deal}), 403)


async def test_change_context_errors(client, world) -> None:
    party = await world.user("exporter")
    assert_error(await _change(client, party, {"type": "deal"}), 400, "deal_id")
    assert_error(await _change(client, party, {"type": "deal", "deal_id": 999999}), 404)
    assert_error(await _change(client, party, {"type": "impersonation"}), 400)
    assert_error(await _change(client, party, {"type": "anything"}), 400)
    response = await client.post("/api/auth/change-context", headers=party.headers)
    assert_error(response, 400)
    assert response.json() == {"error": "JSON body required"}


async def test_change_context_refused_while_impersonating(client, world, admin) -> None:
    token = mint_token(
        admin.id, JWT_SECRET, is_impersonating=True, otv=0, original_admin_id=admin.id, scopes=["read"]
    )
    response = await client.post("/api/auth/change-context", json={"type": "global"}, headers=bearer(token))
    assert_error(response, 403)
