"""The reports page (issue 14): choose a type and a period, view the report the API generated for the user, and
download it as CSV; in headless Chromium and over HTTP."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.flows import shot, sign_in, watch


@pytest.mark.browser
def test_view_and_download_a_report(page: Page, stack, artifacts: Path) -> None:
    problems = watch(page)
    sign_in(page, stack.accounts["exporter"])
    page.click("nav a[href='/reports']")
    expect(page.locator("h1")).to_contain_text("Reports")  # the browser asks for English (en-US)
    page.select_option("#f-report_type", "supply_chain")
    page.select_option("#f-period", "90d")
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=report-title]")).to_contain_text("Supply chain")
    rows = page.locator("[data-testid=report-rows] tbody tr")
    expect(rows.filter(has_text="metrics.lots.total_weight_kg")).to_have_count(1)
    expect(rows.filter(has_text="metrics.blockchain.connected")).to_contain_text("no")
    shot(page, artifacts, "14-report-supply-chain")
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
