"""The first-run demo as a newcomer meets it: `triboka-api migrate` and `seed-demo` on an empty database (what
`make run` does), the real API and web processes, and headless Chromium signing in with each printed demo login
and finding data on that role's dashboard (screenshots `demo-<role>.png` in tests/artifacts/web/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.flows import Account, shot, sign_in, watch
from tests.web.servers import Process, api_command, api_env, launch_web, serve_api

pytestmark = pytest.mark.browser

# the role's own board and a text from the demo that it must show there
BOARDS = {
    "admin": ("/lots", "Finca Santa Rosa"),  # another cooperative's lot: the admin sees every lot
    "operator": ("/users", "producer@triboka.local"),
    "exporter": ("/exporter", "BATCH-"),
    "buyer": ("/buyer", "BATCH-"),
    "producer": ("/producer", "Finca La Esperanza"),
    "user": ("/dashboard", "demo seed"),  # no party data (Δ 71), but the market has the demo's prices
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Process, dict[str, Account]]]:
    workdir = tmp_path_factory.mktemp("demo-stack")
    env = api_env(workdir)
    credentials = workdir / "var" / "demo-credentials.txt"
    api_command(env, "migrate")
    api_command(env, "seed-demo", "--credentials-file", str(credentials))  # as scripts/run-local does
    accounts = {
        role: Account(email, password, role)
        for role, email, password in (line.split() for line in credentials.read_text().splitlines())
    }
    api = serve_api(workdir, env)
    web = launch_web(workdir, api.url)
    try:
        api.wait_until_healthy()
        web.wait_until_healthy()
        yield web, accounts
    finally:
        web.stop()
        api.stop()


@pytest.fixture
def demo_page(browser: Browser, demo: tuple[Process, dict[str, Account]]) -> Iterator[Page]:
    context = browser.new_context(
        base_url=demo[0].url, locale="es-EC", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    problems = watch(page)
    yield page
    context.close()
    assert problems == []


def test_every_role_is_in_the_demo(demo) -> None:
    assert sorted(demo[1]) == sorted(BOARDS)


@pytest.mark.parametrize("role", list(BOARDS))
def test_demo_login_finds_data_on_its_board(demo_page: Page, demo, role: str, artifacts: Path) -> None:
    page = demo_page
    sign_in(page, demo[1][role])
    page.goto("/dashboard")
    expect(page.locator("[data-testid=spot-price]")).to_be_visible()
    expect(page.locator("main")).to_contain_text("demo seed")  # recorded prices, not the fallback
    path, text = BOARDS[role]
    page.goto(path)
    expect(page.locator("main")).to_contain_text(text)
    if role != "user":
        expect(page.locator("main [data-testid=empty-state]")).to_have_count(0)
    shot(page, artifacts, f"demo-{role}")
