"""Fixtures shared by every test tier."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.support.postgres import admin_execute


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
