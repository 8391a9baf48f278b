"""Issue 17: schemathesis drives every documented operation of a live `triboka-api serve` (real HTTP, real uvicorn)
on a seeded database of each backend, as an admin and as a producer: no answer is a 5xx, every answer's status is
documented for its operation and its body conforms to the documented schema. The AgroWeight operations, whose
security is the company API key (§5.9), are called with a live key of a company of each caller's own instead.

The server runs in its own process because schemathesis calls synchronously while the module's app lives in
the session's event loop; the seed goes through that in-process app (the `world` fixture) into the same database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from triboka_api.api.openapi import API_KEY_SCHEME
from triboka_api.app import create_app
from triboka_api.models import User
from triboka_api.security.passwords import hash_password
from triboka_api.settings import Settings

from tests.api.conftest import GENEROUS_LIMITS, JWT_SECRET, PASSWORD, Party, World
from tests.api.redis_server import RedisServer
from tests.support.net import free_port, wait_until_live

BIN = Path(sys.executable).parent
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# examples per operation: enough to reach the refusals and the seeded rows of each, bounded for the shared machine
EXAMPLES = int(os.environ.get("TRIBOKA_SCHEMATHESIS_EXAMPLES", "12"))
# ids far above anything the seed or the generated requests create, so that no generated PUT/DELETE
# /api/users/{id} deactivates, demotes or deletes the callers themselves
CALLER_IDS = {"admin": 1_900_000_001, "producer": 1_900_000_002}
# likewise the companies whose API keys the key operations send, so that no generated POST/DELETE
# /api/companies/{id}/api-keys rotates or revokes them
KEY_COMPANY_IDS = {"admin": 1_900_000_011, "producer": 1_900_000_012}


async def _caller(world: World, role: str, company_id: int | None) -> Party:
    email = f"schemathesis-{role}@example.com"
    async with world.session() as session:
        session.add(
            User(
                id=CALLER_IDS[role],
                email=email,
                name=f"Schemathesis {role}",
                role=role,
                company_id=company_id,
                password_hash=hash_password(PASSWORD),
                active=True,
            )
        )
        await session.commit()
    token = await world.login(email)
    return Party(CALLER_IDS[role], email, role, company_id, token)


@pytest.fixture(scope="module", name="settings")  # the conftest's `settings`, for this module
def files_settings(fresh_database: Any, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The module's database, and a deal files directory the seed and the live server share."""
    return fresh_database(file_store_path=tmp_path_factory.mktemp("files"))


