"""Δ 112: socket tickets, on both databases. A ticket is issued only to a deal's members (the deal-access rule),
for one deal and a minute, with the audience `socket`; it is no credential anywhere else: every REST route answers
it 401 (tried from the attacker's side: a page script that leaked its ticket)."""

from __future__ import annotations

import time

import jwt
import pytest
from triboka_api.security.tokens import SOCKET_TICKET_SECONDS, TokenError, decode_socket_ticket

from tests.api.conftest import JWT_SECRET
from tests.api.helpers import INT, STR, assert_error, assert_jwt_error, assert_ok, assert_shape, bearer

TICKET = "/api/realtime/ticket"


async def _cast(world):
    admin = await world.user("admin", company=None)
    producer, exporter, stranger = [await world.user(role) for role in ("producer", "exporter", "exporter")]
    deal_id = await world.deal(admin, producer_id=producer.company_id, exporter_id=exporter.company_id)
    return admin, producer, stranger, deal_id


async def test_members_get_a_one_minute_ticket_for_one_deal(client, world) -> None:
    admin, producer, _stranger, deal_id = await _cast(world)
    for party in (admin, producer):
        answer = assert_ok(await client.post(TICKET, json={"deal_id": deal_id}, headers=party.headers))
        assert_shape(answer, {"ticket": STR, "expires_in": INT})
        assert answer["expires_in"] == SOCKET_TICKET_SECONDS == 60
        claims = decode_socket_ticket(answer["ticket"], JWT_SECRET)
        assert (claims["sub"], claims["deal_id"], claims["aud"]) == (str(party.id), deal_id, "socket")
        assert claims["exp"] - claims["iat"] == 60


async def test_outsiders_and_missing_deals_get_no_ticket(client, world) -> None:
    _admin, producer, stranger, deal_id = await _cast(world)
    assert_error(await client.post(TICKET, json={"deal_id": deal_id}, headers=stranger.headers), 403)
    assert_error(await client.post(TICKET, json={"deal_id": 999999}, headers=producer.headers), 404, "Deal")
    assert_error(await client.post(TICKET, json={}, headers=producer.headers), 400, "deal_id")
    assert_error(await client.post(TICKET, json={"deal_id": "x"}, headers=producer.headers), 400, "deal_id")
    assert_error(await client.post(TICKET, content=b"[", headers=producer.headers), 400, "JSON")
    assert_jwt_error(await client.post(TICKET, json={"deal_id": deal_id}), 401)


async def test_a_ticket_is_refused_by_every_rest_route(client, world) -> None:
    admin, producer, _stranger, deal_id = await _cast(world)
    ticket = assert_ok(await client.post(TICKET, json={"deal_id": deal_id}, headers=producer.headers))[
        "ticket"
    ]
    for method, path in (
        ("GET", f"/api/deals/{deal_id}"),
        ("GET", f"/api/deals/{deal_id}/messages"),
        ("POST", f"/api/deals/{deal_id}/messages"),
        ("GET", "/api/auth/profile"),
        ("POST", TICKET),  # a ticket does not buy another ticket
    ):
        response = await client.request(
            method, path, json={"content": "x", "deal_id": deal_id}, headers=bearer(ticket)
        )
        assert_jwt_error(response, 401, "Socket tickets are only accepted by the socket")
    # nor does an admin's ticket, whose token may do everything
    admin_ticket = assert_ok(await client.post(TICKET, json={"deal_id": deal_id}, headers=admin.headers))[
        "ticket"
    ]
    assert_jwt_error(await client.get("/api/users", headers=bearer(admin_ticket)), 401)


async def test_a_ticket_with_the_wrong_audience_or_expired_is_not_a_ticket(client, world) -> None:
    _admin, producer, _stranger, deal_id = await _cast(world)
    ticket = assert_ok(await client.post(TICKET, json={"deal_id": deal_id}, headers=producer.headers))[
        "ticket"
    ]
    claims = jwt.decode(ticket, options={"verify_signature": False})
    for changed, msg in (
        ({"aud": "api"}, "(?i)audience"),
        ({"iat": time.time() - 120, "exp": time.time() - 60}, "expired"),
        ({"type": "access"}, "socket ticket"),
    ):
        forged = jwt.encode(claims | changed, JWT_SECRET, algorithm="HS256")
        with pytest.raises(TokenError, match=msg):
            decode_socket_ticket(forged, JWT_SECRET)
    # the platform JWT is no ticket either
    with pytest.raises(TokenError, match="aud"):
        decode_socket_ticket(producer.token, JWT_SECRET)


async def test_an_impersonation_token_gets_a_listening_ticket(client, world) -> None:
    admin, producer, _stranger, deal_id = await _cast(world)
    started = assert_ok(await client.post(f"/api/auth/impersonate/{producer.id}", headers=admin.headers))
    token = started["access_token"]
    ticket = assert_ok(await client.post(TICKET, json={"deal_id": deal_id}, headers=bearer(token)))["ticket"]
    claims = decode_socket_ticket(ticket, JWT_SECRET)
    assert (claims["sub"], claims["is_impersonating"], claims["original_admin_id"]) == (
        str(producer.id),
        True,
        admin.id,
    )
