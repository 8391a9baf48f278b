"""S-25..S-36, S-40, S-42: deal rooms (§5.6 and §10.6), on both databases. Every branch of the deal-access
rule and every scope filter is driven from the side of the caller who must be refused or must not see."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest_asyncio
from pypdf import PdfReader
from triboka_api.app import create_app
from triboka_api.models import Company, DealMember, DealMessage, DealNote, utcnow
from triboka_api.settings import Settings

from tests.api.conftest import Party, World
from tests.api.helpers import (
    DICT,
    DT,
    INT,
    LIST,
    NUM,
    STR,
    ListOf,
    assert_error,
    assert_ok,
    assert_shape,
    ids,
    opt,
)

DEAL_CODE = re.compile(r"^D-\d{4}-\d{3,}$")
LIST_ITEM = {
    "id": INT,
    "deal_code": STR,
    "producer_company": opt(STR),
    "exporter_company": opt(STR),
    "terms_public": opt(STR),
    "status": STR,
    "created_at": DT,
    "updated_at": DT,
    "admin_name": opt(STR),
}
MEMBER = {
    "id": INT,
    "party_id": INT,
    "party_type": STR,
    "role_in_deal": STR,
    "permissions": opt(STR),
    "joined_at": opt(DT),
    "party_name": opt(STR),
}
VIEW_BASE = {
    "id": INT,
    "deal_code": STR,
    "status": STR,
    "admin_id": INT,
    "created_at": DT,
    "updated_at": DT,
    "terms_public": opt(DICT),
    "description": opt(STR),
    "role_in_deal": STR,
    "members": ListOf(MEMBER),
}
VIEW_PARTY = VIEW_BASE | {"producer_id": opt(INT), "exporter_id": opt(INT)}
VIEW_ADMIN = VIEW_PARTY | {"terms_private": opt(DICT)}
NOTE = {
    "id": INT,
    "author_id": INT,
    "author_name": opt(STR),
    "scope": STR,
    "content": STR,
    "attachments": opt(STR),
    "created_at": DT,
    "updated_at": DT,
}
MESSAGE = {
    "id": INT,
    "author_id": INT,
    "author_name": opt(STR),
    "content": STR,
    "attachments": opt(STR),
    "created_at": DT,
}
FINANCE = {
    "deal_id": INT,
    "costo_admin": opt(NUM),
    "precio_admin": opt(NUM),
    "margen_pct": opt(NUM),
    "margen_abs": opt(NUM),
    "currency": STR,
    "notes": opt(STR),
    "updated_at": opt(DT),
}
TIMELINE_ITEM = {
    "id": STR,
    "type": STR,
    "title": STR,
    "description": opt(STR),
    "timestamp": DT,
    "actor": opt(STR),
    "icon": STR,
    "color": STR,
    "metadata": DICT,
}
TRACE_LINK = {"id": INT, "lote_ids": LIST, "batch_ids": LIST, "events": LIST, "created_at": DT}


@dataclass
class Room:
    """A deal brokered by `broker` (an admin) between the producer's and the exporter's companies."""

    id: int
    code: str
    broker: Party
    producer: Party
    exporter: Party
    operator: Party
    stranger: Party  # an exporter of another company
    unknown_role: Party  # role `user` in the producer's company (Δ 71)
    companyless: Party  # a producer without a company (Δ 73)


async def _user_in(world: World, role: str, company_id: int) -> Party:
    async with world.session() as session:
        company = await session.get(Company, company_id)
    return await world.user(role, company=company)


async def _new_deal(client, broker: Party, producer: Party, exporter: Party, **extra) -> dict:
    body = {"producer_id": producer.company_id, "exporter_id": exporter.company_id} | extra
    return assert_ok(await client.post("/api/deals", json=body, headers=broker.headers), 201)["deal"]


@pytest_asyncio.fixture(scope="module")
async def room(client, world) -> Room:
    broker = await world.user("admin", company=None)
    producer, exporter = await world.user("producer"), await world.user("exporter")
    deal = await _new_deal(
        client,
        broker,
        producer,
        exporter,
        terms_public={"volume_mt": 25},
        terms_private={"commission_pct": 2},
        description="Cacao fino de aroma",
    )
    return Room(
        deal["id"],
        deal["deal_code"],
        broker,
        producer,
        exporter,
        await world.user("operator", company=None),
        await world.user("exporter"),
        await _user_in(world, "user", producer.company_id),
        await world.user("producer", company=None),
    )


def _url(room: Room, tail: str = "") -> str:
    return f"/api/deals/{room.id}{tail}"


# S-25, S-26 -------------------------------------------------------------------------------------------------------


async def test_create_deal_shape_code_and_members(client, world, room) -> None:
    deal = await _new_deal(client, room.broker, room.producer, room.exporter)
    assert_shape(
        deal,
        {
            "id": INT,
            "deal_code": STR,
            "producer_company": room.producer.company_name,
            "exporter_company": room.exporter.company_name,
            "description": None,
            "terms_public": {},
            "status": "draft",
            "created_at": DT,
            "admin_name": STR,
        },
    )
    assert DEAL_CODE.match(deal["deal_code"])
    assert DEAL_CODE.match(room.code)
    assert deal["deal_code"] != room.code  # ORIG: a constant literal
    assert deal["deal_code"][:7] == f"D-{utcnow().year}-"
    view = assert_ok(await client.get(f"/api/deals/{deal['id']}", headers=room.broker.headers))
    roles = {(m["party_id"], m["role_in_deal"], m["permissions"]) for m in view["members"]}
    assert roles == {
        (room.producer.company_id, "producer", '["read", "write"]'),
        (room.exporter.company_id, "exporter", '["read", "write"]'),
    }


async def test_create_deal_refusals(client, world, room) -> None:
    ok = {"producer_id": room.producer.company_id, "exporter_id": room.exporter.company_id}
    for party in (room.producer, room.exporter, room.unknown_role):
        assert_error(await client.post("/api/deals", json=ok, headers=party.headers), 403)
    assert_error(
        await client.post("/api/deals", content=b"not json", headers=room.broker.headers), 400, "JSON"
    )
    assert_error(
        await client.post("/api/deals", json={"exporter_id": 1}, headers=room.broker.headers),
        400,
        "producer_id",
    )
    assert_error(
        await client.post("/api/deals", json=ok | {"exporter_id": 999999}, headers=room.broker.headers), 404
    )
    assert_error(
        await client.post("/api/deals", json=ok | {"terms_public": "x"}, headers=room.broker.headers), 400
    )


async def test_list_deals_newest_first_with_pagination_and_filters(client, world, room) -> None:
    operator = room.operator
    newer = await _new_deal(client, operator, room.producer, room.exporter)
    listed = assert_ok(await client.get("/api/deals?limit=200", headers=operator.headers))
    assert_shape(
        listed,
        {
            "deals": ListOf(LIST_ITEM),
            "pagination": {"total": INT, "limit": 200, "offset": 0, "has_more": False},
        },
    )
    assert listed["deals"][0]["id"] == newer["id"]
    mine = next(d for d in listed["deals"] if d["id"] == room.id)
    assert mine["terms_public"] == '{"volume_mt": 25}'  # the raw JSON string of S-25
    assert mine["admin_name"]
    assert mine["producer_company"] == room.producer.company_name
    first = assert_ok(await client.get("/api/deals?limit=1&offset=1", headers=room.broker.headers))
    assert len(first["deals"]) == 1
    assert first["pagination"]["has_more"] == (listed["pagination"]["total"] > 2)
    assert first["deals"][0]["id"] == listed["deals"][1]["id"]
    assert assert_ok(await client.get("/api/deals?status=closed", headers=operator.headers))["deals"] == []
    for bad in ("limit=0", "limit=201", "offset=-1", "limit=abc"):
        assert_error(await client.get(f"/api/deals?{bad}", headers=operator.headers), 400)
    for party in (room.producer, room.exporter, room.unknown_role, room.companyless):
        assert_error(await client.get("/api/deals", headers=party.headers), 403)


# S-27: the deal-access rule, branch by branch ------------------------------------------------------------------------


async def test_deal_view_by_role_in_deal(client, world, room) -> None:
    broker_view = assert_ok(await client.get(_url(room), headers=room.broker.headers))
    assert_shape(broker_view, VIEW_ADMIN)
    assert broker_view["role_in_deal"] == "admin"
    assert broker_view["terms_private"] == {"commission_pct": 2}
    operator_view = assert_ok(await client.get(_url(room), headers=room.operator.headers))
    assert_shape(operator_view, VIEW_ADMIN)
    for party, role in ((room.producer, "producer"), (room.exporter, "exporter")):
        view = assert_ok(await client.get(_url(room), headers=party.headers))
        assert_shape(view, VIEW_PARTY)  # exactly: no terms_private
        assert view["role_in_deal"] == role
        assert "commission_pct" not in str(view)


async def test_deal_admin_branch_is_the_deal_admin_not_the_role(client, world, room) -> None:
    """The deal's `admin_id` gets the admin view whatever its platform role (first branch of the rule)."""
    broker = await world.user("exporter")
    deal_id = await world.deal(broker)
    view = assert_ok(await client.get(f"/api/deals/{deal_id}", headers=broker.headers))
    assert view["role_in_deal"] == "admin"
    assert "terms_private" in view


