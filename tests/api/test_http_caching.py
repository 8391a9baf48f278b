"""§10.12: gzip for JSON above a threshold (never for what is already compressed, streams stay streamed), and
ETag / `If-None-Match` → 304 on the public reads (C-17, C-18 and S-54, C-44, C-51)."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send
from triboka_api.api.compression import MINIMUM_SIZE, add_compression

from tests.api.helpers import assert_error, assert_ok

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 16


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",")}


# compression -------------------------------------------------------------------------------------------------


async def test_a_large_json_answer_is_gzipped_and_the_same_data(client, world) -> None:
    producer = await world.user("producer")
    for _ in range(4):
        await world.lot(producer)
    plain = await client.get("/api/lots", headers=producer.headers | IDENTITY)
    assert len(plain.content) > MINIMUM_SIZE
    assert "content-encoding" not in plain.headers
    assert "accept-encoding" in _vary(plain)  # a cache keeps the two representations apart

    packed = await client.get("/api/lots", headers=producer.headers | GZIP)
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in _vary(packed)
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
    assert json.loads(packed.content) == json.loads(plain.content)


async def test_a_small_answer_is_sent_as_it_is(client) -> None:
    response = await client.get("/api/health", headers=GZIP)
    assert len(response.content) < MINIMUM_SIZE
    assert "content-encoding" not in response.headers


async def test_head_announces_the_length_of_the_gzip_a_get_sends(client, world) -> None:
    producer = await world.user("producer")
    for _ in range(4):
        await world.lot(producer)
    get = await client.get("/api/lots", headers=producer.headers | GZIP)
    head = await client.head("/api/lots", headers=producer.headers | GZIP)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-encoding"] == "gzip"
    assert head.headers["content-length"] == get.headers["content-length"]


def _app_with(route: str, answer) -> FastAPI:
    """The API's compression in front of one route (a deal file, a streamed list)."""
    app = FastAPI()
    app.add_api_route(route, answer)
    add_compression(app)
    return app


async def _call(app: FastAPI, path: str, sent: list[Message] | None = None) -> list[Message]:
    """The ASGI messages the app sends to a gzip-accepting client, in order (into `sent` as they go)."""
    sent = [] if sent is None else sent

    async def recording(scope: Scope, receive: Receive, send: Send) -> None:
        async def keep(message: Message) -> None:
            sent.append(message)
            await send(message)

        await app(scope, receive, keep)

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=recording), base_url="http://api.test"
    ) as c:
        assert (await c.get(path, headers=GZIP)).status_code == 200
    return sent


async def test_an_already_compressed_file_is_not_compressed_again() -> None:
    app = _app_with("/file.pdf", lambda: Response(PDF, media_type="application/pdf"))
    start, body = await _call(app, "/file.pdf")
    headers = dict(start["headers"])
    assert b"content-encoding" not in headers
    assert body["body"] == PDF


async def test_a_streamed_list_stays_streamed() -> None:
    """Each chunk leaves compressed before the next one is produced: the whole list is never held at once."""
    sent: list[Message] = []
    seen_before_each_chunk: list[int] = []

    async def lots() -> AsyncIterator[bytes]:
        yield b"["
        for i in range(3):
            seen_before_each_chunk.append(sum(m["type"] == "http.response.body" for m in sent))
            yield (("," if i else "") + json.dumps({"id": i, "farm_name": "x" * 2000})).encode()
        yield b"]"

    app = _app_with("/lots", lambda: StreamingResponse(lots(), media_type="application/json"))
    messages = await _call(app, "/lots", sent)
    start, *bodies = messages
    assert dict(start["headers"])[b"content-encoding"] == b"gzip"
    # the second and third items were produced after the earlier ones had been sent on
    assert seen_before_each_chunk == [1, 2, 3]
    assert all(m.get("more_body") for m in bodies[:-1])
    decoded = json.loads(gzip.decompress(b"".join(m["body"] for m in bodies)))
    assert [item["id"] for item in decoded] == [0, 1, 2]


# ETag / 304 --------------------------------------------------------------------------------------------------


async def _revalidate(client, path: str) -> str:
    """The path answers with a weak ETag and no-cache; that tag → 304 without a body; another tag → 200."""
    first = await client.get(path)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert first.headers["cache-control"] == "no-cache"
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    listed = await client.get(path, headers={"If-None-Match": f'W/"other", {etag.removeprefix("W/")}'})
    assert listed.status_code == 304  # a list of tags, strong spelling compared weakly
    assert (await client.get(path, headers={"If-None-Match": "*"})).status_code == 304
    head = await client.head(path, headers={"If-None-Match": etag})
    assert (head.status_code, head.content) == (304, b"")
    stale = await client.get(path, headers={"If-None-Match": 'W/"not-the-current-tag"'})
    assert stale.status_code == 200
    assert stale.headers["etag"] == etag
    return etag


async def test_public_lots_revalidate_until_a_lot_is_added(client, world) -> None:
    producer = await world.user("producer")
    await world.lot(producer)
    before = await _revalidate(client, "/api/public/lots/available")
    await world.lot(producer)
    changed = await client.get("/api/public/lots/available", headers={"If-None-Match": before})
    assert changed.status_code == 200
    assert changed.headers["etag"] != before


@pytest.mark.parametrize("prefix", ["/api/lots/id", "/api/agroweight/lots/id"])
async def test_lot_by_code_revalidates_until_the_lot_changes(client, world, prefix) -> None:
    producer = await world.user("producer")
    lot = await world.lot(producer)
    code = assert_ok(await client.get(f"/api/lots/{lot['lot_id']}", headers=producer.headers))["lot_code"]
    path = f"{prefix}/{code}"
    before = await _revalidate(client, path)
    assert_ok(
        await client.put(f"/api/lots/{lot['lot_id']}", json={"farm_name": "Otra"}, headers=producer.headers)
    )
    changed = await client.get(path, headers={"If-None-Match": before})
    assert (changed.status_code, changed.json()["finca"]) == (200, "Otra")
    missing = await client.get(f"{prefix}/NO-SUCH-LOT", headers={"If-None-Match": "*"})
    assert_error(missing, 404)
    assert "etag" not in missing.headers


async def test_market_prices_keep_their_tag_while_only_the_timestamp_moves(client, world, admin) -> None:
    before = await _revalidate(client, "/api/market/cacao-prices")
    assert (await client.get("/api/market/cacao-prices")).headers["etag"] == before
    body = {"price_date": "2026-01-05", "close_usd_per_mt": 4321.5, "source": "ICE settlement"}
    assert_ok(await client.post("/api/market/prices", json=body, headers=admin.headers), 201)
    changed = await client.get("/api/market/cacao-prices", headers={"If-None-Match": before})
    assert changed.status_code == 200
    assert changed.headers["etag"] != before


async def test_public_verification_revalidates_until_an_event_is_recorded(client, world) -> None:
    chain = await world.chain()
    lot = str(chain.lot_ids[0])
    event = {"event_type": "harvest", "entity_type": "lot", "entity_id": lot, "title": "Cosecha"}
    assert_ok(await client.post("/api/trace/event", json=event, headers=chain.producer.headers), 201)
    path = f"/api/public/trace/verify/lot/{lot}"
    before = await _revalidate(client, path)
    assert_ok(await client.post("/api/trace/event", json=event, headers=chain.exporter.headers), 201)
    changed = await client.get(path, headers={"If-None-Match": before})
    assert (changed.status_code, changed.json()["total_events"]) == (200, 2)
    refused = await client.get("/api/public/trace/verify/farm/1", headers={"If-None-Match": "*"})
    assert_error(refused, 400)
