"""The OpenAPI document: request bodies read by hand, typed responses and the errors every route can answer.

Handlers that check their body in the contract's order (`api/validation.py`) read it themselves, so FastAPI
sees no body parameter: `json_body(Model)` documents the model they parse. Responses are declared with
`documented(Model, *statuses)` in `responses=` rather than as `response_model`: the handlers keep returning the
dicts the serializers shape (and the list routes their orjson bytes), nothing is validated or filtered twice on
the way out, and the schema is held to what they really send by schemathesis (tests/api/test_schemathesis.py).
The errors that come from the app rather than the handler (token, rate limit, body size, database outage,
parameter bounds) are added to every operation they can reach by `build_openapi`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from triboka_api.api.api_key_auth import key_company
from triboka_api.api.deps import authenticated_principal, current_principal, require_roles
from triboka_api.observability import PROBE_PATHS

COMPONENTS = "#/components/schemas/"
API_KEY_SCHEME = "companyApiKey"


class ErrorBody(BaseModel):
    """Every refusal (§1.3); token errors also carry the same text as `msg`."""

    error: str


_ERROR_MEANING = {
    400: "Invalid request: a missing or invalid field or parameter, or a rule of the contract",
    401: "Missing, expired or revoked token",
    403: "The caller's role or company may not do this",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Request body too large",
    422: "Malformed token",
    429: "Too many requests (Retry-After says when to try again)",
    502: "An external system the API called (an ERP) refused the request or failed",
    503: "The database is unavailable or busy (Retry-After: 1)",
    504: "An external system the API called (an ERP) did not answer in time",
}

# request models read by hand, by name: `build_openapi` adds their schemas to the components
_REQUEST_MODELS: dict[str, type[BaseModel]] = {}
_VALIDATION: Literal["validation"] = "validation"  # request bodies are documented as what they accept


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` of a route that parses `model` by hand (see `api/validation.py`)."""
    _REQUEST_MODELS[model.__name__] = model
    schema = {"$ref": f"{COMPONENTS}{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def multipart_body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` of an upload route that reads its multipart form by hand."""
    schema = {"type": "object", "required": required, "properties": properties}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


def _error(status: int) -> dict[str, Any]:
    return {"model": ErrorBody, "description": _ERROR_MEANING[status]}


def documented(
    model: Any, *errors: int, status: int = 200, others: dict[int, Any] | None = None
) -> dict[str, Any]:
    """Route keyword arguments: `model` (a pydantic model or a type such as `list[Model]`) as the schema of the
    `status` answer, the handler's own refusals as `{"error": ...}` bodies and `others` (status: model) for the
    rare answer of another shape. No `response_model`: see above."""
    responses: dict[int | str, dict[str, Any]] = {status: {"model": model}}
    responses |= {code: _error(code) for code in errors}
    responses |= {code: {"model": other} for code, other in (others or {}).items()}
    return {"status_code": status, "response_model": None, "responses": responses}


def binary(media_type: str, description: str, *errors: int, status: int = 200) -> dict[str, Any]:
    """Route keyword arguments of an answer that is a file of `media_type` (a PDF, a download), not JSON."""
    schema = {"type": "string", "format": "binary"}
    responses: dict[int | str, dict[str, Any]] = {
        status: {"description": description, "content": {media_type: {"schema": schema}}}
    }
    return {"status_code": status, "responses": responses | {code: _error(code) for code in errors}}


def _depends_on(dependant: Dependant, call: Any) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def _needs_principal(dependant: Dependant) -> bool:
    """A token is read: `current_principal` (itself or through a role guard), or `authenticated_principal` alone
    where an impersonation token may also write (S-02)."""
    return (
        _depends_on(dependant, current_principal)
        or _depends_on(dependant, authenticated_principal)
        or _guarded_by_role(dependant)
    )


def _needs_api_key(dependant: Dependant) -> bool:
    """The AgroWeight routes (§5.9) authenticate a company API key instead of a user's JWT."""
    return _depends_on(dependant, key_company)


def _guarded_by_role(dependant: Dependant) -> bool:
    """A `require_roles` guard answers 403 to the other roles."""
    return any(
        getattr(d.call, "__qualname__", "").startswith(require_roles.__qualname__) or _guarded_by_role(d)
        for d in dependant.dependencies
    )


def _add_errors(operation: dict[str, Any], statuses: list[int]) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's validation answer: the API gives 400 {"error": ...} instead (§1.4)
    for status in statuses:
        responses.setdefault(
            str(status),
            {
                "description": _ERROR_MEANING[status],
                "content": {"application/json": {"schema": {"$ref": f"{COMPONENTS}ErrorBody"}}},
            },
        )


def _app_errors(route: RouteContext, api_route: APIRoute, operation: dict[str, Any]) -> list[int]:
    """The statuses the app's layers answer before or around the handler."""
    statuses = [] if route.path_format in PROBE_PATHS else [429, 503]  # probes: no rate limit, no pool wait
    parameters = operation.get("parameters", [])
    if any(p["in"] == "query" for p in parameters) or "requestBody" in operation:
        statuses.append(400)  # bounds of query parameters (api/parameters.py) and of body values
    if any(p["in"] == "path" for p in parameters):
        statuses.append(404)  # an id beyond its column's range names no row
    if "requestBody" in operation:
        statuses.append(413)
    if _needs_principal(api_route.dependant):
        statuses += [401, 422]
        if (route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"} or _guarded_by_role(
            api_route.dependant
        ):
            statuses.append(403)  # an impersonation token is read-only; a role guard refuses the others
    if _needs_api_key(api_route.dependant):
        statuses.append(401)  # `{"error", "message"}`: no key, an unknown or a revoked one
    return statuses


def _documented_models() -> list[type[BaseModel]]:
    """The error body and every request body read by hand: their schemas go into the document's components."""
    return [ErrorBody, *_REQUEST_MODELS.values()]


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document (built once, as FastAPI does)."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes, openapi_version="3.1.0"
    )
    _, schemas = models_json_schema(
        [(model, _VALIDATION) for model in _documented_models()],
        ref_template=COMPONENTS + "{model}",
    )
    components = document.setdefault("components", {})
    components.setdefault("schemas", {}).update(schemas.get("$defs", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(name, None)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        # the key travels as a bearer token too (§1.2), so the scheme is http/bearer rather than an apiKey header
        API_KEY_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "tbk_ company API key",
            "description": "A company API key (`tbk_...`) issued by an admin at /api/companies/{id}/api-keys",
        },
    }
    for route in iter_route_contexts(app.routes):
        api_route = route.original_route
        if not isinstance(api_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"][route.path_format].get(method.lower())
            if operation is None:
                continue
            _add_errors(operation, _app_errors(route, api_route, operation))
            if _needs_principal(api_route.dependant):
                operation["security"] = [{"bearer": []}]
            elif _needs_api_key(api_route.dependant):
                operation["security"] = [{API_KEY_SCHEME: []}]
    app.openapi_schema = document
    return document


DOCS_URL = "/api/docs"
DOCS_ASSETS = f"{DOCS_URL}/assets"


def install_docs(app: FastAPI) -> None:
    """Swagger UI on /api/docs from the files of the pinned `swagger-ui-py` wheel (Swagger UI 5, which reads
    OpenAPI 3.1), not from a CDN: the page works offline and loads no third-party script."""
    import swagger_ui  # only with TRIBOKA_API_DOCS: production without docs never loads it

    app.mount(
        DOCS_ASSETS, StaticFiles(directory=Path(swagger_ui.__file__).parent / "static"), name="docs-assets"
    )

    async def swagger_page() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )

    app.add_api_route(DOCS_URL, swagger_page, include_in_schema=False)


def render(app: FastAPI) -> str:
    """The document as committed in docs/openapi.json (`make openapi`)."""
    return json.dumps(build_openapi(app), indent=2, ensure_ascii=False) + "\n"