async def test_outsiders_are_refused(client, world, room) -> None:
    buyer = await world.user("buyer")
    for party in (room.stranger, room.unknown_role, room.companyless, buyer):
        for tail in ("", "/notes", "/messages", "/trace", "/trace/filter", "/messages/search", "/finance"):
            assert_error(await client.get(_url(room, tail), headers=party.headers), 403)
        for tail, body in (("/notes", {"content": "x"}), ("/messages", {"content": "x"})):
            assert_error(await client.post(_url(room, tail), json=body, headers=party.headers), 403)
    # 404 comes first, for everyone
    for party in (room.stranger, room.broker):
        assert_error(await client.get("/api/deals/999999", headers=party.headers), 404, "Deal")
        assert_error(await client.post("/api/deals/999999/notes", content=b"x", headers=party.headers), 404)


async def test_unknown_role_in_a_party_company_is_no_party(client, world, room) -> None:
    """Δ 71: role `user` in the producer's company matches neither the producer branch nor a member row."""
    assert_error(await client.get(_url(room), headers=room.unknown_role.headers), 403)


async def test_companyless_user_does_not_match_a_company_with_its_id(client, world, room) -> None:
    """Δ 73: a company member row whose party_id equals the company-less user's id grants nothing."""
    person = await world.user("producer", company=None)
    deal_id = await world.deal(room.broker, members=(person.id,))
    assert_error(await client.get(f"/api/deals/{deal_id}", headers=person.headers), 403)


