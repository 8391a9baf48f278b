"""Issue 11: the body limit middleware on its own (declared length, chunked bodies, exactly at the limit) and in
the app (`TRIBOKA_MAX_BODY_BYTES`)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send
from triboka_api.api.body_limit import BodyLimitMiddleware

LIMIT = 1024


class Recorder:
    """An ASGI app that reads the whole body (as a handler would) and answers with its length."""

    def __init__(self) -> None:
        self.calls = 0
        self.received = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        body = await Request(scope, receive).body()
        self.received = len(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read"})


async def _call(
    chunks: list[bytes], headers: list[tuple[bytes, bytes]]
) -> tuple[list[Message], Recorder, int]:
    app = Recorder()
    pending = list(chunks)
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/api/lots", "headers": headers}
    await BodyLimitMiddleware(app, max_body_bytes=LIMIT)(scope, receive, send)
    return sent, app, pulled


def _status(sent: list[Message]) -> int:
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def _error(sent: list[Message]) -> dict:
    return orjson.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


async def test_declared_length_over_the_limit_is_refused_before_the_app_runs() -> None:
    sent, app, pulled = await _call([b"x" * 10], [(b"content-length", str(LIMIT + 1).encode())])
    assert _status(sent) == 413
    assert set(_error(sent)) == {"error"}
    assert (app.calls, pulled) == (0, 0)


async def test_chunked_body_is_refused_as_soon_as_it_passes_the_limit() -> None:
    chunks = [b"x" * 400] * 10  # 4000 bytes, no Content-Length (chunked)
    sent, app, pulled = await _call(chunks, [])
    assert _status(sent) == 413
    assert "error" in _error(sent)
    assert app.calls == 1
    assert pulled == 3  # 1200 bytes > 1024: the rest is never read


async def test_understated_length_does_not_get_more_through() -> None:
    sent, _, pulled = await _call([b"x" * 600] * 3, [(b"content-length", b"10")])
    assert _status(sent) == 413
    assert pulled == 2


@pytest.mark.parametrize("chunks", [[b"x" * LIMIT], [b"x" * 512, b"x" * 512]], ids=["whole", "chunked"])
async def test_exactly_at_the_limit_passes(chunks: list[bytes]) -> None:
    sent, app, _ = await _call(chunks, [(b"content-length", str(LIMIT).encode())] if len(chunks) == 1 else [])
    assert _status(sent) == 200
    assert app.received == LIMIT


async def test_unparsable_content_length_is_400() -> None:
    sent, app, _ = await _call([b"{}"], [(b"content-length", b"12abc")])
    assert _status(sent) == 400
    assert app.calls == 0


async def test_api_refuses_a_body_over_the_configured_limit(app, client, admin) -> None:
    limit = app.state.settings.max_body_bytes
    over = b'{"farm_name": "' + b"x" * limit + b'"}'
    response = await client.post("/api/lots", content=over, headers=admin.headers)
    assert response.status_code == 413, response.text
    assert set(response.json()) == {"error"}
    at_limit = b"{}" + b" " * (limit - 2)  # exactly the limit: read, then refused for its content
    response = await client.post("/api/lots", content=at_limit, headers=admin.headers)
    assert response.status_code == 400, response.text
    assert "producer_company_id" in response.json()["error"]
