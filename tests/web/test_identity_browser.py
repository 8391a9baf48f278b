"""Identidad digital in headless Chromium (issue 14, S-43..S-49): a producer creates its DID and sees its public
key, uploads a KYC document and downloads it back; an admin verifies the document and the DID from the review
list, and the producer sees its identity verified. Screenshots in tests/artifacts/web/."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.flows import shot, sign_in, watch

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _page(browser: Browser, stack, role: str) -> tuple[Page, list[str]]:
    context = browser.new_context(
        base_url=stack.web.url, locale="es-EC", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    problems = watch(page)
    sign_in(page, stack.accounts[role])
    page.goto("/identity")
    return page, problems


def test_create_upload_and_admin_verify(browser: Browser, stack, artifacts: Path, tmp_path: Path) -> None:
    producer, producer_problems = _page(browser, stack, "producer")
    expect(producer.locator("h1")).to_have_text("Identidad digital")
    producer.click("[data-testid=create-did] button[type=submit]")
    did = producer.locator("[data-testid=did]")
    expect(did).to_have_text(re.compile(r"^did:triboka:\d+$"))
    expect(producer.locator("[data-testid=kyc-status]")).to_have_text("Pendiente de revisión")
    public_key = producer.locator("[data-testid=public-key]").inner_text()
    assert len(base64.urlsafe_b64decode(public_key + "=")) == 32  # a raw Ed25519 public key

    source = tmp_path / "cédula.pdf"
    source.write_bytes(PDF)
    form = producer.locator("[data-testid=kyc-form]")
    form.locator("select[name=document_type]").select_option("id_card")
    form.locator("input[name=document_number]").fill("0912345678")
    form.locator("input[name=issuing_country]").fill("Ecuador")
    form.locator("input[type=file]").set_input_files(str(source))
    form.locator("button[type=submit]").click()
    link = producer.locator("[data-testid=kyc-documents] a", has_text="cédula.pdf")
    expect(link).to_have_count(1)
    expect(producer.locator("[data-testid=kyc-documents]")).to_contain_text("Cédula de identidad 0912345678")
    with producer.expect_download() as downloaded:
        link.click()
    saved = tmp_path / "back.pdf"
    downloaded.value.save_as(saved)
    assert saved.read_bytes() == PDF
    shot(producer, artifacts, "identity-producer")
    # a producer has no review list
    expect(producer.locator("#review")).to_have_count(0)

    admin, admin_problems = _page(browser, stack, "admin")
    documents = admin.locator("[data-testid=pending-documents] li", has_text="0912345678")
    expect(documents).to_have_count(1)
    documents.locator("button[data-testid^=verify-document-]").click()
    expect(admin.locator("[data-testid=pending-documents]")).not_to_contain_text("0912345678")
    row = admin.locator("[data-testid=pending-dids] li", has_text=did.inner_text())
    expect(row).to_have_count(1)
    shot(admin, artifacts, "identity-admin-review")
    row.locator("button[data-testid^=verify-did-]").click()
    expect(admin.locator("[data-testid=pending-dids]")).not_to_contain_text(did.inner_text())

    producer.reload()
    expect(producer.locator("[data-testid=kyc-status]")).to_have_text("Verificado")
    expect(producer.locator("[data-testid=kyc-documents]")).to_contain_text("Verificado")
    assert producer_problems == []
    assert admin_problems == []