# S-28: members ----------------------------------------------------------------------------------------------------


async def _add_observer_company(client, room: Room, party: Party) -> dict:
    """S-28 by the deal's admin: `party`'s company joins as an observer."""
    body = {"party_id": party.company_id, "role_in_deal": "observer"}
    return assert_ok(await client.post(_url(room, "/members"), json=body, headers=room.broker.headers), 201)


async def test_add_members_and_their_access(client, world, room) -> None:
    observer_co = await world.user("buyer")
    added = await _add_observer_company(client, room, observer_co)
    assert_shape(
        added,
        {
            "message": STR,
            "member": {
                "id": INT,
                "party_id": observer_co.company_id,
                "party_type": "company",
                "role_in_deal": "observer",
                "permissions": ["read"],
                "invited_at": DT,
            },
        },
    )
    view = assert_ok(await client.get(_url(room), headers=observer_co.headers))
    assert_shape(view, VIEW_BASE)  # neither the companies nor the private terms
    assert view["role_in_deal"] == "observer"
    # read-only by default: an observer posts nothing
    assert_error(
        await client.post(_url(room, "/messages"), json={"content": "hi"}, headers=observer_co.headers), 403
    )
    # a user member with write permission posts
    person = await world.user("user", company=None)
    assert_ok(
        await client.post(
            _url(room, "/members"),
            json={
                "party_id": person.id,
                "party_type": "user",
                "role_in_deal": "observer",
                "permissions": ["read", "write"],
            },
            headers=room.operator.headers,
        ),
        201,
    )
    assert_ok(
        await client.post(_url(room, "/messages"), json={"content": "hola"}, headers=person.headers), 201
    )


