"""Session fixtures: one real API (temp SQLite) seeded with a user of each role, and one real web process."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.fake_erp import FakeErp, RunningFakeErp
from tests.web.flows import BUYER_COMPANY, CHROMIUM, CHROMIUM_ARGS, EXPORTER_COMPANY, Account, seed_accounts
from tests.web.servers import (
    Process,
    add_company,
    free_port,
    launch_api,
    launch_web,
    sign_in,
    start_web,
    web_client,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
PASSWORD = "cacao-test-pass-1"


@dataclass(frozen=True)
class Stack:
    api: Process
    web: Process
    accounts: dict[str, Account]
    exporter_company: int
    buyer_company: int


def _seed(api_url: str, db: Path) -> tuple[dict[str, Account], int, int]:
    exporter_company = add_company(db, EXPORTER_COMPANY, "exporter", "Ecuador")
    buyer_company = add_company(db, BUYER_COMPANY, "buyer", "Switzerland")
    admin = Account("admin@triboka.test", PASSWORD, "admin")
    with httpx.Client(base_url=api_url, timeout=10) as api:
        accounts = seed_accounts(api, admin, exporter_company, buyer_company, PASSWORD, "triboka.test")
    return accounts, exporter_company, buyer_company


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("web-stack")
    api = launch_api(workdir, "admin@triboka.test", PASSWORD)
    web = launch_web(workdir, api.url)  # boots while the API does; it needs the API only per request
    try:
        api.wait_until_healthy()
        web.wait_until_healthy()
        accounts, exporter_company, buyer_company = _seed(api.url, workdir / "api.db")
        yield Stack(api, web, accounts, exporter_company, buyer_company)
    finally:
        web.stop()
        api.stop()


@pytest.fixture(scope="session")
def web_without_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    """A web process whose API URL points at a loopback port nothing listens on."""
    web = start_web(tmp_path_factory.mktemp("web-down"), f"http://127.0.0.1:{free_port()}", name="web-down")
    yield web
    web.stop()


@pytest.fixture
def client_for(stack: Stack) -> Iterator:
    """`client_for("exporter")`: an httpx client signed in to the web process as that role."""
    clients: list[httpx.Client] = []

    def make(role: str, language: str = "es") -> httpx.Client:
        client = web_client(stack.web.url, language)
        clients.append(client)
        account = stack.accounts[role]
        assert sign_in(client, account.email, account.password).status_code == 303
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def anonymous(stack: Stack) -> Iterator[httpx.Client]:
    with web_client(stack.web.url) as client:
        yield client


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(stack: Stack) -> str:
    return stack.web.url


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def api_headers(stack: Stack, role: str) -> dict[str, str]:
    """A bearer header of that role's account, straight from the API (for setting up what a test needs)."""
    account = stack.accounts[role]
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        login = api.post("/api/auth/login", json={"email": account.email, "password": account.password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def new_lot(stack: Stack) -> dict:
    """A lot of the producer's company, as GET /api/lots/{id} shows it."""
    body = {
        "producer_company_id": stack.accounts["producer"].company_id,
        "farm_name": "Finca Enlazada",
        "location": "Vinces",
        "product_type": "Cacao Nacional",
        "weight_kg": 900,
        "quality_grade": "A",
        "harvest_date": "2025-10-01",
    }
    headers = api_headers(stack, "producer")
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        created = api.post("/api/lots", json=body, headers=headers)
        assert created.status_code == 201, created.text
        return api.get(f"/api/lots/{created.json()['lot_id']}", headers=headers).json()


def open_deal(stack: Stack) -> dict:
    """A new deal the admin brokers between the producer's company and the exporter's company."""
    body = {
        "producer_id": stack.accounts["producer"].company_id,
        "exporter_id": stack.exporter_company,
        "terms_public": {"volumen_mt": 25},
        "terms_private": {"comision_pct": 2},
        "description": "Cacao fino de aroma",
    }
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        created = api.post("/api/deals", json=body, headers=api_headers(stack, "admin"))
    assert created.status_code == 201, created.text
    return created.json()["deal"]


@pytest.fixture(scope="session")
def deal(stack: Stack) -> dict:
    """The deal the read-mostly tests share."""
    return open_deal(stack)


@pytest.fixture
def fresh_deal(stack: Stack) -> dict:
    """A deal of the test's own, for tests that change its finance, members or trace."""
    return open_deal(stack)


@pytest.fixture(scope="module")
def fake_erp() -> Iterator[FakeErp]:
    """A fake ERP on loopback (tests/api/fake_erp.py) for the ERP pages' tests."""
    with RunningFakeErp() as erp:
        yield erp


def admin_contract(stack: Stack) -> dict:
    """A new contract between the stack's exporter and buyer companies, created by the admin (C-17's `contract`)."""
    body = {
        "contract_code": f"C-ERP-{uuid.uuid4().hex[:6]}",
        "buyer_company_id": stack.buyer_company,
        "exporter_company_id": stack.exporter_company,
        "product_type": "Cacao",
        "product_grade": "A",
        "total_volume_mt": 25,
        "differential_usd": -100,
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "delivery_date": "2025-12-01",
    }
    with httpx.Client(base_url=stack.api.url, timeout=10) as api:
        created = api.post("/api/contracts", json=body, headers=api_headers(stack, "admin"))
    assert created.status_code == 201, created.text
    return created.json()["contract"]