async def _seed_deal(world: World, admin: Party, chain: Any) -> None:
    """A deal room between the chain's companies (the producer caller is a party to it) with a note, a message,
    a finance sheet, a trace link and a file, so that the deal operations answer with rows, not only refusals."""
    created = await world.client.post(
        "/api/deals",
        json={
            "producer_id": chain.producer.company_id,
            "exporter_id": chain.exporter.company_id,
            "terms_public": {"incoterm": "FOB"},
            "description": "Deal sembrado",
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    deal = f"/api/deals/{created.json()['deal']['id']}"
    for path, body in (
        ("notes", {"content": "Nota", "scope": "PARTES"}),
        ("messages", {"content": "Hola"}),
        ("finance", {"costo_admin": 100, "precio_admin": 120}),
        ("trace", {"lote_ids": chain.lot_ids, "events": [{"title": "Embarque"}]}),
    ):
        response = await world.client.post(f"{deal}/{path}", json=body, headers=admin.headers)
        assert response.status_code in (200, 201), response.text
    upload = await world.client.post(
        f"{deal}/upload",
        files={"file": ("contrato.pdf", PDF, "application/pdf")},
        data={"confidentiality": "PARTES"},
        headers=admin.headers,
    )
    assert upload.status_code == 201, upload.text


@pytest_asyncio.fixture(scope="module")
async def callers(world: World) -> dict[str, Party]:
    """A seeded database: a full chain (lots purchased, a batch, a contract with a fixation, a dispatch, trace
    events, a market price), a deal room, and an admin and a producer to call as."""
    chain = await world.chain(lot_weights=(1500.0, 800.0))
    admin = await _caller(world, "admin", None)
    await world.lot(chain.producer)
    await world.fixation(chain.exporter, chain.contract["id"], 10)
    await world.dispatch(chain.exporter, chain.contract["id"], chain.batch["id"])
    for path, body in (
        ("/api/market/prices", {"price_date": "2025-10-01", "close_usd_per_mt": 3100.5, "source": "ICE"}),
        (
            "/api/trace/event",
            {
                "event_type": "harvest",
                "entity_type": "lot",
                "entity_id": chain.lot_ids[0],
                "title": "Cosecha",
            },
        ),
    ):
        response = await world.client.post(path, json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
    await _seed_deal(world, admin, chain)
    producer = await _caller(world, "producer", chain.producer.company_id)
    return {"admin": admin, "producer": producer}


@pytest_asyncio.fixture(scope="module")
async def api_keys(world: World, callers: dict[str, Party]) -> dict[str, dict[str, str]]:
    """Per role, the headers of a live company API key (issued by the admin, proved to authenticate)."""
    assert KEY_OPERATIONS, "no operation declares the company API-key security scheme"
    headers = {}
    for role, company_id in KEY_COMPANY_IDS.items():
        await world.company("exporter", id=company_id)
        url = f"/api/companies/{company_id}/api-keys"
        issued = await world.client.post(
            url, json={"label": "schemathesis"}, headers=callers["admin"].headers
        )
        assert issued.status_code == 201, issued.text
        headers[role] = {"Authorization": f"Bearer {issued.json()['api_key']}"}
        unknown = await world.client.get("/api/lotes/nft/no-such-lot", headers=headers[role])
        assert unknown.status_code == 404, unknown.text  # past the key check: the key authenticates
    return headers


@pytest.fixture(scope="module")
def live_api(
    settings: Settings,
    callers: dict[str, Party],
    redis_server: RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """`triboka-api serve` on a free port over the module's (seeded) database, with its documentation on and a
    Redis as in production (the Redis operations S-70/S-71 answer 503 without one)."""
    workdir = tmp_path_factory.mktemp("schemathesis")
    redis_server.flush()  # nothing cached over the other backend's database
    env = {
        **os.environ,
        "TRIBOKA_DATABASE_URL": settings.database_url,
        "TRIBOKA_REDIS_URL": redis_server.url,
        "TRIBOKA_JWT_SECRET": JWT_SECRET,
        "TRIBOKA_API_DOCS": "true",
        "TRIBOKA_FILE_STORE_PATH": str(settings.file_store_path),
        "TRIBOKA_USER_CACHE_SECONDS": "0",
        "TRIBOKA_ENCRYPTION_KEYS": "test:" + "A" * 43,  # a key ring of its own, as in production
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
        **{f"TRIBOKA_{name.upper()}": value for name, value in GENEROUS_LIMITS.items()},
    }
    port = free_port()
    log = workdir / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "triboka-api"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    wait_until_live(base, process, log)
    yield base
    process.terminate()
    process.wait(timeout=30)
    errors = [line for line in log.read_text().splitlines() if "unhandled error" in line]
    assert not errors, "\n".join(errors[:5])


DOCUMENT = create_app(Settings(api_docs=True, jwt_secret=JWT_SECRET)).openapi()
KEY_OPERATIONS = {
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if operation.get("security") == [{API_KEY_SCHEME: []}]
}


def _operations() -> list[Any]:
    """Every documented operation of the app (its own document, which test_openapi.py holds equal to the
    committed one), but logout: it revokes the caller's token, so every later request would only see 401s."""
    loaded = schemathesis.openapi.from_dict(DOCUMENT)
    operations = [result.ok() for result in loaded.get_all_operations()]
    return [o for o in operations if (o.method.upper(), o.path) != ("POST", "/api/auth/logout")]


CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure names the request as it was sent
)


@pytest.mark.parametrize("role", ["admin", "producer"])
@pytest.mark.parametrize("operation", _operations(), ids=lambda o: f"{o.method.upper()} {o.path}")
def test_every_documented_operation(
    operation: Any, role: str, live_api: str, callers: dict[str, Party], api_keys: dict[str, dict[str, str]]
) -> None:
    key_operation = (operation.method.upper(), operation.path) in KEY_OPERATIONS
    headers = api_keys[role] if key_operation else callers[role].headers

    @given(case=operation.as_strategy())
    @BOUNDED
    def call(case: Any) -> None:
        case.call_and_validate(base_url=live_api, headers=headers, checks=CHECKS)

    call()
