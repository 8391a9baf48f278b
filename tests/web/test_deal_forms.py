"""The deal room's broker forms (issue 13): the finance sheet (S-34), members (S-28 and Δ 111's removal) and trace
links (S-36), for the deal's admins. Driven from both sides: the admin's form changes what the API serves, and a
party who posts the same form (it is never offered) gets the API's 403 with nothing changed."""

from __future__ import annotations

import html
import re

import httpx

from tests.web.conftest import Stack, api_headers, new_lot
from tests.web.servers import csrf_from


def _finance(stack: Stack, deal_id: int) -> dict:
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        answer = api.get(f"/api/deals/{deal_id}/finance", headers=api_headers(stack, "admin"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _flashes(page: str) -> list[str]:
    """The texts of the page's error flash messages."""
    alerts = re.findall(r'<div class="alert alert-danger[^"]*" role="alert">(.*?)<button', page, re.S)
    return [html.unescape(text).strip() for text in alerts]


def test_finance_form_saves_and_shows_margins(client_for, stack, fresh_deal) -> None:
    admin = client_for("admin")
    room = f"/deals/{fresh_deal['id']}"
    page = admin.get(room).text
    assert 'data-testid="finance-form"' in page
    form = {"csrf_token": csrf_from(page), "costo_admin": "100", "precio_admin": "125.5", "currency": "EUR"}
    saved = admin.post(f"{room}/finance", data=form)
    assert (saved.status_code, saved.headers["location"]) == (303, f"{room}#finance")
    after = admin.get(room).text
    assert ">25.5 (25.5 %)<" in after.split('data-testid="margin"')[1][:80]
    sheet = _finance(stack, fresh_deal["id"])
    assert (float(sheet["costo_admin"]), float(sheet["precio_admin"]), sheet["currency"]) == (
        100,
        125.5,
        "EUR",
    )
    # a value that is not a number never reaches the API; a negative one is the API's 400, both flashed
    token = csrf_from(after)
    admin.post(f"{room}/finance", data={"csrf_token": token, "costo_admin": "cien"})
    assert _flashes(admin.get(room).text) == ["Ingrese un número."]
    admin.post(f"{room}/finance", data={"csrf_token": token, "costo_admin": "-5"})
    assert "costo_admin" in _flashes(admin.get(room).text)[0]
    assert float(_finance(stack, fresh_deal["id"])["costo_admin"]) == 100


def test_a_party_never_sees_the_finance_form_and_its_post_is_refused(client_for, stack, fresh_deal) -> None:
    room = f"/deals/{fresh_deal['id']}"
    for role in ("producer", "exporter"):
        party = client_for(role)
        page = party.get(room).text
        for form in ("finance-form", "member-form", "trace-form"):
            assert f'data-testid="{form}"' not in page
        token = csrf_from(page)
        refused = party.post(
            f"{room}/finance", data={"csrf_token": token, "costo_admin": "1", "precio_admin": "9"}
        )
        assert refused.status_code == 403  # the API's refusal, as the 403 page
    sheet = _finance(stack, fresh_deal["id"])
    assert (sheet["costo_admin"], sheet["precio_admin"]) == (None, None)
    # without the session's CSRF token even the admin's post is refused before the API is asked
    assert client_for("admin").post(f"{room}/finance", data={"costo_admin": "1"}).status_code == 403
    assert _finance(stack, fresh_deal["id"])["costo_admin"] is None


def test_members_added_and_removed_grant_and_take_access(client_for, stack, fresh_deal) -> None:
    admin, buyer = client_for("admin"), client_for("buyer")
    room = f"/deals/{fresh_deal['id']}"
    assert buyer.get(room).status_code == 403
    page = admin.get(room).text
    party = f"company:{stack.buyer_company}"
    assert f'value="{party}"' in page
    added = admin.post(
        f"{room}/members", data={"csrf_token": csrf_from(page), "party": party, "role_in_deal": "observer"}
    )
    assert (added.status_code, added.headers["location"]) == (303, f"{room}#members")
    assert buyer.get(room).status_code == 200
    page = admin.get(room).text
    members = page.split('data-testid="members"')[1].split("</ul>")[0]
    member_id = members.split("remove-member-")[1].split('"')[0]
    assert members.count("remove-member-") == 1  # the deal's own companies have no remove button
    # the API's refusal (the producer role is taken) comes back as a message
    admin.post(
        f"{room}/members", data={"csrf_token": csrf_from(page), "party": party, "role_in_deal": "producer"}
    )
    assert "producer" in _flashes(admin.get(room).text)[0]
    # a party may not remove the observer
    exporter = client_for("exporter")
    token = csrf_from(exporter.get(room).text)
    assert exporter.post(f"{room}/members/{member_id}/remove", data={"csrf_token": token}).status_code == 403
    assert buyer.get(room).status_code == 200
    removed = admin.post(f"{room}/members/{member_id}/remove", data={"csrf_token": csrf_from(page)})
    assert removed.status_code == 303
    assert buyer.get(room).status_code == 403


def test_trace_links_lots_and_events(client_for, stack, fresh_deal) -> None:
    lot = new_lot(stack)
    admin = client_for("admin")
    room = f"/deals/{fresh_deal['id']}"
    page = admin.get(room).text
    assert f'<option value="{lot["id"]}">{lot["lot_code"]}</option>' in page
    token = csrf_from(page)
    form = {"csrf_token": token, "lote_ids": [str(lot["id"])], "event_title": "Inspección en finca"}
    linked = admin.post(f"{room}/trace", data=form)
    assert (linked.status_code, linked.headers["location"]) == (303, f"{room}#trace")
    timeline = admin.get(room).text.split('data-testid="timeline"')[1].split("</ol>")[0]
    assert "Inspección en finca" in timeline
    assert f"Lote {lot['lot_code']} registrado" in timeline
    # nothing chosen: the API says what is missing, as a message
    admin.post(f"{room}/trace", data={"csrf_token": token})
    assert "lote_ids" in _flashes(admin.get(room).text)[0]
    # a party may not link
    producer = client_for("producer")
    refused = producer.post(
        f"{room}/trace", data={"csrf_token": csrf_from(producer.get(room).text), "event_title": "x"}
    )
    assert refused.status_code == 403
