"""Fixtures shared by every test tier."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.support.postgres import admin_execute
from tests.support.redis import REDIS_SERVER, RedisServer


@pytest.fixture(scope="session")
def pg_database_factory() -> Iterator[Callable[[str], str]]:
    """Create uniquely named empty databases; every one is dropped at the end of the session."""
    created: list[str] = []

    def create(prefix: str = "triboka_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        admin_execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return name

    yield create
    for name in created:
        admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private redis-server for the session, started on first use."""
    if REDIS_SERVER is None:
        pytest.skip(
            "redis-server is not installed (scripts/ensure-redis installs it; make test-api runs that)"
        )
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()
