"""A JSON response serialized by orjson, for the list endpoints that are the API's hot paths.

FastAPI validates a returned value against the route's response model and then serializes it; for a list our
serializers have already shaped (hundreds of dicts), that second walk costs as much as building the list. A route
returns `json_list(items)` and declares its schema with `api.openapi.documented` (in `responses=`, not validated).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


def json_list(items: list[dict[str, Any]]) -> Response:
    return Response(orjson.dumps(items), media_type="application/json")
