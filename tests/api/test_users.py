"""C-08..C-11: the admin panel's user management (admin and operator only)."""

from __future__ import annotations

import uuid

import pytest
from triboka_api.models import User

from tests.api.helpers import (
    BOOL,
    DT,
    INT,
    STR,
    assert_error,
    assert_jwt_error,
    assert_ok,
    assert_shape,
    bearer,
    naive,
    opt,
)

LIST_ITEM = {
    "id": INT,
    "email": STR,
    "name": STR,
    "role": STR,
    "is_active": BOOL,
    "company_id": opt(INT),
    "company_name": opt(STR),
    "created_at": DT,
    # Δ C-08: MAY add these three
    "first_name": opt(STR),
    "last_name": opt(STR),
    "updated_at": opt(DT),
    "pending_approval": BOOL,  # Δ 25
}
CREATED = {
    "message": STR,
    "user": {
        "id": INT,
        "email": STR,
        "first_name": STR,
        "last_name": STR,
        "name": STR,
        "role": STR,
        "company_id": opt(INT),
        "active": BOOL,
        "created_at": DT,
    },
}
UPDATED = {
    "message": STR,
    "user": {
        "id": INT,
        "email": STR,
        "first_name": opt(STR),
        "last_name": opt(STR),
        "name": STR,
        "role": STR,
        "company_id": opt(INT),
        "active": BOOL,
        "updated_at": DT,
    },
}
NON_STAFF = ["exporter", "buyer", "producer", "user"]


def _new(**extra):
    return {
        "email": f"u-{uuid.uuid4().hex[:8]}@example.com",
        "first_name": "Ana",
        "last_name": "Bravo",
        "role": "buyer",
    } | extra


@pytest.fixture(params=["admin", "operator"])
def staff_role(request) -> str:
    return request.param


# C-08 -----------------------------------------------------------------------------------------------------------


async def test_list_users(client, world, staff_role) -> None:
    staff = await world.user(staff_role, company=None)
    buyer = await world.user("buyer")
    body = assert_ok(await client.get("/api/users", headers=staff.headers))
    assert isinstance(body, list)
    for item in body:
        assert_shape(item, LIST_ITEM)
    by_id = {item["id"]: item for item in body}
    assert by_id[buyer.id]["company_name"] == buyer.company_name
    assert by_id[buyer.id]["company_id"] == buyer.company_id
    assert by_id[buyer.id]["is_active"] is True
    assert by_id[staff.id]["company_id"] is None
    created = [naive(item["created_at"]) for item in body]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("role", NON_STAFF)
async def test_list_users_forbidden(client, world, role) -> None:
    party = await world.user(role)
    assert_error(await client.get("/api/users", headers=party.headers), 403)


# C-09 -----------------------------------------------------------------------------------------------------------


async def test_create_user(client, world, staff_role) -> None:
    staff = await world.user(staff_role, company=None)
    company = await world.company("buyer")
    body = _new(company_id=company.id, password="Secret-1")
    created = assert_ok(await client.post("/api/users", json=body, headers=staff.headers), 201)
    assert_shape(created, CREATED)
    user = created["user"]
    assert user | {"id": 0, "created_at": ""} == {
        "id": 0,
        "email": body["email"],
        "first_name": "Ana",
        "last_name": "Bravo",
        "name": "Ana Bravo",
        "role": "buyer",
        "company_id": company.id,
        "active": True,
        "created_at": "",
    }
    token = await world.login(body["email"], "Secret-1")
    assert token


async def test_create_user_defaults_and_options(client, world, admin) -> None:
    inactive = assert_ok(await client.post("/api/users", json=_new(active=False), headers=admin.headers), 201)
    assert inactive["user"]["active"] is False
    assert inactive["user"]["company_id"] is None
    zero = assert_ok(await client.post("/api/users", json=_new(company_id=0), headers=admin.headers), 201)
    assert zero["user"]["company_id"] is None
    no_password = _new()
    assert_ok(await client.post("/api/users", json=no_password, headers=admin.headers), 201)
    login = await client.post("/api/auth/login", json={"email": no_password["email"], "password": "x"})
    assert_error(login, 401)


@pytest.mark.parametrize("role", NON_STAFF)
async def test_create_user_role_check_comes_first(client, world, role) -> None:
    party = await world.user(role)
    assert_error(await client.post("/api/users", json={}, headers=party.headers), 403)
    assert_error(await client.post("/api/users", json=_new(), headers=party.headers), 403)