async def test_add_member_refusals(client, world, room) -> None:
    other = await world.user("producer")
    body = {"party_id": other.company_id, "role_in_deal": "observer"}
    for party in (room.producer, room.exporter, room.stranger):
        assert_error(await client.post(_url(room, "/members"), json=body, headers=party.headers), 403)
    cases = [
        ({"party_id": other.company_id, "role_in_deal": "producer"}, 400, "producer"),  # the role exists
        ({"party_id": other.company_id, "role_in_deal": "admin"}, 400, "role_in_deal"),
        (
            {"party_id": other.company_id, "role_in_deal": "observer", "party_type": "robot"},
            400,
            "party_type",
        ),
        ({"party_id": room.exporter.company_id, "role_in_deal": "observer"}, 400, "member"),
        ({"role_in_deal": "observer"}, 400, "party_id"),
        ({"party_id": 999999, "role_in_deal": "observer"}, 404, "Company"),
    ]
    for payload, status, word in cases:
        assert_error(
            await client.post(_url(room, "/members"), json=payload, headers=room.broker.headers), status, word
        )
    assert_error(
        await client.post(_url(room, "/members"), content=b"[", headers=room.broker.headers), 400, "JSON"
    )


async def test_remove_member_takes_its_access_away(client, world, room) -> None:
    """Δ 111: DELETE /api/deals/{id}/members/{member_id}, for the deal's admins only."""
    observer = await world.user("buyer")
    added = await _add_observer_company(client, room, observer)
    member = _url(room, f"/members/{added['member']['id']}")
    assert_ok(await client.get(_url(room), headers=observer.headers))
    # parties, the observer itself and outsiders may not remove anyone
    for party in (room.producer, room.exporter, observer, room.stranger):
        assert_error(await client.delete(member, headers=party.headers), 403)
    assert_ok(await client.get(_url(room), headers=observer.headers))
    assert_shape(assert_ok(await client.delete(member, headers=room.operator.headers)), {"message": STR})
    assert_error(await client.get(_url(room), headers=observer.headers), 403)
    assert_error(await client.delete(member, headers=room.broker.headers), 404, "Member")
    # the deal's own companies stay; a member of another deal is not found through this one
    view = assert_ok(await client.get(_url(room), headers=room.broker.headers))
    for row in view["members"]:
        if row["party_id"] in (room.producer.company_id, room.exporter.company_id):
            removal = await client.delete(_url(room, f"/members/{row['id']}"), headers=room.broker.headers)
            assert_error(removal, 400, "cannot be removed")
    other = await _new_deal(client, room.broker, room.producer, room.exporter)
    others = assert_ok(await client.get(f"/api/deals/{other['id']}", headers=room.broker.headers))["members"]
    assert_error(
        await client.delete(_url(room, f"/members/{others[0]['id']}"), headers=room.broker.headers), 404
    )
    assert_error(await client.delete("/api/deals/999999/members/1", headers=room.broker.headers), 404, "Deal")


# S-29, S-30: notes and their scopes -------------------------------------------------------------------------------


