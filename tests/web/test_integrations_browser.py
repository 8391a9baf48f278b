"""ERP connections and company API keys in headless Chromium (issue 14): an admin connects the fake ERP on loopback
(tests/api/fake_erp.py, a real HTTP server), tests it and sends a contract that the ERP receives; an admin issues a
key that is shown once, rotates and revokes it. Screenshots in tests/artifacts/web/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.fake_erp import FakeErp
from tests.web.conftest import admin_contract
from tests.web.flows import open_from_more, shot, sign_in, watch

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser, stack) -> Iterator[Page]:
    """A Spanish-speaking browser (the dashboard's default language), as the deal room tests use."""
    context = browser.new_context(
        base_url=stack.web.url, locale="es-EC", viewport={"width": 1280, "height": 900}
    )
    yield context.new_page()
    context.close()


def test_an_admin_connects_an_erp_tests_it_and_sends_a_contract(
    page: Page, stack, fake_erp: FakeErp, artifacts: Path
) -> None:
    code = admin_contract(stack)["contract_code"]
    problems = watch(page)
    sign_in(page, stack.accounts["admin"])
    open_from_more(page, "/erp")
    form = page.locator("[data-testid=erp-form]")
    form.locator("#f-system_type").select_option("custom")
    form.locator("#f-name").fill("ERP de la planta")
    form.locator("#f-base_url").fill(fake_erp.url)
    form.locator("#f-api_key").fill("clave-secreta-del-erp")
    form.locator("button[type=submit]").click()
    row = page.locator("[data-testid=erp-connections] tr", has_text="ERP de la planta")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Conectado")
    assert "clave-secreta-del-erp" not in page.content()
    assert fake_erp.received[-1].headers["authorization"] == "Bearer clave-secreta-del-erp"
    row.locator("button[data-testid^=test-]").click()
    expect(page.locator("main")).to_contain_text("El ERP responde.")
    page.locator("#p-contract").select_option(label=code)
    page.locator("[data-testid=push-form] button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Contrato enviado al ERP.")
    [order] = [r for r in fake_erp.posted("/api/orders") if r.json["external_id"] == code]
    assert order.json["quantity_mt"] == 25.0
    shot(page, artifacts, "erp-connections")
    # an ERP that does not answer is refused in the form, and nothing is added
    form = page.locator("[data-testid=erp-form]")
    form.locator("#f-system_type").select_option("custom")
    form.locator("#f-name").fill("ERP caído")
    form.locator("#f-base_url").fill("http://169.254.169.254/latest")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=form-error], [data-field-error]").first).to_be_visible()
    expect(page.locator("[data-testid=erp-connections] tr", has_text="ERP caído")).to_have_count(0)
    assert problems == []


def test_an_admin_issues_a_key_shown_once_rotates_and_revokes_it(page: Page, stack, artifacts: Path) -> None:
    problems = watch(page)
    sign_in(page, stack.accounts["admin"])
    page.goto(f"/api-keys?company_id={stack.exporter_company}")
    page.fill("#k-label", "báscula")
    page.click("[data-testid=issue-form] button[type=submit]")
    issued = page.locator("[data-testid=issued-key] code")
    expect(issued).to_contain_text("tbk_")
    first_key = issued.inner_text()
    expect(page.locator("[data-testid=api-keys] tr", has_text="báscula")).to_have_count(1)
    shot(page, artifacts, "api-key-issued")
    page.goto(f"/api-keys?company_id={stack.exporter_company}")
    expect(page.locator("[data-testid=issued-key]")).to_have_count(0)  # shown once
    assert first_key not in page.content()
    page.click("[data-testid=rotate-form] button[type=submit]")
    second_key = page.locator("[data-testid=issued-key] code").inner_text()
    assert second_key.startswith("tbk_")
    assert second_key != first_key
    expect(page.locator("[data-testid=api-keys] tr", has_text="báscula")).to_contain_text("Revocada")
    page.locator("[data-testid=api-keys] button[data-testid^=revoke-]").first.click()
    expect(page.locator("main")).to_contain_text("Clave de API revocada.")
    expect(page.locator("[data-testid=api-keys] button[data-testid^=revoke-]")).to_have_count(0)
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        for key in (first_key, second_key):
            answer = api.get("/api/lotes/nft/LOT-NONE", headers={"Authorization": f"Bearer {key}"})
            assert answer.status_code == 401
    assert problems == []
