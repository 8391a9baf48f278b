"""§1.1/§1.3/§1.4 global conventions: unknown routes, wrong methods, trailing slashes, bodies that are not JSON
objects, unparsable numeric query parameters and the generic 500 body."""

from __future__ import annotations

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from triboka_api.app import create_app

from tests.api.helpers import assert_error, assert_ok

BODY_ROUTES = [  # every core route that reads a JSON body; `{...}` are ids of existing rows
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/change-context"),
    ("POST", "/api/users"),
    ("PUT", "/api/users/{user}"),
    ("POST", "/api/lots"),
    ("POST", "/api/lots/{lot}/purchase"),
    ("POST", "/api/batches"),
    ("POST", "/api/contracts"),
    ("PUT", "/api/contracts/{contract}/status"),
    ("POST", "/api/contracts/{contract}/fixations"),
    ("POST", "/api/fixations/contract/{contract}"),
    ("POST", "/api/dispatches"),
    ("PUT", "/api/dispatches/{dispatch}"),
    ("POST", "/api/trace/event"),
    ("PUT", "/api/trace/event/{event}"),
    ("POST", "/api/market/prices"),
]

NOT_JSON_OBJECTS = {
    "no body": None,
    "malformed": b'{"email": ',
    "array": b"[1, 2]",
    "string": b'"text"',
    "number": b"42",
    "null": b"null",
}


@pytest_asyncio.fixture(scope="module")
async def rows(client, world, admin):
    chain = await world.chain()
    lot = (await world.lot(chain.producer))["lot_id"]
    dispatch = await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"])
    event = assert_ok(
        await client.post(
            "/api/trace/event",
            json={"event_type": "harvest", "entity_type": "lot", "entity_id": lot, "title": "Harvest"},
            headers=admin.headers,
        ),
        201,
    )["event"]
    return {
        "user": chain.buyer.id,
        "lot": lot,
        "contract": chain.contract["id"],
        "dispatch": dispatch["id"],
        "event": event["id"],
    }


@pytest.mark.parametrize(("method", "template"), BODY_ROUTES, ids=[f"{m} {p}" for m, p in BODY_ROUTES])
async def test_body_must_be_a_json_object(client, admin, rows, method, template) -> None:
    path = template.format(**rows)
    for label, content in NOT_JSON_OBJECTS.items():
        headers = admin.headers | ({"Content-Type": "application/json"} if content is not None else {})
        response = await client.request(method, path, content=content, headers=headers)
        assert response.status_code == 400, f"{label}: {response.status_code} {response.text}"
        assert response.json() == {"error": "JSON body required"}, label


@pytest.mark.parametrize(
    "path", ["/api/nope", "/nope", "/api/lots/1/nothing", "/api", "/"], ids=lambda p: p or "root"
)
async def test_unknown_route_is_404_json(client, admin, path) -> None:
    for method in ("GET", "POST"):
        response = await client.request(method, path, headers=admin.headers)
        assert response.status_code == 404, response.text
        assert response.json() == {"error": "Not found"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/health"),
        ("POST", "/health"),
        ("PUT", "/api/lots"),
        ("DELETE", "/api/contracts"),
        ("PATCH", "/api/users/1"),
        ("GET", "/api/auth/login"),
        ("POST", "/api/market/cacao-prices"),
        ("DELETE", "/api/batches/1"),
    ],
)
async def test_wrong_method_is_405_json(client, admin, method, path) -> None:
    response = await client.request(method, path, headers=admin.headers)
    assert response.status_code == 405, response.text
    assert response.json() == {"error": "Method not allowed"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/contracts/",
        "/api/lots/",
        "/api/health/",
        "/health/",
        "/api/companies/",
        "/api/batches/",
        "/api/dispatches/",
        "/api/fixations/",
        "/api/market/cacao-prices/",
    ],
)
async def test_trailing_slash_is_404_without_redirect(client, admin, path) -> None:
    response = await client.get(path, headers=admin.headers, follow_redirects=False)
    assert response.status_code == 404, f"{response.status_code} {response.headers.get('location')}"
    assert response.json() == {"error": "Not found"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/lots?producer_id=abc",
        "/api/lots?min_weight=heavy",
        "/api/lots?max_weight=1kg",
        "/api/contracts?buyer_id=x",
        "/api/contracts?exporter_id=1.5",
        "/api/fixations?contract_id=one",
        "/api/fixations?page=first",
        "/api/fixations?per_page=all",
        "/api/fixations?start_date=yesterday",
        "/api/fixations?end_date=2025-13-45",
        "/api/dispatches?contract_id=c",
        "/api/dispatches?batch_id=b",
        "/api/dispatches?page=1.5",
        "/api/dispatches?per_page=x",
        "/api/dispatches?shipping_from=soon",
        "/api/dispatches?shipping_to=later",
        "/api/trace/events?actor_id=me",
        "/api/trace/events?limit=many",
        "/api/trace/events?offset=x",
    ],
)
async def test_unparsable_query_parameters_are_400(client, admin, path) -> None:
    name = path.split("?")[1].split("=")[0]
    assert_error(await client.get(path, headers=admin.headers), 400, name)


async def test_unhandled_exception_is_a_generic_500(app: FastAPI) -> None:
    """Δ §1.3: the body never carries the exception text."""
    broken = create_app(app.state.settings)

    @broken.get("/api/boom")
    async def boom() -> None:
        raise RuntimeError("SELECT secret FROM internals")

    transport = httpx.ASGITransport(app=broken, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        response = await client.get("/api/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "Internal server error"}
    assert "secret" not in response.text


async def test_responses_are_json(client, admin) -> None:
    for path in ("/api/health", "/api/lots", "/api/nope"):
        response = await client.get(path, headers=admin.headers)
        assert response.headers["content-type"].startswith("application/json"), path
