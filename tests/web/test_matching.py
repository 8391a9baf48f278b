"""The Matching page (issue 14, S-50..S-53): the search filters reach the API, recommendations with their score, the
contact form (a deal proposal's flash links to the draft deal's room), the role gate and CSRF; over HTTP and, once,
in headless Chromium (screenshot in tests/artifacts/web/)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Stack, api_headers
from tests.web.flows import shot, sign_in, watch
from tests.web.servers import csrf_from


def _lot(stack: Stack, location: str, weight_kg: float, certifications: list[str]) -> dict:
    """An available lot of the producer's company: what the matching endpoints offer."""
    body = {
        "producer_company_id": stack.accounts["producer"].company_id,
        "farm_name": "Finca Emparejada",
        "location": location,
        "product_type": "Cacao Nacional",
        "weight_kg": weight_kg,
        "quality_grade": "A",
        "harvest_date": "2025-09-15",
        "certifications": certifications,
    }
    headers = api_headers(stack, "producer")
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        created = api.post("/api/lots", json=body, headers=headers)
        assert created.status_code == 201, created.text
        return api.get(f"/api/lots/{created.json()['lot_id']}", headers=headers).json()


def _place() -> str:
    return f"Zona-{uuid.uuid4().hex[:8]}"


def _api_score(stack: Stack, role: str, lot_id: int) -> int:
    """The score S-52 gives the lot for that role's caller: what the page must show. Not a constant: a verified
    producer DID (another test's data on the shared stack) adds its bonus (Δ 188)."""
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        answer = api.get("/api/match/recommendations", params={"limit": 10}, headers=api_headers(stack, role))
    assert answer.status_code == 200, answer.text
    scores = {r["lot"]["id"]: r["recommendation_score"] for r in answer.json()["recommendations"]}
    assert lot_id in scores, "the best-scored newest lot is recommended"
    return scores[lot_id]


def _lot_rows(html: str, table: str) -> list[int]:
    """The lot ids of one results table, in its order."""
    section = html.split(f'data-testid="{table}"', 1)[1].split("</table>", 1)[0]
    return [int(found) for found in re.findall(r'<tr data-lot="(\d+)">', section)]


def test_lot_filters_and_sort_reach_the_api(client_for, stack: Stack) -> None:
    place = _place()
    light, heavy = _lot(stack, place, 900, ["Organic"]), _lot(stack, place, 3000, ["Organic"])
    client = client_for("exporter", "en")
    heavy_only = client.get("/matching", params={"search": "lots", "location": place, "min_weight": "1000"})
    assert heavy_only.status_code == 200
    assert _lot_rows(heavy_only.text, "lot-results") == [heavy["id"]]
    for order, expected in (("asc", [light["id"], heavy["id"]]), ("desc", [heavy["id"], light["id"]])):
        query = {"search": "lots", "location": place, "sort_by": "weight_kg", "sort_order": order}
        assert _lot_rows(client.get("/matching", params=query).text, "lot-results") == expected


def test_producer_search_groups_the_lots_by_company(client_for, stack: Stack) -> None:
    mark = f"Cert-{uuid.uuid4().hex[:8]}"
    _lot(stack, _place(), 1500, [mark])
    _lot(stack, _place(), 500, [mark])
    page = client_for("buyer", "en").get("/matching", params={"search": "producers", "certifications": mark})
    assert page.status_code == 200
    row = re.search(
        rf'<tr data-company="{stack.accounts["producer"].company_id}">(.*?)</tr>', page.text, re.DOTALL
    )
    assert row, page.text[-3000:]
    assert '<td class="text-end">2</td>' in row.group(1)  # both lots, one producer
    assert mark in row.group(1)


