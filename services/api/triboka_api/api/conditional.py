"""ETag and `If-None-Match` → 304 for the public read endpoints (contract §10.12): a client or cache that holds the
current answer gets 304 with no body instead of the body again.

The validator is weak (`W/"…"`), a hash of the JSON body: the same data gives the same tag on every worker and
replica without shared state, and a weak tag stays valid whether the body travels gzip-compressed or not.
`Cache-Control: no-cache`: a cache may keep the answer but asks again each time, so nobody sees stale data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from starlette.requests import Request

CACHE_CONTROL = "no-cache"
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: the `If-None-Match` header names the current `ETag`; no body"}
}


def with_not_modified(route: dict[str, Any]) -> dict[str, Any]:
    """`documented(...)`'s route keyword arguments, the 304 answer added to the OpenAPI responses."""
    return {**route, "responses": {**route["responses"], **NOT_MODIFIED}}


def _etag(body: bytes) -> str:
    return f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: `*`, or any listed tag equal to ours under weak comparison (the `W/` prefix ignored)."""
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in (tag.removeprefix("W/") for tag in tags)


def conditional_json(request: Request, payload: object, volatile: Iterable[str] = ()) -> Response:
    """`payload` as JSON (exactly as FastAPI would send it) with its ETag, or 304 when the request's
    `If-None-Match` names that tag. `volatile`: top-level keys left out of the tag because they change on every
    call without the data changing (the market summary's `timestamp`, the moment it was computed)."""
    content = jsonable_encoder(payload)
    response = JSONResponse(content)
    skipped = set(volatile)
    tagged = {k: v for k, v in content.items() if k not in skipped} if isinstance(content, dict) else content
    etag = _etag(response.render(tagged))
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response
