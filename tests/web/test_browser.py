"""Headless Chromium against the real API and web processes: the business flow people do every day."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.flows import business_flow, shot, sign_in, sign_out, submit, watch

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "es-EC", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def watched_page(page: Page) -> Iterator[Page]:
    """The page, failing the test on any CSP violation or script error, and accepting confirm() dialogs."""
    problems = watch(page)
    yield page
    assert problems == []


def test_full_business_flow(watched_page: Page, stack, artifacts: Path) -> None:
    business_flow(watched_page, stack.accounts, artifacts)


def test_login_failure(watched_page: Page, stack) -> None:
    page = watched_page
    page.goto("/login")
    submit(page, email=stack.accounts["buyer"].email, password="not-the-password")
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


@pytest.mark.parametrize(("role", "locale"), [("admin", "es-EC"), ("admin", "en-US"), ("exporter", "es-EC")])
def test_the_menu_fits_a_1280_screen(
    browser: Browser, stack, artifacts: Path, role: str, locale: str
) -> None:
    """Every entry of the widest menus (the admin's; Spanish labels are the longer) and Sign out fit in one line
    at 1280x800: nothing is cut off, Sign out is on screen and works, the "More" entries open."""
    context = browser.new_context(
        base_url=stack.web.url, locale=locale, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    try:
        problems = watch(page)
        sign_in(page, stack.accounts[role])
        bar = page.locator("nav .container-fluid")
        assert bar.evaluate("bar => bar.scrollWidth <= bar.clientWidth"), "the menu overflows"
        logout = page.locator("nav form[action='/logout'] button")
        expect(logout).to_be_visible()
        box = logout.bounding_box()
        assert box is not None
        assert 0 <= box["x"] <= box["x"] + box["width"] <= 1280
        page.click("nav [data-testid=nav-more]")
        expect(page.locator("nav .dropdown-menu a[href='/reports']")).to_be_visible()
        shot(page, artifacts, f"12-menu-1280-{role}-{locale}")
        page.keyboard.press("Escape")
        sign_out(page)
        assert problems == []
    finally:
        context.close()


def test_api_outage_shows_a_friendly_page(page: Page, web_without_api, artifacts: Path) -> None:
    page.goto(f"{web_without_api.url}/")
    expect(page.locator("[data-testid=error-503]")).to_contain_text(
        "Triboka no está disponible temporalmente"
    )
    shot(page, artifacts, "11-api-down")
