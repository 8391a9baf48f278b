"""Issue 17: the OpenAPI document describes every request body and response, is committed as docs/openapi.json
(current with the routes), and the interactive docs are served only when TRIBOKA_API_DOCS is on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from triboka_api.api.openapi import render
from triboka_api.app import create_app
from triboka_api.settings import Settings

from tests.api.helpers import api_routes

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
DOC_PATHS = ("/api/docs", "/api/docs/assets/swagger-ui-bundle.js", "/api/redoc", "/api/openapi.json")
BODY_METHODS = {"post", "put", "patch"}
# the contract's answers of one operation with two success statuses (S-53: inquiry 200, deal_proposal 201)
TWO_SUCCESSES = {("/api/match/contact/{producer_company_id}", "post"): ["200", "201"]}


@pytest_asyncio.fixture(scope="module")
async def document_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"api_docs": True}))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
def document(document_app: FastAPI) -> dict[str, Any]:
    return document_app.openapi()


def test_committed_document_is_current(document_app: FastAPI) -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(document_app), (
        "docs/openapi.json is out of date with the API's routes: run `make openapi` and commit docs/openapi.json"
    )


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_route_is_documented(document_app: FastAPI, document: dict[str, Any]) -> None:
    documented = {(path, method) for path, method, _ in _operations(document)}
    for context in api_routes(document_app):
        if not context.original_route.include_in_schema:  # the Swagger UI page itself
            continue
        for method in context.methods or ():
            assert (context.path_format, method.lower()) in documented


def _schema(described: dict[str, Any], media_types: tuple[str, ...]) -> Any:
    """The schema of a request body or answer under the first of `media_types` it is described as."""
    content = described.get("content", {})
    return next((content[m].get("schema") for m in media_types if m in content), None)


def test_every_body_taking_operation_documents_its_body(document: dict[str, Any]) -> None:
    bodyless = {
        ("/api/auth/logout", "post"),
        ("/api/analytics/cache/clear", "post"),
        ("/api/performance/cache/clear", "post"),
        ("/api/performance/optimize/queries", "post"),
        ("/api/auth/impersonate/{target_user_id}", "post"),  # S-01: the target is in the path
        ("/api/auth/stop-impersonation", "post"),  # S-02: the token says whose session ends
        ("/api/did/create", "post"),  # S-43: the token says whose DID
        ("/api/erp/test-connection/{connection_id}", "post"),  # S-67: the connection is in the path
    }
    for path, method, operation in _operations(document):
        if method in BODY_METHODS and (path, method) not in bodyless:
            schema = _schema(operation.get("requestBody", {}), ("application/json", "multipart/form-data"))
            assert schema, f"{method.upper()} {path} has no documented request body"


def test_every_operation_documents_a_typed_success(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        expected = TWO_SUCCESSES.get((path, method))
        assert len(successes) == 1 or sorted(successes) == expected, (
            f"{method.upper()} {path}: {sorted(successes)}"
        )
        for answer in successes.values():
            # JSON, or a file (the deal trace's PDF, a deal file's download) described as binary
            schema = _schema(answer, ("application/json", "application/pdf", "application/octet-stream"))
            untyped = (None, {}, {"type": "object", "additionalProperties": True})
            assert schema not in untyped, f"{method.upper()} {path} answers an untyped {schema}"


def test_errors_are_the_error_body_and_never_fastapis_422_list(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        for code, answer in operation["responses"].items():
            if code.startswith(("4", "5")) and not path.endswith("health"):
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)
        assert "HTTPValidationError" not in str(operation)
    assert document["paths"]["/api/lots"]["get"]["security"] == [{"bearer": []}]
    assert {"401", "429", "503"} <= set(document["paths"]["/api/lots"]["get"]["responses"])
    assert "401" not in document["paths"]["/api/public/lots/available"]["get"]["responses"]


def test_api_key_routes_declare_the_company_key_scheme(document: dict[str, Any]) -> None:
    """S-55..S-57 take a company API key, not a user's JWT; the admin's key management takes the JWT."""
    scheme = document["components"]["securitySchemes"]["companyApiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for path, method in (
        ("/api/lotes/nft/{nft_hash}", "get"),
        ("/api/lotes/{lote_id}/eventos", "post"),
        ("/api/batch-nft", "post"),
    ):
        operation = document["paths"][path][method]
        assert operation["security"] == [{"companyApiKey": []}]
        assert "401" in operation["responses"]
        assert "422" not in operation["responses"]  # no JWT is read, so no malformed-token answer
    assert document["paths"]["/api/companies/{company_id}/api-keys"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in document["paths"]["/api/agroweight/lots/id/{code}"]["get"]  # S-54 is public


@pytest.mark.parametrize("path", DOC_PATHS)
async def test_docs_are_off_by_default(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


@pytest.mark.parametrize("path", DOC_PATHS)
async def test_docs_are_served_when_enabled(document_app: FastAPI, path: str) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=document_app), base_url="http://api.test"
    ) as docs_client:
        response = await docs_client.get(path)
    assert response.status_code == 200
    if path.endswith(".json"):
        assert response.json()["info"]["title"] == "Triboka API"
    elif path.endswith(".js"):
        assert "SwaggerUIBundle" in response.text
    else:
        assert "/api/openapi.json" in response.text
    if path == "/api/docs":  # Swagger UI from the API's own files, not a CDN
        assert "/api/docs/assets/swagger-ui-bundle.js" in response.text
        assert "cdn." not in response.text
