"""Migration 0002_accounts_audit on a database with data: nothing lost, ids never reused afterwards (SQLite gains
AUTOINCREMENT by rebuilding every table; PostgreSQL's sequences never reused ids), and it downgrades."""

from __future__ import annotations

import asyncio
import base64
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from triboka_api.db import create_engine
from triboka_api.domain.codes import free_code
from triboka_api.domain.erp import credentials_context
from triboka_api.domain.key_ring import UnreadableSecretError, b64url
from triboka_api.domain.trace_chain import verify_chain
from triboka_api.migrate import alembic_config, head_revision
from triboka_api.schema_revision import HEAD_REVISION, SchemaOutOfDateError, ensure_current
from triboka_api.settings import Settings

from tests.support.postgres import pg_url_for

SEED = [
    "INSERT INTO companies (id, name, is_active, created_at) VALUES (1, 'Coop', true, '2025-01-01')",
    "INSERT INTO users (id, email, name, role, company_id, active, created_at, updated_at) VALUES "
    "(1, 'Ana@Example.com', 'Ana', 'admin', NULL, true, '2025-01-01', '2025-01-01'), "
    "(5, 'eve@example.com', 'Eve', 'exporter', 1, true, '2025-01-01', '2025-01-01')",
    "INSERT INTO user_profiles (id, user_id, location, updated_at) VALUES (3, 5, 'Quito', '2025-01-01')",
    "INSERT INTO export_contracts (id, contract_code, exporter_company_id, total_volume_mt, fixed_volume_mt, "
    "differential_usd, status, created_by_user_id, created_at, updated_at) "
    "VALUES (7, 'C-1', 1, 10, 2, 0, 'draft', 5, '2025-01-01', '2025-01-01')",
]
SEEDED_TABLES = ("companies", "users", "user_profiles", "export_contracts")
NEW_USER = (
    "INSERT INTO users (email, name, role, active, created_at, updated_at) "
    "VALUES ('{email}', 'New', 'buyer', true, '2025-01-02', '2025-01-02') RETURNING id"
)


def _run(settings: Settings, *statements: str) -> list[list[Any]]:
    """Each statement in its own transaction; the rows each returned."""

    async def go() -> list[list[Any]]:
        engine = create_engine(settings)
        results = []
        try:
            for statement in statements:
                async with engine.begin() as connection:
                    result = await connection.execute(text(statement))
                    results.append([tuple(row) for row in result] if result.returns_rows else [])
        finally:
            await engine.dispose()
        return results

    return asyncio.run(go())