async def test_notes_are_filtered_by_scope(client, world) -> None:
    broker = await world.user("admin", company=None)
    producer, exporter, observer = (
        await world.user("producer"),
        await world.user("exporter"),
        await world.user("buyer"),
    )
    deal = await _new_deal(client, broker, producer, exporter)
    url = f"/api/deals/{deal['id']}"
    await world_member(world, deal["id"], observer.company_id, ["read", "write"])
    posted = {}
    for scope in ("PUBLIC", "PARTES", "SOLO_ADMIN"):
        body = assert_ok(
            await client.post(
                f"{url}/notes",
                json={"content": f"nota {scope}", "scope": scope, "attachments": ["a.pdf"]},
                headers=broker.headers,
            ),
            201,
        )
        assert_shape(body, {"message": STR, "note": NOTE})
        assert body["note"]["attachments"] == '["a.pdf"]'
        posted[scope] = body["note"]["id"]
    default = assert_ok(
        await client.post(f"{url}/notes", json={"content": "sin scope"}, headers=producer.headers), 201
    )
    assert default["note"]["scope"] == "PUBLIC"
    # a producer's own SOLO_ADMIN note (written while it could, e.g. before a role change) stays visible to it
    async with world.session() as session:
        own = DealNote(deal_id=deal["id"], author_id=producer.id, scope="SOLO_ADMIN", content="mine")
        session.add(own)
        await session.commit()
        own_id = own.id

    def seen(notes: list[dict]) -> set[int]:
        return set(ids(notes))

    all_notes = assert_ok(await client.get(f"{url}/notes?scope=PUBLIC", headers=broker.headers))
    assert_shape(all_notes, ListOf(NOTE))
    assert seen(all_notes) == {*posted.values(), default["note"]["id"], own_id}  # ?scope= is ignored
    assert [n["created_at"] for n in all_notes] == sorted((n["created_at"] for n in all_notes), reverse=True)
    assert seen(assert_ok(await client.get(f"{url}/notes", headers=producer.headers))) == {
        posted["PUBLIC"],
        posted["PARTES"],
        default["note"]["id"],
        own_id,
    }
    assert seen(assert_ok(await client.get(f"{url}/notes", headers=exporter.headers))) == {
        posted["PUBLIC"],
        posted["PARTES"],
        default["note"]["id"],
    }
    assert seen(assert_ok(await client.get(f"{url}/notes", headers=observer.headers))) == {
        posted["PUBLIC"],
        default["note"]["id"],
    }


async def world_member(world: World, deal_id: int, company_id: int, permissions: list[str]) -> None:
    async with world.session() as session:
        session.add(
            DealMember(
                deal_id=deal_id,
                party_id=company_id,
                party_type="company",
                role_in_deal="observer",
                permissions=permissions,
            )
        )
        await session.commit()


async def test_note_refusals(client, world, room) -> None:
    url = _url(room, "/notes")
    assert_error(
        await client.post(url, json={"content": "x", "scope": "SOLO_ADMIN"}, headers=room.producer.headers),
        403,
    )
    observer = await world.user("buyer")
    await world_member(world, room.id, observer.company_id, ["read", "write"])
    assert_error(
        await client.post(url, json={"content": "x", "scope": "PARTES"}, headers=observer.headers), 403
    )
    assert_error(
        await client.post(url, json={"content": "x", "scope": "SECRET"}, headers=room.broker.headers),
        400,
        "scope",
    )
    assert_error(await client.post(url, json={"content": "  "}, headers=room.broker.headers), 400, "content")
    assert_error(
        await client.post(url, json={"scope": "PUBLIC"}, headers=room.broker.headers), 400, "content"
    )
    assert_error(await client.post(url, content=b"content=x", headers=room.broker.headers), 400, "JSON")


# S-31, S-32, S-40: messages -------------------------------------------------------------------------------------


