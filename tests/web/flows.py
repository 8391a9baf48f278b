"""What people do with the dashboard, as reusable steps: the accounts a flow needs and the browser flows themselves.

Used by the browser tests against local processes (tests/web) and by the end-to-end tests against a real cluster
through its ingress (tests/e2e): the callers provide the API client, the companies and a Playwright page whose
context has the dashboard's base URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

# Debian's Chromium, headless, quiet on a closed network (no background requests).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BUYER_COMPANY = "Chocolates Suizos AG"
EXPORTER_COMPANY = "AgroExport Manabí"


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    role: str
    company_id: int | None = None


@dataclass(frozen=True)
class FlowResult:
    lot_code: str
    lot_url: str
    batch_code: str
    contract_url: str


def seed_accounts(
    api: httpx.Client, admin: Account, exporter_company: int, buyer_company: int, password: str, domain: str
) -> dict[str, Account]:
    """One account of each role through the API: a producer that registers itself (with its own company), and an
    exporter, a buyer and an operator that the admin creates in the given companies."""
    token = api.post("/api/auth/login", json={"email": admin.email, "password": admin.password})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    producer_email = f"productor@{domain}"
    registered = api.post(
        "/api/auth/register",
        json={"name": "Coop Valle", "email": producer_email, "password": password, "role": "producer"},
    )
    assert registered.status_code == 201, registered.text
    accounts = {"admin": admin}
    for role, company in (("exporter", exporter_company), ("buyer", buyer_company), ("operator", None)):
        body = {
            "email": f"{role}@{domain}",
            "first_name": role.capitalize(),
            "last_name": "Tester",
            "role": role,
            "company_id": company,
            "password": password,
        }
        created = api.post("/api/users", json=body, headers=headers)
        assert created.status_code == 201, created.text
        accounts[role] = Account(body["email"], password, role, company)
    producer = api.post("/api/auth/login", json={"email": producer_email, "password": password})
    assert producer.status_code == 200, producer.text
    accounts["producer"] = Account(
        producer_email, password, "producer", producer.json()["user"]["company_id"]
    )
    return accounts


def watch(page: Page) -> list[str]:
    """Collect CSP violations and script errors of the page (the caller asserts the list is empty at the end),
    and accept confirm() dialogs."""
    problems: list[str] = []
    page.on(
        "console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    return problems


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def sign_in(page: Page, account: Account) -> None:
    page.goto("/login")
    submit(page, email=account.email, password=account.password)
    expect(page.locator("[data-testid=current-user]")).to_be_visible()


def submit(page: Page, **fields: str) -> None:
    """Fill the page's form fields (`#f-<name>`) and submit it."""
    for name, value in fields.items():
        page.fill(f"#f-{name}", value)
    page.click("main button[type=submit]")


def open_from_more(page: Page, href: str) -> None:
    """Follow a main-menu entry that sits in its "More" dropdown."""
    page.click("nav [data-testid=nav-more]")
    page.click(f"nav .dropdown-menu a[href='{href}']")


def sign_out(page: Page) -> None:
    page.click("nav form[action='/logout'] button")
    expect(page).to_have_url(re.compile(r"/login$"))


def business_flow(
    page: Page, accounts: dict[str, Account], artifacts: Path, contract_code: str = "EXP-2025-001"
) -> FlowResult:
    """The business flow people do every day: a producer registers a lot, an exporter buys it, batches it, signs a
    contract with the buyer company, fixes its price, dispatches; the trace is extended and publicly verified.
    Screenshots 01 to 08 go to `artifacts`. Contract codes are unique: a second flow on the same data names
    another."""
    producer, exporter = accounts["producer"], accounts["exporter"]

    # A producer registers a lot.
    sign_in(page, producer)
    page.goto("/create_lot")
    submit(
        page,
        farm_name="Finca La Esperanza",
        location="Chone, Manabí",
        product_type="Cacao Nacional",
        weight_kg="1500",
        quality_grade="A",
        harvest_date="2025-10-01",
        certifications="Orgánico, Comercio Justo",
    )
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
    page.select_option("#f-buyer_company_id", label=BUYER_COMPANY)
    submit(
        page,
        contract_code=contract_code,
        product_type="Cacao Nacional",
        product_grade="A",
        total_volume_mt="10",
        differential_usd="-150",
        start_date="2025-01-01",
        end_date="2025-12-31",
    )
    expect(page.locator("[data-testid=contract-status]")).to_contain_text("Borrador")
    contract_url = page.url

    # ...fixes prices until the whole volume is fixed; fixing more than is pending is refused in place.
    page.get_by_role("link", name="Fijar precio").click()
    expect(page.locator("#f-spot_price_usd")).not_to_have_value("")
    submit(page, fixed_quantity_mt="6", spot_price_usd="3300")
    expect(page.locator("[data-testid=pending-volume]")).to_contain_text("4,00 MT")
    page.get_by_role("link", name="Fijar precio").click()
    page.fill("#f-fixed_quantity_mt", "5")
    page.click("main button[type=submit]")
    expect(page.locator("[data-field-error], [data-testid=form-error]").first).to_be_visible()
    submit(page, fixed_quantity_mt="4", spot_price_usd="3400")
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
    submit(
        page,
        quantity_mt="1.5",
        destination_country="Suiza",
        shipping_date="2025-11-15",
        destination_port="Rotterdam",
    )
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
    return FlowResult(lot_code, lot_url, batch_code, contract_url)