@pytest.mark.parametrize(
    ("drop", "field"),
    [
        (("email", "first_name", "last_name", "role"), "email"),
        (("first_name", "last_name", "role"), "first_name"),
        (("last_name", "role"), "last_name"),
        (("role",), "role"),
        (("email",), "email"),
    ],
)
async def test_create_user_missing_fields_in_order(client, admin, drop, field) -> None:
    body = {k: v for k, v in _new().items() if k not in drop}
    assert_error(await client.post("/api/users", json=body, headers=admin.headers), 400, field)


async def test_create_user_errors(client, world, admin) -> None:
    existing = await world.user("buyer")
    dup = _new(email=existing.email)
    assert_error(await client.post("/api/users", json=dup, headers=admin.headers), 400)
    missing_company = _new(company_id=987654)
    assert_error(await client.post("/api/users", json=missing_company, headers=admin.headers), 404)
    both = _new(email=existing.email.upper(), company_id=987654)  # the e-mail check comes first
    assert_error(await client.post("/api/users", json=both, headers=admin.headers), 400)
    assert_error(await client.post("/api/users", json=_new(role="king"), headers=admin.headers), 400, "role")
    assert_error(
        await client.post("/api/users", json=_new(active="maybe"), headers=admin.headers), 400, "active"
    )
    assert_error(await client.post("/api/users", json=_new(company_id="abc"), headers=admin.headers), 400)


async def test_create_user_numeric_string_company_is_coerced(client, world, admin) -> None:
    company = await world.company("exporter")
    body = _new(role="exporter", company_id=str(company.id))
    assert assert_ok(await client.post("/api/users", json=body, headers=admin.headers), 201)["user"][
        "company_id"
    ] == (company.id)


async def test_operator_may_not_create_an_admin(client, world) -> None:
    operator = await world.user("operator", company=None)
    assert_error(await client.post("/api/users", json=_new(role="admin"), headers=operator.headers), 403)
    created = await client.post("/api/users", json=_new(role="operator"), headers=operator.headers)
    assert_ok(created, 201)


@pytest.mark.parametrize("role", ["admin", "operator", "exporter", "buyer", "producer", "user"])
async def test_admin_may_create_every_role(client, admin, role) -> None:
    created = assert_ok(await client.post("/api/users", json=_new(role=role), headers=admin.headers), 201)
    assert created["user"]["role"] == role


# C-10 -----------------------------------------------------------------------------------------------------------


async def test_update_user(client, world, staff_role) -> None:
    staff = await world.user(staff_role, company=None)
    target = await world.user("buyer")
    company = await world.company("exporter")
    body = {
        "first_name": "Zoe",
        "role": "exporter",
        "company_id": company.id,
        "email": "ignored@example.com",
        "password": "N3w-password",
    }
    updated = assert_ok(await client.put(f"/api/users/{target.id}", json=body, headers=staff.headers))
    assert_shape(updated, UPDATED)
    user = updated["user"]
    assert user["id"] == target.id
    assert user["email"] == target.email
    assert (user["first_name"], user["last_name"], user["name"]) == (
        "Zoe",
        str(user["last_name"]),
        f"Zoe {user['last_name']}",
    )
    assert (user["role"], user["company_id"], user["active"]) == ("exporter", company.id, True)
    token = await world.login(target.email, "N3w-password")
    assert_error(await client.post("/api/auth/login", json={"email": target.email, "password": "x"}), 401)
    # Δ 27: the password, role and company changes revoked the old token; a new login sees the new values
    assert_jwt_error(await client.get("/api/profile", headers=target.headers), 401, "Token has been revoked")
    profile = assert_ok(await client.get("/api/profile", headers=bearer(token)))
    assert (profile["role"], profile["company_name"]) == ("exporter", company.name)


async def test_update_user_name_rules_and_clearing(client, world, admin) -> None:
    target = await world.user("producer")
    first = assert_ok(
        await client.put(f"/api/users/{target.id}", json={"last_name": "  "}, headers=admin.headers)
    )
    assert first["user"]["name"] == "Producer"
    cleared = assert_ok(
        await client.put(
            f"/api/users/{target.id}", json={"first_name": "", "company_id": None}, headers=admin.headers
        )
    )
    assert cleared["user"]["name"] == ""
    assert cleared["user"]["company_id"] is None
    kept = assert_ok(
        await client.put(f"/api/users/{target.id}", json={"role": "buyer"}, headers=admin.headers)
    )
    assert (kept["user"]["name"], kept["user"]["role"]) == ("", "buyer")


async def test_update_user_deactivation_revokes_the_token(client, world, admin) -> None:
    target = await world.user("buyer")
    assert_ok(await client.put(f"/api/users/{target.id}", json={"active": False}, headers=admin.headers))
    assert_jwt_error(await client.get("/api/profile", headers=target.headers), 401, "User inactive")
    assert_ok(await client.put(f"/api/users/{target.id}", json={"active": True}, headers=admin.headers))
    # Δ 27: reactivation does not bring the tokens of before back; the user logs in again
    assert_jwt_error(await client.get("/api/profile", headers=target.headers), 401, "Token has been revoked")
    assert_ok(await client.get("/api/profile", headers=bearer(await world.login(target.email))))