async def test_messages_oldest_first_and_search(client, world) -> None:
    broker = await world.user("admin", company=None)
    producer, exporter = await world.user("producer"), await world.user("exporter")
    deal = await _new_deal(client, broker, producer, exporter)
    url = f"/api/deals/{deal['id']}"
    first = assert_ok(
        await client.post(
            f"{url}/messages", json={"content": "Precio FOB acordado"}, headers=producer.headers
        ),
        201,
    )
    assert_shape(first, {"message": STR, "msg": MESSAGE})
    second = assert_ok(
        await client.post(
            f"{url}/messages",
            json={"content": "Envío en marzo", "attachments": [{"n": 1}]},
            headers=exporter.headers,
        ),
        201,
    )["msg"]
    # a file-upload message of a SOLO_ADMIN file is as confidential as the file (Δ 104)
    async with world.session() as session:
        hidden = DealMessage(
            deal_id=deal["id"],
            author_id=broker.id,
            content="secreto.pdf",
            message_type="file_upload",
            scope="SOLO_ADMIN",
        )
        session.add(hidden)
        await session.commit()
        hidden_id = hidden.id
    listed = assert_ok(await client.get(f"{url}/messages", headers=producer.headers))
    assert_shape(listed, ListOf(MESSAGE))
    assert ids(listed) == [first["msg"]["id"], second["id"]]
    assert listed[1]["attachments"] == '[{"n": 1}]'
    assert hidden_id in ids(assert_ok(await client.get(f"{url}/messages", headers=broker.headers)))

    search = f"{url}/messages/search"
    found = assert_ok(await client.get(f"{search}?q=precio", headers=exporter.headers))
    assert_shape(
        found,
        {
            "query": "precio",
            "total_results": 1,
            "messages": ListOf(
                {
                    "id": INT,
                    "author_id": INT,
                    "author_name": opt(STR),
                    "content": STR,
                    "attachments": LIST,
                    "message_type": STR,
                    "created_at": DT,
                    "deal_id": deal["id"],
                }
            ),
        },
    )
    assert ids(found["messages"]) == [first["msg"]["id"]]
    everything = assert_ok(await client.get(search, headers=broker.headers))["messages"]
    assert ids(everything) == [hidden_id, second["id"], first["msg"]["id"]]  # newest first
    assert ids(assert_ok(await client.get(search, headers=producer.headers))["messages"]) == [
        second["id"],
        first["msg"]["id"],
    ]
    assert ids(
        assert_ok(await client.get(f"{search}?author_id={exporter.id}", headers=producer.headers))["messages"]
    ) == [second["id"]]
    assert (
        assert_ok(await client.get(f"{search}?type=file_upload", headers=producer.headers))["total_results"]
        == 0
    )
    assert (
        assert_ok(await client.get(f"{search}?type=file_upload", headers=broker.headers))["total_results"]
        == 1
    )
    assert ids(assert_ok(await client.get(f"{search}?limit=1", headers=producer.headers))["messages"]) == [
        second["id"]
    ]
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert (
        assert_ok(await client.get(f"{search}?date_from={tomorrow}", headers=producer.headers))[
            "total_results"
        ]
        == 0
    )
    assert (
        assert_ok(await client.get(f"{search}?date_to={tomorrow}", headers=producer.headers))["total_results"]
        == 2
    )
    assert assert_ok(await client.get(f"{search}?q=100%25", headers=producer.headers))["total_results"] == 0
    for bad in ("limit=0", "limit=201", "date_from=yesterday"):
        assert_error(await client.get(f"{search}?{bad}", headers=producer.headers), 400)
    assert_error(
        await client.post(f"{url}/messages", json={"content": " "}, headers=producer.headers), 400, "content"
    )
    assert_error(await client.post(f"{url}/messages", content=b"", headers=producer.headers), 400, "JSON")


# S-33, S-34: the private finance sheet ----------------------------------------------------------------------------