def migrated_to(revision: str, backend: str, tmp_path: Path, pg_database_factory) -> Settings:
    """A new, empty database of the backend, migrated to `revision`."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    else:
        url = pg_url_for(pg_database_factory("triboka_migration"), "postgresql+asyncpg")
    settings = Settings(database_url=url)
    command.upgrade(alembic_config(settings), revision)
    return settings


@pytest.fixture
def at_0001(backend: str, tmp_path: Path, pg_database_factory) -> Settings:
    """An empty database migrated to 0001 only, then seeded: a user with the highest id, rows that reference it."""
    settings = migrated_to("0001", backend, tmp_path, pg_database_factory)
    _run(settings, *SEED)
    if (
        backend == "postgresql"
    ):  # explicit ids leave the sequences behind; the importer moves them on the same way
        _run(settings, *(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), 10)" for t in SEEDED_TABLES))
    return settings


def test_upgrade_keeps_the_data_and_never_reuses_an_id(at_0001: Settings) -> None:
    command.upgrade(alembic_config(at_0001), "head")
    users, profiles, contracts = _run(
        at_0001,
        "SELECT id, email, company_id, token_version, pending_approval FROM users ORDER BY id",
        "SELECT id, user_id, location FROM user_profiles",
        "SELECT id, created_by_user_id, fixed_volume_mt FROM export_contracts",
    )
    assert [row[:3] for row in users] == [(1, "Ana@Example.com", None), (5, "eve@example.com", 1)]
    assert all(row[3] == 0 and not row[4] for row in users)
    assert profiles == [(3, 5, "Quito")]
    assert [(row[0], row[1], float(row[2])) for row in contracts] == [(7, 5, 2.0)]
    # the user with the highest id leaves: its id is never handed out again
    (_, _, _, new_id) = _run(
        at_0001,
        "DELETE FROM export_contracts",
        "DELETE FROM user_profiles",
        "DELETE FROM users WHERE id = 5",
        NEW_USER.format(email="new@example.com"),
    )
    assert new_id[0][0] > 5
    # what the rebuild must not lose: the case-insensitive e-mail index and the contract's CHECK
    with pytest.raises(Exception, match=r"(?i)unique"):
        _run(at_0001, NEW_USER.format(email="ANA@example.com"))
    with pytest.raises(Exception, match=r"(?i)check"):
        _run(
            at_0001,
            "INSERT INTO export_contracts (contract_code, total_volume_mt, fixed_volume_mt, differential_usd, "
            "status, created_at, updated_at) VALUES ('C-2', 1, 5, 0, 'draft', '2025-01-01', '2025-01-01')",
        )


def test_sqlite_tables_become_autoincrement_and_keep_their_foreign_keys(
    backend: str, at_0001: Settings
) -> None:
    if backend != "sqlite":
        pytest.skip("AUTOINCREMENT is SQLite's; PostgreSQL sequences never reused ids")
    command.upgrade(alembic_config(at_0001), "head")
    with closing(sqlite3.connect(at_0001.sqlalchemy_url.database)) as db:
        tables = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        profile_fks = db.execute("PRAGMA foreign_key_list(user_profiles)").fetchall()
    plain = {
        "alembic_version",
        "batch_lots",
        "code_counters",
        "sqlite_sequence",
    }  # no integer id of their own
    for name, sql in tables.items():
        assert ("AUTOINCREMENT" in sql) == (name not in plain), name
    assert [(row[2], row[3], row[6]) for row in profile_fks] == [("users", "user_id", "CASCADE")]


def test_downgrade_and_upgrade_again(at_0001: Settings) -> None:
    config = alembic_config(at_0001)
    command.upgrade(config, "head")
    _run(
        at_0001,
        "INSERT INTO audit_events (occurred_at, event_type, outcome) VALUES ('2025-01-01', 'x', 'success')",
    )
    command.downgrade(config, "0001")
    assert _run(at_0001, "SELECT count(*) FROM users") == [[(2,)]]
    command.upgrade(config, "head")
    assert _run(at_0001, "SELECT count(*) FROM audit_events") == [[(0,)]]


def test_second_tier_back_fills_each_entity_chain_in_recording_order(at_0001: Settings) -> None:
    """0005: existing events get their positions in id order (not by event time) and valid seals."""
    config = alembic_config(at_0001)
    command.upgrade(config, "0003_legacy_rows")
    _run(
        at_0001,
        "INSERT INTO trace_events (id, event_type, entity_type, entity_id, title, status, is_public, "
        "event_timestamp, created_at, updated_at) VALUES "
        "(3, 'harvest', 'lot', '1', 'a', 'active', true, '2025-03-01', '2025-03-01', '2025-03-01'), "
        "(4, 'drying', 'lot', '2', 'b', 'active', true, '2025-01-01', '2025-01-01', '2025-01-01'), "
        "(6, 'drying', 'lot', '1', 'c', 'active', false, '2025-01-01', '2025-01-01', '2025-01-01')",
    )
    command.upgrade(config, "head")
    rows = _run(at_0001, "SELECT id, chain_seq FROM trace_events ORDER BY id")[0]
    assert rows == [(3, 1), (4, 1), (6, 2)]

    async def verify(entity_id: str) -> list[bool]:
        engine = create_engine(at_0001)
        try:
            async with engine.connect() as connection:
                checks = await connection.run_sync(lambda sync: verify_chain(sync, "lot", entity_id))
        finally:
            await engine.dispose()
        return [check.valid for check in checks]

    assert asyncio.run(verify("1")) == [True, True]
    assert asyncio.run(verify("2")) == [True]


def _legacy_fernet(secret: str) -> Fernet:
    """How the release before the key ring keyed ERP credentials (HKDF-SHA256 of the secret to a Fernet key)."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"triboka erp credentials v1")
    return Fernet(base64.urlsafe_b64encode(derived.derive(secret.encode())))


