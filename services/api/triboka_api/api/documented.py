"""OpenAPI documentation of request bodies that handlers parse by hand (`read_json` + `parse_body`), so that the
contract's order of checks (roles and existence before the body) is kept while `/api/docs` still shows the body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route whose JSON body has `model`'s shape."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
