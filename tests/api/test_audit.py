"""The security audit log (Δ 28): what it records for each account event, that it never holds a secret, that it
commits with the change it records, its JSON log lines, and `GET /api/audit` (admins only, paged, filtered)."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from triboka_api import audit
from triboka_api.audit import AuditEvent, AuditEventType, Outcome, SecretInAuditDetailError
from triboka_api.models import AuditRecord

from tests.api.conftest import PASSWORD
from tests.api.helpers import (
    DICT,
    DT,
    INT,
    STR,
    ListOf,
    assert_error,
    assert_jwt_error,
    assert_ok,
    assert_shape,
    naive,
    opt,
    utcnow,
)

EVENT = {
    "id": INT,
    "occurred_at": DT,
    "event_type": STR,
    "outcome": STR,
    "actor_user_id": opt(INT),
    "target_user_id": opt(INT),
    "target_email": opt(STR),
    "ip": opt(STR),
    "request_id": opt(STR),
    "detail": DICT,
}
USER_EVENTS = [event_type.value for event_type in AuditEventType if event_type.value.startswith("user.")]
PAGE = {"events": ListOf(EVENT), "total": INT, "limit": INT, "offset": INT}


def _email() -> str:
    return f"audit-{uuid.uuid4().hex[:10]}@example.com"


async def _events(client: httpx.AsyncClient, admin, **params: object) -> list[dict]:
    page = assert_ok(await client.get("/api/audit", params=params, headers=admin.headers))
    for event in page["events"]:
        assert_shape(event, EVENT)
    return page["events"]


def _only(events: list[dict], event_type: str) -> dict:
    matching = [event for event in events if event["event_type"] == event_type]
    assert len(matching) == 1, events
    return matching[0]


# What is recorded --------------------------------------------------------------------------------------------------


async def test_logins_are_recorded(client, world, admin) -> None:
    party = await world.user("exporter", login=False)
    request_id = f"req-{uuid.uuid4().hex}"
    login = {"email": party.email, "password": PASSWORD}
    assert_ok(await client.post("/api/auth/login", json=login, headers={"X-Request-ID": request_id}))
    wrong = {"email": party.email, "password": "guess"}
    assert_error(await client.post("/api/auth/login", json=wrong), 401)
    events = await _events(client, admin, user_id=party.id)
    assert [event["event_type"] for event in events] == ["auth.login.failure", "auth.login.success"]
    failure, success = events
    assert success | {"id": 0, "occurred_at": ""} == {
        "id": 0,
        "occurred_at": "",
        "event_type": "auth.login.success",
        "outcome": "success",
        "actor_user_id": party.id,
        "target_user_id": party.id,
        "target_email": party.email,
        "ip": "127.0.0.1",
        "request_id": request_id,
        "detail": {},
    }
    assert (failure["outcome"], failure["actor_user_id"], failure["target_user_id"]) == (
        "failure",
        None,
        party.id,
    )
    assert failure["detail"] == {"reason": "password"}
    assert abs(naive(success["occurred_at"]) - utcnow()) < timedelta(minutes=1)


async def test_failed_logins_of_unknown_and_inactive_accounts_are_recorded(client, world, admin) -> None:
    unknown = _email()
    assert_error(await client.post("/api/auth/login", json={"email": unknown, "password": "x"}), 401)
    inactive = await world.user("buyer", active=False)
    assert_error(
        await client.post("/api/auth/login", json={"email": inactive.email, "password": PASSWORD}), 401
    )
    failures = await _events(client, admin, type="auth.login.failure", limit=20)
    by_email = {event["target_email"]: event for event in failures}
    assert (by_email[unknown]["target_user_id"], by_email[unknown]["detail"]) == (
        None,
        {"reason": "unknown_email"},
    )
    assert (by_email[inactive.email]["target_user_id"], by_email[inactive.email]["detail"]) == (
        inactive.id,
        {"reason": "inactive"},
    )


async def test_hostile_login_emails_are_refused_before_anything_is_recorded(client, admin) -> None:
    """An e-mail longer than the column is refused by the bounded input (400 naming it) before the login runs, so
    the audit log never holds it; one that fits is recorded as sent."""
    before = len(await _events(client, admin, type="auth.login.failure", limit=500))
    huge = "x" * 5000 + "@example.com"
    assert_error(await client.post("/api/auth/login", json={"email": huge, "password": "x"}), 400, "email")
    assert len(await _events(client, admin, type="auth.login.failure", limit=500)) == before
    longest = "x" * (255 - len("@example.com")) + "@example.com"
    assert_error(await client.post("/api/auth/login", json={"email": longest, "password": "x"}), 401)
    failures = await _events(client, admin, type="auth.login.failure", limit=1)
    assert failures[0]["target_email"] == longest


async def test_registrations_and_approval_are_recorded(client, world, admin) -> None:
    company = await world.company("exporter")
    pending_email, active_email = _email(), _email()
    base = {"name": "N", "password": PASSWORD, "role": "exporter"}
    pending = assert_ok(
        await client.post(
            "/api/auth/register", json=base | {"email": pending_email, "company_id": company.id}
        ),
        201,
    )["user_id"]
    active = assert_ok(await client.post("/api/auth/register", json=base | {"email": active_email}), 201)[
        "user_id"
    ]
    assert_error(
        await client.post("/api/auth/login", json={"email": pending_email, "password": PASSWORD}), 401
    )
    assert_ok(await client.put(f"/api/users/{pending}", json={"active": True}, headers=admin.headers))

    events = await _events(client, admin, user_id=pending)
    assert [event["event_type"] for event in events] == [
        "user.approved",
        "auth.login.failure",
        "user.registered",
    ]
    approved, refused, registered = events
    assert (registered["actor_user_id"], registered["target_user_id"], registered["target_email"]) == (
        pending,
        pending,
        pending_email,
    )
    assert registered["detail"] == {
        "status": "pending_approval",
        "role": "exporter",
        "company_id": company.id,
    }
    assert refused["detail"] == {"reason": "pending_approval"}
    assert (approved["actor_user_id"], approved["target_user_id"]) == (admin.id, pending)
    assert _only(await _events(client, admin, user_id=active), "user.registered")["detail"] == {
        "status": "active",
        "role": "exporter",
        "company_id": None,
    }


async def test_account_changes_by_staff_are_recorded(client, world, admin) -> None:
    operator = await world.user("operator", company=None)
    target = await world.user("buyer")
    company = await world.company("exporter")
    body = {"role": "exporter", "company_id": company.id, "password": "Other-pass-1", "last_name": "X"}
    assert_ok(await client.put(f"/api/users/{target.id}", json=body, headers=operator.headers))
    assert_ok(await client.put(f"/api/users/{target.id}", json={"active": False}, headers=operator.headers))
    assert_ok(await client.put(f"/api/users/{target.id}", json={"active": True}, headers=admin.headers))
    events = await _events(client, admin, user_id=target.id, type=",".join(USER_EVENTS))
    types = [event["event_type"] for event in events]
    assert types[:2] == ["user.reactivated", "user.deactivated"]
    assert sorted(types[2:]) == ["user.company_changed", "user.password_changed", "user.role_changed"]
    assert {event["actor_user_id"] for event in events} == {admin.id, operator.id}
    assert _only(events, "user.role_changed")["detail"] == {"from": "buyer", "to": "exporter"}
    assert _only(events, "user.company_changed")["detail"] == {"from": target.company_id, "to": company.id}
    assert _only(events, "user.password_changed")["detail"] == {}
    assert _only(events, "user.deactivated")["detail"] == {"was_pending": False}
    # the operator's own events are in the log too, readable by admins only
    by_operator = await _events(client, admin, user_id=operator.id, type=",".join(USER_EVENTS))
    assert {event["target_user_id"] for event in by_operator} == {target.id}


async def test_creation_deletion_and_logout_are_recorded(client, world, admin) -> None:
    body = {"email": _email(), "first_name": "A", "last_name": "B", "role": "buyer", "password": PASSWORD}
    created = assert_ok(await client.post("/api/users", json=body, headers=admin.headers), 201)["user"]["id"]
    token = await world.login(body["email"])
    assert_ok(await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"}))
    assert_ok(await client.delete(f"/api/users/{created}", headers=admin.headers))
    events = await _events(client, admin, user_id=created)
    assert [event["event_type"] for event in events] == [
        "user.deleted",
        "auth.logout",
        "auth.login.success",
        "user.created",
    ]
    deleted, logout, _, creation = events
    assert (deleted["actor_user_id"], deleted["target_email"], deleted["detail"]) == (
        admin.id,
        body["email"],
        {"role": "buyer", "company_id": None},
    )
    assert (logout["actor_user_id"], logout["target_user_id"]) == (created, created)
    assert creation["detail"] == {"role": "buyer", "company_id": None, "active": True}


async def test_refused_changes_record_nothing(client, world, admin) -> None:
    """The audit row commits with its change: a change that is refused or rolled back leaves none."""
    victim = await world.user("admin", company=None)
    operator = await world.user("operator", company=None)
    assert_error(
        await client.put(f"/api/users/{victim.id}", json={"password": "x"}, headers=operator.headers), 403
    )
    assert_error(await client.delete(f"/api/users/{victim.id}", headers=operator.headers), 403)
    producer = await world.user("producer")
    await world.lot(producer)
    assert_error(await client.delete(f"/api/users/{producer.id}", headers=admin.headers), 409)
    assert await _events(client, admin, user_id=victim.id, type="user.password_changed,user.deleted") == []
    assert await _events(client, admin, user_id=producer.id, type="user.deleted") == []


async def test_no_secret_reaches_the_log(client, world, admin, caplog) -> None:
    secret = f"Unique-{uuid.uuid4().hex}"
    email = _email()
    with caplog.at_level(logging.INFO, logger="triboka_api.audit"):
        body = {"name": "N", "email": email, "password": secret, "role": "buyer"}
        user_id = assert_ok(await client.post("/api/auth/register", json=body), 201)["user_id"]
        token = await world.login(email, secret)
        assert_error(
            await client.post("/api/auth/login", json={"email": email, "password": secret + "x"}), 401
        )
        assert_ok(
            await client.put(f"/api/users/{user_id}", json={"password": secret + "2"}, headers=admin.headers)
        )
    stored = json.dumps(await _events(client, admin, user_id=user_id, limit=100))
    logged = json.dumps([record.__dict__.get("fields") for record in caplog.records])
    for text in (stored, logged):
        assert secret not in text
        assert token not in text
        assert "argon2" not in text


async def test_one_json_log_line_per_committed_event(client, world, admin, caplog) -> None:
    party = await world.user("buyer")
    with caplog.at_level(logging.INFO, logger="triboka_api.audit"):
        assert_ok(await client.post("/api/auth/logout", headers=party.headers))
    lines = [record for record in caplog.records if record.name == "triboka_api.audit"]
    assert len(lines) == 1
    event = _only(await _events(client, admin, user_id=party.id), "auth.logout")
    assert lines[0].getMessage() == "auth.logout"
    assert lines[0].fields == event  # the same fields as the API's item, request ID included
    assert event["request_id"]


async def test_record_refuses_secret_details_and_rolls_back_with_the_transaction(world, caplog) -> None:
    with pytest.raises(SecretInAuditDetailError):
        async with world.session() as session:
            await audit.record(session, AuditEvent(AuditEventType.LOGOUT, detail={"new_password": "x"}))
    marker = _email()
    with caplog.at_level(logging.INFO, logger="triboka_api.audit"):
        async with world.session() as session:
            await audit.record(
                session, AuditEvent(AuditEventType.LOCKOUT, Outcome.FAILURE, target_email=marker)
            )
            await session.rollback()
            await session.commit()
        async with world.session() as session:
            assert await session.scalar(select(AuditRecord).where(AuditRecord.target_email == marker)) is None
    assert not [record for record in caplog.records if record.name == "triboka_api.audit"]


# GET /api/audit ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "exporter", "buyer", "producer", "user"])
async def test_only_admins_read_the_audit_log(client, world, role) -> None:
    party = await world.user(role)
    assert_error(await client.get("/api/audit", headers=party.headers), 403)


async def test_the_audit_log_needs_a_token(client) -> None:
    assert_jwt_error(await client.get("/api/audit"), 401, "Missing Authorization Header")


async def test_paging_is_newest_first_with_a_total(client, world, admin) -> None:
    party = await world.user("buyer", login=False)
    for _ in range(5):
        assert_error(await client.post("/api/auth/login", json={"email": party.email, "password": "no"}), 401)
    page = assert_ok(
        await client.get("/api/audit", params={"user_id": party.id, "limit": 2}, headers=admin.headers)
    )
    assert_shape(page, PAGE)
    assert (page["total"], page["limit"], page["offset"], len(page["events"])) == (5, 2, 0, 2)
    everything = await _events(client, admin, user_id=party.id)
    assert [event["id"] for event in everything] == sorted(
        (event["id"] for event in everything), reverse=True
    )
    assert page["events"] == everything[:2]
    assert await _events(client, admin, user_id=party.id, limit=2, offset=4) == everything[4:]
    assert await _events(client, admin, user_id=party.id, offset=5) == []
    default = assert_ok(await client.get("/api/audit", headers=admin.headers))
    assert (default["limit"], default["offset"]) == (50, 0)
    assert default["total"] >= 5


async def test_filters_by_type_and_time(client, world, admin) -> None:
    party = await world.user("buyer", login=False)
    assert_error(await client.post("/api/auth/login", json={"email": party.email, "password": "no"}), 401)
    token = await world.login(party.email)
    assert_ok(await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"}))
    both = await _events(client, admin, user_id=party.id, type="auth.logout, auth.login.failure")
    assert [event["event_type"] for event in both] == ["auth.logout", "auth.login.failure"]
    first = naive(both[-1]["occurred_at"])
    last = naive(both[0]["occurred_at"])
    assert len(await _events(client, admin, user_id=party.id, since=first.isoformat())) == 3
    assert len(await _events(client, admin, user_id=party.id, until=first.isoformat())) == 0
    assert len(await _events(client, admin, user_id=party.id, until=last.isoformat())) == 2
    # an offset is converted to UTC
    shifted = (first + timedelta(hours=5)).isoformat() + "+05:00"
    assert len(await _events(client, admin, user_id=party.id, since=shifted)) == 3
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert await _events(client, admin, user_id=party.id, since=future) == []


@pytest.mark.parametrize(
    ("params", "mention"),
    [
        ({"type": "auth.login"}, "type"),
        ({"type": "user.deleted,<script>"}, "type"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2025-13-01"}, "until"),
        ({"since": "0001-01-01T00:00:00+05:00"}, "since"),
        ({"since": "2025-02-01", "until": "2025-01-01"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"user_id": "abc"}, "user_id"),
        ({"user_id": "99999999999999999999999"}, "user_id"),
    ],
)
async def test_bad_query_values_are_400(client, admin, params, mention) -> None:
    assert_error(await client.get("/api/audit", params=params, headers=admin.headers), 400, mention)
