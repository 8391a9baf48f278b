"""Deal rooms in headless Chromium (issue 13): two users in one room, one posts and the other sees it without
reloading (Socket.IO from the API, strict CSP); an upload and its download; the PDF export; the impersonation
banner. Screenshots in tests/artifacts/web/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import new_lot
from tests.web.flows import BUYER_COMPANY, shot, sign_in, watch

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _room(browser: Browser, stack, role: str, deal: dict) -> tuple[Page, list[str]]:
    context = browser.new_context(
        base_url=stack.web.url, locale="es-EC", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    problems = watch(page)
    sign_in(page, stack.accounts[role])
    page.goto(f"/deals/{deal['id']}")
    expect(page.locator("[data-testid=messages][data-live=joined]")).to_have_count(1, timeout=15_000)
    return page, problems


def test_a_message_appears_live_for_the_other_member(browser: Browser, stack, deal, artifacts: Path) -> None:
    producer, producer_problems = _room(browser, stack, "producer", deal)
    exporter, exporter_problems = _room(browser, stack, "exporter", deal)
    exporter.fill("#messages input[name=content]", "¿Confirmamos el embarque del lunes?")
    exporter.click("#messages button[type=submit]")
    # the producer's page was not reloaded: the message arrives over the socket
    expect(producer.locator("[data-testid=messages]")).to_contain_text(
        "¿Confirmamos el embarque del lunes?", timeout=15_000
    )
    shot(producer, artifacts, "deal-room-live-message")
    # markup in a message is shown as text
    exporter.fill("#messages input[name=content]", "<img src=x onerror=alert(1)>")
    exporter.click("#messages button[type=submit]")
    expect(producer.locator("[data-testid=messages]")).to_contain_text("<img src=x onerror=alert(1)>")
    expect(producer.locator("[data-testid=messages] img")).to_have_count(0)
    assert producer_problems == []
    assert exporter_problems == []


def test_upload_download_and_pdf(browser: Browser, stack, deal, artifacts: Path, tmp_path: Path) -> None:
    page, problems = _room(browser, stack, "exporter", deal)
    source = tmp_path / "lista de empaque.pdf"
    source.write_bytes(PDF)
    page.set_input_files("[data-testid=upload-form] input[type=file]", str(source))
    page.click("[data-testid=upload-form] button[type=submit]")
    link = page.locator("[data-testid=files] a", has_text="lista de empaque.pdf")
    expect(link).to_have_count(1)
    with page.expect_download() as file_download:
        link.click()
    saved = tmp_path / "downloaded.pdf"
    file_download.value.save_as(saved)
    assert saved.read_bytes() == PDF
    with page.expect_download() as pdf_download:
        page.click("[data-testid=pdf-export]")
    assert pdf_download.value.suggested_filename.startswith(f"trazabilidad_deal_{deal['id']}_")
    shot(page, artifacts, "deal-room-files")
    assert problems == []


def test_broker_forms(browser: Browser, stack, fresh_deal, artifacts: Path) -> None:
    """The admin fills the finance sheet, adds and removes a member and links a lot; a party sees none of it."""
    lot = new_lot(stack)
    page, problems = _room(browser, stack, "admin", fresh_deal)
    finance = page.locator("[data-testid=finance-form]")
    finance.locator("[name=costo_admin]").fill("200")
    finance.locator("[name=precio_admin]").fill("250")
    finance.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=margin]")).to_have_text("50.0 (25.0 %)")
    finance = page.locator("[data-testid=finance-form]")
    finance.locator("[name=costo_admin]").fill("doscientos")
    finance.locator("button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_contain_text("Ingrese un número.")
    expect(page.locator("[data-testid=margin]")).to_have_text("50.0 (25.0 %)")

    members = page.locator("[data-testid=member-form]")
    members.locator("[name=party]").select_option(f"company:{stack.buyer_company}")
    members.locator("[name=role_in_deal]").select_option("observer")
    members.locator("button[type=submit]").click()
    added = page.locator("[data-testid=members] li", has_text=BUYER_COMPANY)
    expect(added).to_contain_text("observer")
    added.locator("[data-testid^=remove-member-]").click()
    expect(page.locator("[data-testid=members] li", has_text=BUYER_COMPANY)).to_have_count(0)

    trace = page.locator("[data-testid=trace-form]")
    trace.locator("[name=lote_ids]").select_option(str(lot["id"]))
    trace.locator("[name=event_title]").fill("Muestreo de calidad")
    trace.locator("button[type=submit]").click()
    timeline = page.locator("[data-testid=timeline]")
    expect(timeline).to_contain_text(f"Lote {lot['lot_code']} registrado")
    expect(timeline).to_contain_text("Muestreo de calidad")
    shot(page, artifacts, "deal-room-broker-forms")
    assert problems == []

    party, party_problems = _room(browser, stack, "exporter", fresh_deal)
    for form in ("finance-form", "member-form", "trace-form"):
        expect(party.locator(f"[data-testid={form}]")).to_have_count(0)
    assert party_problems == []


def test_impersonation_banner(page: Page, stack, artifacts: Path) -> None:
    problems = watch(page)
    sign_in(page, stack.accounts["admin"])
    page.goto("/users")
    page.locator("[data-testid^=impersonate-]").first.click()
    banner = page.locator("[data-testid=impersonation-banner]")
    expect(banner).to_be_visible()
    page.goto("/lots")
    expect(banner).to_be_visible()
    shot(page, artifacts, "impersonation-banner")
    page.click("[data-testid=stop-impersonation]")
    expect(page.locator("[data-testid=impersonation-banner]")).to_have_count(0)
    expect(page).to_have_url(f"{stack.web.url}/users")
    assert problems == []