async def test_finance_sheet_for_admins_only(client, world) -> None:
    broker = await world.user("admin", company=None)
    producer, exporter = await world.user("producer"), await world.user("exporter")
    deal = await _new_deal(client, broker, producer, exporter)
    url = f"/api/deals/{deal['id']}/finance"
    empty = assert_ok(await client.get(url, headers=broker.headers))
    assert empty == {
        "deal_id": deal["id"],
        "costo_admin": None,
        "precio_admin": None,
        "margen_pct": None,
        "margen_abs": None,
        "currency": "USD",
        "notes": None,
        "updated_at": None,
    }
    for party in (producer, exporter):
        assert_error(await client.get(url, headers=party.headers), 403)
        assert_error(await client.post(url, json={"costo_admin": 1}, headers=party.headers), 403)
    saved = assert_ok(
        await client.post(
            url, json={"costo_admin": 2000, "precio_admin": 2300, "notes": "FOB"}, headers=broker.headers
        )
    )
    assert_shape(saved, {"message": STR, "finance": FINANCE})
    assert (saved["finance"]["margen_abs"], saved["finance"]["margen_pct"]) == (300.0, 15.0)
    operator = await world.user("operator", company=None)
    changed = assert_ok(
        await client.post(url, json={"currency": "EUR", "precio_admin": 2100}, headers=operator.headers)
    )["finance"]
    assert (changed["costo_admin"], changed["currency"], changed["notes"], changed["margen_abs"]) == (
        2000.0,
        "EUR",
        "FOB",
        100.0,
    )
    assert changed["margen_pct"] == 5.0
    zero = assert_ok(await client.post(url, json={"costo_admin": 0}, headers=broker.headers))["finance"]
    assert (zero["margen_abs"], zero["margen_pct"]) == (0.0, 0.0)
    assert assert_ok(await client.get(url, headers=broker.headers)) == zero
    for bad in ({"costo_admin": -1}, {"precio_admin": "NaN"}, {"currency": "x" * 11}):
        assert_error(await client.post(url, json=bad, headers=broker.headers), 400)
    assert_error(await client.post(url, content=b"{", headers=broker.headers), 400, "JSON")


# S-35, S-36, S-42: the trace ---------------------------------------------------------------------------------------


async def test_trace_links_and_timeline(client, world) -> None:
    chain = await world.chain()
    broker = await world.user("admin", company=None)
    deal = await _new_deal(client, broker, chain.producer, chain.exporter)
    url = f"/api/deals/{deal['id']}/trace"
    # a contract between the two companies, either way round, and its fixation
    contract = await world.contract(broker, chain.producer.company_id, chain.exporter.company_id)
    await world.fixation(broker, contract["id"], 5)
    body = {
        "lote_ids": chain.lot_ids,
        "batch_ids": [chain.batch["id"]],
        "events": [
            {"title": "Inspección en bodega", "timestamp": "2025-01-05T10:00:00", "description": "ok"}
        ],
    }
    for party in (chain.producer, chain.exporter):
        assert_error(await client.post(url, json=body, headers=party.headers), 403)
    link = assert_ok(await client.post(url, json=body, headers=broker.headers), 201)
    assert_shape(link, {"message": STR, "trace_link": TRACE_LINK})
    trace = assert_ok(await client.get(url, headers=chain.producer.headers))
    assert_shape(
        trace,
        {
            "summary": {
                "deal_id": deal["id"],
                "total_events": INT,
                "date_range": {"start": DT, "end": DT},
                "entities": {"lotes": 1, "batches": 1, "contracts": 1, "blockchain_events": 0},
            },
            "timeline": ListOf(TIMELINE_ITEM),
            "trace_links": ListOf(TRACE_LINK),
        },
    )
    types = [item["type"] for item in trace["timeline"]]
    for wanted in (
        "deal_created",
        "lot_created",
        "harvest",
        "purchase",
        "batch_created",
        "custom",
        "contract",
        "fixation",
    ):
        assert wanted in types, (wanted, types)
    stamps = [item["timestamp"] for item in trace["timeline"]]
    assert stamps == sorted(stamps)
    assert trace["summary"]["total_events"] == len(trace["timeline"])
    assert not any("blockchain" in t for t in types)

    filtered = assert_ok(await client.get(f"{url}/filter?type=harvest", headers=chain.exporter.headers))
    assert_shape(
        filtered,
        {
            "filter_stats": {
                "total_events": len(stamps),
                "filtered_events": 1,
                "applied_filters": {"type": "harvest"},
                "event_types": ListOf(STR),
                "actors": ListOf(STR),
            },
            "timeline": ListOf(TIMELINE_ITEM),
        },
    )
    by_lot = assert_ok(await client.get(f"{url}/filter?entity_id={chain.lot_ids[0]}", headers=broker.headers))
    assert {i["type"] for i in by_lot["timeline"]} >= {"lot_created", "harvest", "purchase"}
    dated = assert_ok(
        await client.get(f"{url}/filter?date_from=2025-01-01&date_to=2025-01-31", headers=broker.headers)
    )
    assert "custom" in {i["type"] for i in dated["timeline"]}
    assert_error(
        await client.get(f"{url}/filter?date_from=someday", headers=broker.headers), 400, "date_from"
    )

    for bad, word in (
        ({"lote_ids": [999999]}, "lot"),
        ({"batch_ids": [999999]}, "batch"),
        ({"events": [{"description": "no title"}]}, "events[0]"),
        ({"events": [{"title": "t", "timestamp": "0001-01-01"}]}, "events[0]"),
        ({}, "lote_ids"),
        ({"lote_ids": "1"}, "lote_ids"),
    ):
        assert_error(await client.post(url, json=bad, headers=broker.headers), 400, word)


