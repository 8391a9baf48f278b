"""Deal rooms in headless Chromium (issue 13): two users in one room, one posts and the other sees it without
reloading (Socket.IO from the API, strict CSP); an upload and its download; the PDF export; the impersonation
banner. Screenshots in tests/artifacts/web/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.flows import shot, sign_in, watch

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