@pytest.mark.parametrize("erp_key", [None, "a-dedicated-erp-credentials-key-0123456789"])
def test_0012_moves_did_keys_and_erp_credentials_into_the_key_ring(
    backend: str, tmp_path: Path, pg_database_factory, erp_key: str | None
) -> None:
    """Δ 197: DIDs keep their sealed key (its id moves into the envelope); ERP credentials sealed with Fernet under
    the dedicated key, or the JWT secret when it was unset, are sealed again under the ring; a token that did not
    decrypt before is left alone; and the downgrade gives the first format back."""
    ring_text = f"k1:{b64url(bytes(range(32)))}"
    settings = migrated_to("0010_erp", backend, tmp_path, pg_database_factory).model_copy(
        update={
            "encryption_keys": SecretStr(ring_text),
            "erp_credentials_key": SecretStr(erp_key) if erp_key else None,
            "jwt_secret": SecretStr("the-jwt-secret-of-that-deployment-0123456789"),
        }
    )
    ring = settings.key_ring
    did = "did:triboka:user:1"
    _, _, did_token = ring.seal(b"s" * 32, did).split(":")
    legacy = _legacy_fernet(erp_key or "the-jwt-secret-of-that-deployment-0123456789")
    credentials = b'{"api_key": "erp-key-1"}'
    fernet_token = legacy.encrypt(credentials).decode()
    _run(
        settings,
        "INSERT INTO users (id, email, name, role, active, token_version, pending_approval, created_at, updated_at)"
        " VALUES (1, 'a@example.com', 'A', 'exporter', true, 0, false, '2025-01-01', '2025-01-01')",
        "INSERT INTO digital_identities (id, did, user_id, kyc_status, public_key, encrypted_private_key, key_id, "  # noqa: S608 - test values
        f"reputation_score, is_active, created_at, updated_at) VALUES (1, '{did}', 1, 'pending', 'pk', "
        f"'{did_token}', 'k1', 0, true, '2025-01-01', '2025-01-01')",
        "INSERT INTO erp_connections (id, connection_id, system_type, name, base_url, credentials, status, "  # noqa: S608 - test values
        f"created_at) VALUES (1, 'custom_1', 'custom', 'A', 'https://erp', '{fernet_token}', 'connected', "
        "'2025-01-01'), (2, 'custom_2', 'custom', 'B', 'https://erp', 'gAAAAAlost', 'connected', '2025-01-01')",
    )
    config = alembic_config(settings)
    command.upgrade(config, "head")
    [[(envelope,)], erp_rows] = _run(
        settings,
        "SELECT encrypted_private_key FROM digital_identities",
        "SELECT connection_id, credentials FROM erp_connections ORDER BY id",
    )
    assert envelope == f"v1:k1:{did_token}"
    assert ring.open(envelope, did) == b"s" * 32
    [(first, sealed), (second, lost)] = erp_rows
    assert sealed.startswith("v1:k1:")
    assert ring.open(sealed, credentials_context(first)) == credentials
    with pytest.raises(UnreadableSecretError):  # bound to its own connection
        ring.open(sealed, credentials_context(second))
    assert lost == "gAAAAAlost"
    command.downgrade(config, "0010_erp")
    [[row], erp_rows] = _run(
        settings,
        "SELECT key_id, encrypted_private_key FROM digital_identities",
        "SELECT credentials FROM erp_connections ORDER BY id",
    )
    assert row == ("k1", did_token)
    assert legacy.decrypt(erp_rows[0][0].encode()) == credentials
    assert erp_rows[1][0] == "gAAAAAlost"


def test_code_counters_start_after_the_stored_codes(at_0001: Settings) -> None:
    """0011: each code base's counter starts at the highest stored number under it (a bare base is 1), so the next
    allocation follows the stored codes; codes of other formats are left alone."""
    config = alembic_config(at_0001)
    command.upgrade(config, "0010_erp")
    _run(
        at_0001,
        "INSERT INTO producer_lots (id, lot_code, status, created_at, updated_at) VALUES "
        "(1, 'LOT-COO-20250105100000-001', 'available', '2025-01-01', '2025-01-01'), "
        "(2, 'LOT-COO-20250105100000-001-3', 'available', '2025-01-01', '2025-01-01'), "
        "(3, 'LOT-A-B-20250105100001-001', 'available', '2025-01-01', '2025-01-01'), "
        "(4, 'OLD-7', 'available', '2025-01-01', '2025-01-01')",
        "UPDATE export_contracts SET contract_code = 'PURCHASE-BUY-COO-20250101000000-2' WHERE id = 7",
    )
    command.upgrade(config, "head")
    rows = _run(at_0001, "SELECT key, last_number FROM code_counters ORDER BY key")[0]
    assert rows == [
        ("LOT-A-B-20250105100001-001", 1),
        ("LOT-COO-20250105100000-001", 3),
        ("PURCHASE-BUY-COO-20250101000000", 2),
    ]

    async def next_code(base: str) -> str:
        engine = create_engine(at_0001)
        try:
            async with AsyncSession(engine) as session:
                return await free_code(session, base)
        finally:
            await engine.dispose()

    assert asyncio.run(next_code("LOT-COO-20250105100000-001")) == "LOT-COO-20250105100000-001-4"
    assert asyncio.run(next_code("LOT-NEW-20250105100000-001")) == "LOT-NEW-20250105100000-001"


def test_the_workers_schema_check_names_alembics_head() -> None:
    """Workers check the schema without Alembic (schema_revision): the revision they expect is Alembic's head. A
    new migration must move HEAD_REVISION too, or every worker would refuse the migrated database."""
    assert head_revision() == HEAD_REVISION


def test_a_database_one_migration_behind_is_refused(
    backend: str, tmp_path: Path, pg_database_factory
) -> None:
    behind = migrated_to("0011_code_counters", backend, tmp_path, pg_database_factory)

    async def check(settings: Settings) -> None:
        engine = create_engine(settings)
        try:
            await ensure_current(engine)
        finally:
            await engine.dispose()

    with pytest.raises(SchemaOutOfDateError, match="at revision 0011_code_counters, this release needs 0012"):
        asyncio.run(check(behind))
    command.upgrade(alembic_config(behind), "head")
    asyncio.run(check(behind))  # at the head: no complaint