# S-41: the PDF export ---------------------------------------------------------------------------------------------


async def test_trace_export_is_a_pdf_with_the_code_and_every_event(client, world) -> None:
    chain = await world.chain()
    broker = await world.user("admin", company=None)
    deal = await _new_deal(
        client,
        broker,
        chain.producer,
        chain.exporter,
        description="Exportación <Q1> & más",
        terms_public={"fob": 1},
    )
    url = f"/api/deals/{deal['id']}/trace"
    body = {
        "lote_ids": chain.lot_ids,
        "batch_ids": [chain.batch["id"]],
        "events": [{"title": "Inspección fitosanitaria"}],
    }
    assert_ok(await client.post(url, json=body, headers=broker.headers), 201)
    titles = [
        item["title"] for item in assert_ok(await client.get(url, headers=chain.producer.headers))["timeline"]
    ]
    assert len(titles) >= 6
    response = await client.get(f"{url}/export", headers=chain.producer.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert re.fullmatch(
        rf'attachment; filename="trazabilidad_deal_{deal["id"]}_\d{{8}}_\d{{6}}\.pdf"',
        response.headers["content-disposition"],
    )
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert deal["deal_code"] in text
    assert "Cronología" in text
    assert "Productor" in text
    for title in titles:
        assert " ".join(title.split()) in text, title
    assert "Exportación <Q1> & más" in text  # markup in user text is escaped, not interpreted
    outsider = await world.user("exporter")
    assert_error(await client.get(f"{url}/export", headers=outsider.headers), 403)
    assert_error(await client.get("/api/deals/999999/trace/export", headers=broker.headers), 404)


def test_openapi_documents_every_deal_room_route() -> None:
    """S-01, S-02 and S-25..S-42 with their methods (the issue's definition of done)."""
    document = create_app(
        Settings(database_url="sqlite+aiosqlite:///:memory:", jwt_secret="x" * 40)
    ).openapi()
    expected = {
        ("post", "/api/auth/impersonate/{target_user_id}"),
        ("post", "/api/auth/stop-impersonation"),
        ("get", "/api/deals"),
        ("post", "/api/deals"),
        ("get", "/api/deals/{deal_id}"),
        ("post", "/api/deals/{deal_id}/members"),
        ("delete", "/api/deals/{deal_id}/members/{member_id}"),
        ("get", "/api/deals/{deal_id}/notes"),
        ("post", "/api/deals/{deal_id}/notes"),
        ("get", "/api/deals/{deal_id}/messages"),
        ("post", "/api/deals/{deal_id}/messages"),
        ("get", "/api/deals/{deal_id}/finance"),
        ("post", "/api/deals/{deal_id}/finance"),
        ("get", "/api/deals/{deal_id}/trace"),
        ("post", "/api/deals/{deal_id}/trace"),
        ("post", "/api/deals/{deal_id}/upload"),
        ("get", "/api/deals/{deal_id}/files"),
        ("get", "/api/deals/{deal_id}/files/{file_id}/download"),
        ("get", "/api/deals/{deal_id}/messages/search"),
        ("get", "/api/deals/{deal_id}/trace/export"),
        ("get", "/api/deals/{deal_id}/trace/filter"),
    }
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert expected <= documented
    upload = document["paths"]["/api/deals/{deal_id}/upload"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "requestBody" in document["paths"]["/api/deals"]["post"]
