"""Headless Chromium against the real API and web processes: the business flow people do every day."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "es-EC", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def watched_page(page: Page) -> Iterator[Page]:
    """The page, failing the test on any CSP violation or script error, and accepting confirm() dialogs."""
    problems: list[str] = []
    page.on(
        "console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    assert problems == []


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def sign_in(page: Page, account) -> None:
    page.goto("/login")
    page.fill("#f-email", account.email)
    page.fill("#f-password", account.password)
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=current-user]")).to_be_visible()


def sign_out(page: Page) -> None:
    page.click("nav form[action='/logout'] button")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_full_business_flow(watched_page: Page, stack, artifacts: Path) -> None:
    page = watched_page
    producer, exporter = stack.accounts["producer"], stack.accounts["exporter"]

    # A producer registers a lot.
    sign_in(page, producer)
    page.goto("/create_lot")
    page.fill("#f-farm_name", "Finca La Esperanza")
    page.fill("#f-location", "Chone, Manabí")
    page.fill("#f-product_type", "Cacao Nacional")
    page.fill("#f-weight_kg", "1500")
    page.fill("#f-quality_grade", "A")
    page.fill("#f-harvest_date", "2025-10-01")
    page.fill("#f-certifications", "Orgánico, Comercio Justo")
    page.click("main button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Lote registrado")
    lot_code = page.locator("[data-testid=lot-code]").inner_text()
    assert re.fullmatch(r"LOT-.{1,3}-\d{14}-\d{3,}(-\d+)?", lot_code)
    lot_url = page.url
    shot(page, artifacts, "01-lot-registered")
    page.goto("/producer")
    expect(page.locator("canvas[data-rendered=true]").first).to_be_visible()
    shot(page, artifacts, "02-producer-board")
    sign_out(page)

    # An exporter purchases it from the export desk.
    sign_in(page, exporter)
    page.goto("/exporter")
    shot(page, artifacts, "03-exporter-board")
    page.locator("tr", has_text=lot_code).get_by_role("link", name="Comprar").click()
    page.fill("#f-purchase_price_usd", "4500")
    page.click("main button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text(f"Lote {lot_code} comprado")
    expect(page.locator("[data-testid=lot-details]")).to_contain_text("AgroExport")

    # ...builds a batch with it.
    page.get_by_role("link", name="Armar lote de exportación").first.click()
    expect(page.locator(f"input[name=source_lot_ids][value='{lot_url.rsplit('/', 1)[1]}']")).to_be_checked()
    page.fill("#f-location", "Guayaquil")
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=batch-weight]")).to_contain_text("1.500 kg")
    batch_code = page.locator("[data-testid=batch-code]").inner_text()
    shot(page, artifacts, "04-batch")

    # ...creates an export contract with a buyer.
    page.goto("/create_contract")
    page.fill("#f-contract_code", "EXP-2025-001")
    page.select_option("#f-buyer_company_id", label="Chocolates Suizos AG")
    page.fill("#f-product_type", "Cacao Nacional")
    page.fill("#f-product_grade", "A")
    page.fill("#f-total_volume_mt", "10")
    page.fill("#f-differential_usd", "-150")
    page.fill("#f-start_date", "2025-01-01")
    page.fill("#f-end_date", "2025-12-31")
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=contract-status]")).to_contain_text("Borrador")
    contract_url = page.url

    # ...fixes prices until the whole volume is fixed; fixing more than is pending is refused in place.
    page.get_by_role("link", name="Fijar precio").click()
    expect(page.locator("#f-spot_price_usd")).not_to_have_value("")
    page.fill("#f-fixed_quantity_mt", "6")
    page.fill("#f-spot_price_usd", "3300")
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=pending-volume]")).to_contain_text("4,00 MT")
    page.get_by_role("link", name="Fijar precio").click()
    page.fill("#f-fixed_quantity_mt", "5")
    page.click("main button[type=submit]")
    expect(page.locator("[data-field-error], [data-testid=form-error]").first).to_be_visible()
    page.fill("#f-fixed_quantity_mt", "4")
    page.fill("#f-spot_price_usd", "3400")
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=pending-volume]")).to_contain_text("0,00 MT")
    expect(page.locator("[data-testid=fixations-table] tr")).to_have_count(3)
    expect(page.get_by_role("link", name="Fijar precio")).to_have_count(0)
    expect(page.locator("canvas[data-rendered=true]")).to_have_count(2)
    page.get_by_role("button", name="Marcar como Activo").click()
    expect(page.locator("[data-testid=contract-status]")).to_contain_text("Activo")
    shot(page, artifacts, "05-contract-fixed")

    # ...and records a dispatch of the batch under the contract.
    page.get_by_role("link", name="Nuevo despacho").click()
    page.select_option("#f-batch_id", label=batch_code)
    page.fill("#f-quantity_mt", "1.5")
    page.fill("#f-destination_country", "Suiza")
    page.fill("#f-shipping_date", "2025-11-15")
    page.fill("#f-destination_port", "Rotterdam")
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=dispatch-status]")).to_contain_text("Planificado")
    page.get_by_role("button", name="Marcar como En tránsito").click()
    expect(page.locator("[data-testid=dispatch-status]")).to_contain_text("En tránsito")
    page.goto(contract_url)
    expect(page.locator("main")).to_contain_text("Suiza")
    page.goto("/analytics/dashboard")
    expect(page.locator("canvas[data-rendered=true]").first).to_be_visible()
    shot(page, artifacts, "06-analytics")

    # Anyone involved follows the trace timeline and adds to it.
    page.goto(lot_url)
    expect(page.locator("[data-testid=lot-timeline] li")).to_have_count(
        4
    )  # created, certified, bought, batched
    page.get_by_role("link", name="Línea de tiempo de trazabilidad").click()
    expect(page.locator("[data-testid=trace-events] li")).to_have_count(3)  # recorded by the web flow
    page.fill("#f-event_type", "fermentation")
    page.fill("#f-title", "Fermentación en cajones")
    page.fill("#f-location", "Chone")
    page.click("main form[action^='/trace'] button[type=submit]")
    expect(page.locator("[data-testid=trace-events] li")).to_have_count(4)
    shot(page, artifacts, "07-trace")
    sign_out(page)

    # The public verification page needs no login.
    page.goto("/verify")
    page.fill("#f-code", lot_code)
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=verify-lot]")).to_contain_text("Finca La Esperanza")
    expect(page.locator("[data-testid=verification-status]")).to_contain_text("Verificado")
    expect(page.locator("main")).to_contain_text("Fermentación en cajones")
    expect(page.locator("[data-testid=current-user]")).to_have_count(0)
    shot(page, artifacts, "08-public-verification")


def test_login_failure(watched_page: Page, stack) -> None:
    page = watched_page
    page.goto("/login")
    page.fill("#f-email", stack.accounts["buyer"].email)
    page.fill("#f-password", "not-the-password")
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=form-error]")).to_contain_text("Correo o contraseña incorrectos")
    expect(page.locator("[data-testid=current-user]")).to_have_count(0)


def test_producer_cannot_see_the_users_page(watched_page: Page, stack, artifacts: Path) -> None:
    page = watched_page
    sign_in(page, stack.accounts["producer"])
    expect(page.locator("nav a[href='/users']")).to_have_count(0)
    page.goto("/users")
    expect(page.locator("[data-testid=error-403]")).to_be_visible()
    shot(page, artifacts, "09-forbidden")


def test_forged_form_is_rejected(watched_page: Page, stack) -> None:
    page = watched_page
    sign_in(page, stack.accounts["producer"])
    page.goto("/create_lot")
    page.locator("main input[name=csrf_token]").evaluate("input => { input.value = 'forged'; }")
    page.fill("#f-farm_name", "Finca Falsa")
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=error-403]")).to_contain_text("El formulario caducó")


def test_language_switcher(watched_page: Page, stack, artifacts: Path) -> None:
    page = watched_page
    page.goto("/login")
    expect(page.locator("h1")).to_contain_text("Iniciar sesión")
    page.click("nav button[value=en]")
    expect(page.locator("h1")).to_contain_text("Sign in")
    sign_in(page, stack.accounts["admin"])
    expect(page.locator("nav")).to_contain_text("Dispatches")
    shot(page, artifacts, "10-dashboard-english")


def test_api_outage_shows_a_friendly_page(page: Page, web_without_api, artifacts: Path) -> None:
    page.goto(f"{web_without_api.url}/")
    expect(page.locator("[data-testid=error-503]")).to_contain_text(
        "Triboka no está disponible temporalmente"
    )
    shot(page, artifacts, "11-api-down")