def test_a_filter_the_api_refuses_is_shown_not_a_500(client_for) -> None:
    client = client_for("exporter", "en")
    refused = client.get("/matching", params={"search": "lots", "sort_by": "'; DROP TABLE lots"})
    assert refused.status_code == 400
    assert 'data-testid="search-error"' in refused.text
    assert "sort_by must be" in refused.text
    volume = client.get("/matching", params={"search": "producers", "min_volume": "-5"})
    assert volume.status_code == 400
    assert 'data-testid="search-error"' in volume.text
    paged = client.get("/matching", params={"search": "nonsense", "page": "-3"})
    assert paged.status_code == 200  # an unknown search is the lots search, page 1
    not_a_page = client.get("/matching", params={"page": "abc"})
    assert not_a_page.status_code == client.get("/lots", params={"page": "abc"}).status_code == 422


def test_recommendations_show_score_and_reasons(client_for, stack: Stack) -> None:
    lot = _lot(stack, _place(), 1200, ["Organic", "Fair Trade"])
    page = client_for("exporter", "en").get("/matching").text
    score = _api_score(stack, "exporter", lot["id"])
    assert score >= 90  # quality A (+20) and both preferred certifications (+20) over the base 50
    assert lot["id"] in _lot_rows(page, "recommendations")
    row = re.search(
        rf'<tr data-lot="{lot["id"]}">(.*?)</tr>', page.split('data-testid="recommendations"')[1], re.DOTALL
    )
    assert row, "the best-scored newest lot is recommended"
    assert f'<span class="badge text-bg-success" data-testid="score">{score}</span>' in row.group(1)
    assert "Organic" in row.group(1)


def _contact(client: httpx.Client, **fields: object) -> httpx.Response:
    token = csrf_from(client.get("/matching").text)
    return client.post("/matching/contact", data={"csrf_token": token, **fields})


def test_deal_proposal_flash_names_the_draft_deal_and_links_its_room(client_for, stack: Stack) -> None:
    lot = _lot(stack, _place(), 800, ["Organic"])
    client = client_for("exporter", "en")
    sent = _contact(
        client,
        producer_company_id=stack.accounts["producer"].company_id,
        contact_type="deal_proposal",
        message="Interesados en el lote",
        lot_ids=[lot["id"]],
    )
    assert sent.status_code == 303
    page = client.get(sent.headers["location"]).text
    flash = re.search(r"Deal proposal sent: draft deal (D-[0-9-]+)\.", page)
    assert flash, page.split("<main", 1)[1][:1500]
    link = re.search(r'<a class="alert-link" href="(/deals/(\d+))" data-testid="flash-link">', page)
    assert link
    room = client.get(link.group(1))
    assert room.status_code == 200
    assert flash.group(1) in room.text


def test_inquiry_flash_names_the_producer(client_for, stack: Stack) -> None:
    client = client_for("buyer", "en")
    sent = _contact(client, producer_company_id=stack.accounts["producer"].company_id, contact_type="inquiry")
    page = client.get(sent.headers["location"]).text
    assert "Inquiry sent to" in page
    assert 'data-testid="flash-link"' not in page


def test_hostile_contact_values_get_a_refusal(client_for, stack: Stack) -> None:
    client = client_for("exporter", "en")
    for fields in (
        {"producer_company_id": "abc", "contact_type": "inquiry"},
        {"producer_company_id": stack.accounts["producer"].company_id, "lot_ids": ["x"]},
        {"contact_type": "inquiry"},
        {"producer_company_id": 999999, "contact_type": "inquiry"},
        {"producer_company_id": stack.accounts["producer"].company_id, "contact_type": "<script>"},
        {
            "producer_company_id": stack.accounts["producer"].company_id,
            "contact_type": "inquiry",
            "message": "x" * 20_000,
        },
    ):
        sent = _contact(client, **fields)
        assert sent.status_code == 303, fields
        page = client.get(sent.headers["location"]).text
        assert 'class="alert alert-danger' in page, fields
        assert "<script>" not in page.split("<main", 1)[1].split("</main>")[0], fields


