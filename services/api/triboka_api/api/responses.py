"""JSON responses serialized by orjson, for the list endpoints that are the API's hot paths.

FastAPI validates a returned value against the route's response model and then serializes it; for a list our
serializers have already shaped (hundreds of dicts), that second walk costs as much as building the list. A route
returns `json_list(items)` (or `json_array(rows, shape)`) and declares its schema with `api.openapi.documented`
(in `responses=`, not validated).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import TypeVar

import orjson
from fastapi.responses import Response, StreamingResponse

Row = TypeVar("Row")
# items shaped and encoded at a time by `json_array`: a list longer than this is sent in pieces of it
STREAM_CHUNK_ITEMS = 500


def json_list(items: Sequence[Mapping[str, object]]) -> Response:
    return Response(orjson.dumps(items), media_type="application/json")


def json_array(rows: Sequence[Row], shape: Callable[[Row], Mapping[str, object]]) -> Response:
    """`rows` shaped into a JSON array. Up to STREAM_CHUNK_ITEMS rows as one body (with a Content-Length); a
    longer list (the contract's unpaginated lists: an exporter's status filter is thousands of lots, megabytes of
    JSON) is shaped and encoded STREAM_CHUNK_ITEMS rows at a time and streamed (chunked), so neither all its dicts
    nor the whole string exist at once (issue 16, goal 5). The bytes are those `json_list` would send."""
    if len(rows) <= STREAM_CHUNK_ITEMS:
        return json_list([shape(row) for row in rows])

    async def pieces() -> AsyncIterator[bytes]:
        # an async generator: Starlette would run a plain iterator's steps in its thread pool
        for start in range(0, len(rows), STREAM_CHUNK_ITEMS):
            encoded = orjson.dumps([shape(row) for row in rows[start : start + STREAM_CHUNK_ITEMS]])
            yield (b"[" if start == 0 else b",") + encoded[1:-1]
        yield b"]"

    return StreamingResponse(pieces(), media_type="application/json")