async def test_update_user_check_order(client, world, admin) -> None:
    exporter = await world.user("exporter")
    assert_error(await client.put("/api/users/987654", json={}, headers=exporter.headers), 403)
    assert_error(await client.put(f"/api/users/{exporter.id}", json={}, headers=exporter.headers), 403)
    assert_error(
        await client.put("/api/users/987654", json={"company_id": 987654}, headers=admin.headers), 404
    )
    response = await client.put(
        f"/api/users/{exporter.id}", json={"company_id": 987654}, headers=admin.headers
    )
    assert_error(response, 404)
    assert_error(
        await client.put(f"/api/users/{exporter.id}", json={"role": "x"}, headers=admin.headers), 400
    )
    assert_error(
        await client.put(f"/api/users/{exporter.id}", json={"active": "?"}, headers=admin.headers), 400
    )


async def test_operator_may_not_grant_admin(client, world) -> None:
    operator = await world.user("operator", company=None)
    target = await world.user("buyer")
    response = await client.put(f"/api/users/{target.id}", json={"role": "admin"}, headers=operator.headers)
    assert_error(response, 403)


# C-11 -----------------------------------------------------------------------------------------------------------


async def test_delete_user(client, world, staff_role) -> None:
    staff = await world.user(staff_role, company=None)
    target = await world.user("buyer")
    other = await world.user("buyer")  # keeps the target's id from being reused by SQLite
    body = assert_ok(await client.delete(f"/api/users/{target.id}", headers=staff.headers))
    assert_shape(body, {"message": STR})
    async with world.session() as session:
        assert await session.get(User, target.id) is None
    assert_jwt_error(await client.get("/api/profile", headers=target.headers), 401, "User not found")
    listed = assert_ok(await client.get("/api/users", headers=staff.headers))
    assert target.id not in {u["id"] for u in listed}
    assert other.id in {u["id"] for u in listed}


async def test_delete_user_check_order(client, world, admin) -> None:
    exporter = await world.user("exporter")
    assert_error(await client.delete("/api/users/987654", headers=exporter.headers), 403)
    assert_error(await client.delete(f"/api/users/{exporter.id}", headers=exporter.headers), 403)
    assert_error(await client.delete("/api/users/987654", headers=admin.headers), 404)
    assert_error(await client.delete(f"/api/users/{admin.id}", headers=admin.headers), 400)
    assert_ok(await client.get("/api/profile", headers=admin.headers))


async def test_delete_referenced_user_is_409(client, world, admin) -> None:
    producer = await world.user("producer")
    await world.lot(producer)
    assert_error(await client.delete(f"/api/users/{producer.id}", headers=admin.headers), 409)
    assert_ok(await client.get("/api/profile", headers=producer.headers))
    chain_exporter = await world.user("exporter")
    buyer = await world.user("buyer")
    await world.contract(chain_exporter, buyer.company_id, chain_exporter.company_id)
    assert_error(await client.delete(f"/api/users/{chain_exporter.id}", headers=admin.headers), 409)


async def test_delete_user_with_a_profile_and_a_deal_admin(client, world, admin) -> None:
    email = f"grower-{uuid.uuid4().hex[:6]}@example.com"
    body = {"name": "Grower", "email": email, "password": "pw", "role": "buyer", "location": "Quito"}
    user_id = assert_ok(await client.post("/api/auth/register", json=body), 201)["user_id"]
    await world.user("buyer")
    assert_ok(await client.delete(f"/api/users/{user_id}", headers=admin.headers))  # its own profile goes too
    deal_admin = await world.user("exporter")
    await world.deal(deal_admin)
    assert_error(await client.delete(f"/api/users/{deal_admin.id}", headers=admin.headers), 409)


async def test_delete_user_referenced_by_a_trace_event_or_dispatch_is_409(client, world, admin) -> None:
    chain = await world.chain()
    operator = await world.user("operator", company=None)
    await world.dispatch(operator, chain.contract["id"], chain.batch["id"], 0.1)
    assert_error(await client.delete(f"/api/users/{operator.id}", headers=admin.headers), 409)
    actor = await world.user("buyer", company=False)
    deal = await world.deal(admin, user_members=(actor.id,))
    event = {"event_type": "note", "entity_type": "deal", "entity_id": deal, "title": "Hola"}
    assert_ok(await client.post("/api/trace/event", json=event, headers=actor.headers), 201)
    assert_error(await client.delete(f"/api/users/{actor.id}", headers=admin.headers), 409)