def test_contact_without_csrf_is_refused(client_for, stack: Stack) -> None:
    client = client_for("exporter", "en")
    fields = {"producer_company_id": stack.accounts["producer"].company_id, "contact_type": "deal_proposal"}
    refused = client.post("/matching/contact", data=fields)
    assert refused.status_code == 403
    assert 'data-testid="error-403"' in refused.text
    assert "Deal proposal sent" not in client.get("/matching").text


def test_a_producer_sees_neither_the_page_nor_the_menu_entry(client_for, stack: Stack) -> None:
    """S-50, S-51 and S-53 refuse producers: the dashboard neither offers the page nor forwards the post."""
    client = client_for("producer", "en")
    assert client.get("/matching").status_code == 403
    assert 'href="/matching"' not in client.get("/dashboard").text
    token = csrf_from(client.get("/dashboard").text)
    fields = {"csrf_token": token, "producer_company_id": stack.accounts["producer"].company_id}
    assert client.post("/matching/contact", data=fields).status_code == 403
    assert 'href="/matching"' in client_for("buyer", "en").get("/dashboard").text


def test_matching_needs_a_session(anonymous) -> None:
    response = anonymous.get("/matching")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["location"]


@pytest.mark.browser
def test_search_recommendation_and_deal_proposal(page: Page, stack: Stack, artifacts: Path) -> None:
    place = _place()
    lot = _lot(stack, place, 2500, ["Organic", "Fair Trade"])
    problems = watch(page)
    sign_in(page, stack.accounts["exporter"])
    page.click("nav a[href='/matching']")
    page.fill("#l-location", place)
    page.locator("[data-testid=lots-form] button[type=submit]").click()
    expect(page.locator("[data-testid=lot-results] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=lot-results]")).to_contain_text(lot["lot_code"])
    recommended = page.locator(f"[data-testid=recommendations] tr[data-lot='{lot['id']}']")
    expect(recommended.locator("[data-testid=score]")).to_have_text(
        str(_api_score(stack, "exporter", lot["id"]))
    )
    recommended.locator(f"[data-testid=pick-{lot['id']}]").check()
    page.select_option("#c-producer", str(stack.accounts["producer"].company_id))
    page.select_option("#c-type", "deal_proposal")
    page.fill("#c-message", "Propuesta por el lote recomendado")
    shot(page, artifacts, "14-matching-search")
    page.locator("[data-testid=contact-form] button[type=submit]").click()
    link = page.locator("[data-testid=flash-link]")
    expect(link).to_be_visible()
    shot(page, artifacts, "14-matching-proposal")
    code = re.search(r"D-[0-9-]+[0-9]", page.locator(".alert-success").inner_text())
    assert code
    link.click()
    expect(page.locator("main")).to_contain_text(code.group(0))
    assert problems == []


def test_the_page_speaks_spanish_by_default(client_for) -> None:
    page = client_for("operator").get("/matching")
    assert page.status_code == 200
    for text in ("Emparejamiento", "Buscar productores", "Lotes recomendados", "Propuesta de negociación"):
        assert text in page.text


def test_results_are_paged_by_the_api_and_the_pager_keeps_the_filters(client_for, stack: Stack) -> None:
    place = _place()
    made = [_lot(stack, place, 100 + n, [])["id"] for n in range(21)]
    client = client_for("buyer", "en")
    query = {"search": "lots", "location": place, "sort_by": "weight_kg", "sort_order": "asc"}
    first = client.get("/matching", params=query).text
    assert _lot_rows(first, "lot-results") == made[:20]
    assert "21 items" in first
    next_link = re.search(r'<a class="page-link" href="\?([^"]*page=2[^"]*)">Next</a>', first)
    assert next_link
    second = client.get(f"/matching?{next_link.group(1).replace('&amp;', '&')}").text
    assert _lot_rows(second, "lot-results") == made[20:]
