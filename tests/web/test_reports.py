"""The reports page (issue 14): choose a type and a period, view the report the API generated for the user, and
download it as CSV or PDF; in headless Chromium and over HTTP."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.web.flows import open_from_more, shot, sign_in, watch


@pytest.mark.browser
def test_view_and_download_a_report(page: Page, stack, artifacts: Path) -> None:
    problems = watch(page)
    sign_in(page, stack.accounts["exporter"])
    open_from_more(page, "/reports")
    expect(page.locator("h1")).to_contain_text("Reports")  # the browser asks for English (en-US)
    page.select_option("#f-report_type", "supply_chain")
    page.select_option("#f-period", "90d")
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=report-title]")).to_contain_text("Supply chain")
    rows = page.locator("[data-testid=report-rows] tbody tr")
    expect(rows.filter(has_text="metrics.lots.total_weight_kg")).to_have_count(1)
    expect(rows.filter(has_text="metrics.blockchain.connected")).to_contain_text("no")
    expect(page.locator("[data-testid=report-pdf]")).to_be_visible()
    shot(page, artifacts, "14-report-supply-chain")
    with page.expect_download() as pdf:
        page.click("[data-testid=report-pdf]")
    assert pdf.value.suggested_filename.endswith(".pdf")
    assert "Report: Supply chain" in _pdf_text(Path(pdf.value.path()).read_bytes())
    with page.expect_download() as info:
        page.click("[data-testid=report-csv]")
    download = info.value
    assert download.suggested_filename.startswith("triboka-supply_chain-")
    table = list(csv.reader(Path(download.path()).read_text(encoding="utf-8").splitlines()))
    assert table[0] == ["metric", "value"]
    assert ["report_type", "supply_chain"] in table
    assert any(row[0] == "metrics.contracts.total" for row in table)
    assert problems == []


@pytest.mark.parametrize("report_type", ["performance", "financial", "supply_chain", "quality"])
def test_every_report_type_renders_and_exports(client_for, report_type: str) -> None:
    client = client_for("buyer")
    page = client.get("/reports", params={"report_type": report_type, "period": "7d"})
    assert page.status_code == 200, page.text[:500]
    assert 'data-testid="report-rows"' in page.text
    exported = client.get("/reports/export.csv", params={"report_type": report_type, "period": "7d"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(exported.text)))
    assert table[1] == ["report_type", report_type]
    assert len(table) > 5


def test_form_without_a_type_shows_no_report(client_for) -> None:
    page = client_for("producer").get("/reports")
    assert page.status_code == 200
    assert 'data-testid="report-form"' in page.text
    assert 'data-testid="report-rows"' not in page.text


def test_reports_need_a_session(anonymous) -> None:
    for path in ("/reports", "/reports/export.csv?report_type=quality"):
        response = anonymous.get(path)
        assert response.status_code in (302, 303), path
        assert "/login" in response.headers["location"]


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_download_has_the_title_period_and_rows_in_spanish(client_for) -> None:
    client = client_for("exporter")  # Spanish: the default language
    page = client.get("/reports", params={"report_type": "supply_chain", "period": "90d"})
    assert 'data-testid="report-pdf"' in page.text
    assert "Descargar PDF" in page.text
    exported = client.get("/reports/export.pdf", params={"report_type": "supply_chain", "period": "90d"})
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/pdf"
    disposition = exported.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="triboka-supply_chain-')
    assert disposition.endswith('.pdf"')
    text = _pdf_text(exported.content)
    assert "Informe: Cadena de suministro" in text
    assert "Periodo: Últimos 90 días" in text
    table = dict(
        csv.reader(
            io.StringIO(client.get("/reports/export.csv", params={"report_type": "supply_chain"}).text)
        )
    )
    assert "metrics.lots.total_weight_kg" in text
    assert f"metrics.lots.total_weight_kg {table['metrics.lots.total_weight_kg']}" in text.replace("\n", " ")


def test_pdf_of_an_unknown_type_falls_back_and_needs_a_session(client_for, anonymous) -> None:
    exported = client_for("buyer", "en").get(
        "/reports/export.pdf", params={"report_type": "<x>", "period": "9y"}
    )
    assert exported.status_code == 200
    assert "Report: Performance overview" in _pdf_text(exported.content)
    refused = anonymous.get("/reports/export.pdf?report_type=quality")
    assert refused.status_code in (302, 303)
    assert "/login" in refused.headers["location"]


def test_the_web_process_does_not_load_reportlab_at_start() -> None:
    probe = "import sys, triboka_web.app; print('reportlab' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False"
