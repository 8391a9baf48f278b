"""Issue 17 evidence: the API's Swagger UI (TRIBOKA_API_DOCS=true) in headless Chromium, an operation expanded
with its request body schema and its typed responses. The screenshots are committed in tests/artifacts/api-docs/;
a run takes them into tests/artifacts/web/api-docs/ (ignored), and into the committed folder only with
TRIBOKA_RETAKE_API_DOCS_SHOTS=1, so that running the tests leaves the tree as it was."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import ARTIFACTS
from tests.web.servers import Process, launch_api

pytestmark = pytest.mark.browser

SHOTS = (
    Path(__file__).resolve().parents[1] / "artifacts" / "api-docs"
    if os.environ.get("TRIBOKA_RETAKE_API_DOCS_SHOTS") == "1"
    else ARTIFACTS / "api-docs"
)


@pytest.fixture(scope="module")
def docs_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    api = launch_api(
        tmp_path_factory.mktemp("api-docs"), "docs@triboka.test", "docs-pass-1", TRIBOKA_API_DOCS="true"
    )
    try:
        yield api.wait_until_healthy()
    finally:
        api.stop()


def _expand(page: Page, operation_id: str) -> None:
    operation = page.locator(f"#operations-{operation_id}")
    operation.locator(".opblock-summary").first.click()
    expect(operation.locator(".responses-wrapper")).to_be_visible()


def test_swagger_ui_shows_request_and_response_schemas(page: Page, docs_api: Process) -> None:
    capture(page, docs_api.url)


def capture(page: Page, api_url: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"{api_url}/api/docs")
    # Swagger UI renders once it has fetched and parsed the whole document (slow on a busy machine)
    expect(page.locator(".information-container .title")).to_contain_text("Triboka API", timeout=60_000)
    page.screenshot(path=SHOTS / "01-overview.png")

    operation = page.locator("#operations-lots-create_lot_api_lots_post")
    _expand(page, "lots-create_lot_api_lots_post")
    body = operation.locator(".opblock-section-request-body")
    body.get_by_text("Schema", exact=True).first.click()  # the model instead of the example value
    expect(body).to_contain_text("CreateLotBody")
    expect(body).to_contain_text("producer_company_id")
    operation.screenshot(path=SHOTS / "02-create-lot-request-schema.png")
    responses = operation.locator(".responses-wrapper")
    for code in ("201", "400", "401", "403", "404", "413", "429", "503"):
        expect(responses.locator(f"tr.response[data-code='{code}']")).to_have_count(1)
    responses.locator("tr.response[data-code='201']").get_by_text("Schema", exact=True).first.click()
    expect(responses).to_contain_text("LotCreated")
    responses.screenshot(path=SHOTS / "03-create-lot-responses.png")

    listing = page.locator("#operations-lots-list_lots_api_lots_get")
    _expand(page, "lots-list_lots_api_lots_get")
    ok = listing.locator("tr.response[data-code='200']")
    ok.get_by_text("Schema", exact=True).first.click()
    ok.get_by_role("button", name="Expand all").first.click()  # the array's item model, field by field
    expect(ok).to_contain_text("lot_code")
    expect(ok).to_contain_text("producer_company_id")
    listing.screenshot(path=SHOTS / "04-list-lots-response-schema.png")
