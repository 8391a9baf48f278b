"""Issue 11 item 6: login was a denial of service (Argon2 on the event loop) and an oracle (unknown e-mails answered
at once). Behaviour, not timing: the hasher runs off the event loop, at most `password_hash_threads` at a time, and
every login performs exactly one verification whether or not the account exists."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest
from argon2 import PasswordHasher
from triboka_api.app import create_app
from triboka_api.models import User
from triboka_api.security import passwords
from werkzeug.security import generate_password_hash

from tests.api.conftest import PASSWORD
from tests.api.helpers import assert_error, assert_ok


@dataclass
class Spy:
    """What the Argon2 hasher was asked to do, from which threads, and how many calls ran at once."""

    hashes: int = 0
    verifies: int = 0
    threads: set[int] = field(default_factory=set)
    running: int = 0
    most_at_once: int = 0
    hold_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self) -> None:
        with self.lock:
            self.threads.add(threading.get_ident())
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(self.hold_seconds)  # a slow hash: lets concurrent calls overlap if nothing bounds them

    def leave(self) -> None:
        with self.lock:
            self.running -= 1


class SpyingHasher(PasswordHasher):
    def __init__(self, spy: Spy) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.spy = spy

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.spy.enter()
        try:
            self.spy.hashes += 1
            return super().hash(password, salt=salt)
        finally:
            self.spy.leave()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.spy.enter()
        try:
            self.spy.verifies += 1
            return super().verify(hash, password)
        finally:
            self.spy.leave()


@pytest.fixture
def spy(monkeypatch) -> Spy:
    hasher = SpyingHasher(Spy())
    monkeypatch.setattr(passwords, "_argon2", hasher)
    passwords._dummy_hash(hasher)  # the dummy hash is made once per hasher; not part of what a login does
    hasher.spy = Spy()
    return hasher.spy


def _email() -> str:
    return f"hash-{uuid.uuid4().hex[:10]}@example.com"


async def _login(client, email: str, password: str = PASSWORD):
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def test_hashing_and_verification_run_off_the_event_loop(client, spy) -> None:
    loop_thread = threading.get_ident()
    email = _email()
    body = {"name": "N", "email": email, "password": PASSWORD, "role": "buyer"}
    assert_ok(await client.post("/api/auth/register", json=body), 201)
    assert_ok(await _login(client, email))
    assert (spy.hashes, spy.verifies) == (1, 1)
    assert spy.threads
    assert loop_thread not in spy.threads


@pytest.mark.parametrize("account", ["unknown", "wrong-password", "no-password", "inactive", "right"])
async def test_every_login_performs_exactly_one_verification(client, world, admin, spy, account) -> None:
    """Unknown e-mails and users without a hash verify a dummy hash: both paths do the same work."""
    email, password = _email(), PASSWORD
    if account == "no-password":
        body = {"email": email, "first_name": "No", "last_name": "Hash", "role": "buyer"}
        assert_ok(await client.post("/api/users", json=body, headers=admin.headers), 201)
    elif account != "unknown":
        party = await world.user("buyer", login=False, active=account != "inactive")
        email = party.email
        password = "not-it" if account == "wrong-password" else PASSWORD
    spy.verifies = spy.hashes = 0
    response = await _login(client, email, password)
    assert response.status_code == (200 if account == "right" else 401), response.text
    assert spy.verifies == 1
    assert spy.hashes == 0


async def test_concurrent_logins_are_bounded_and_the_loop_stays_free(client, world, app, spy) -> None:
    """Six concurrent logins: at most `password_hash_threads` (2) verifications at once, and the liveness probe is
    answered while they wait (it would queue behind them if a hash held the event loop)."""
    assert app.state.settings.password_hash_threads == 2
    party = await world.user("buyer", login=False)
    spy.hold_seconds = 0.2
    logins = [asyncio.create_task(_login(client, party.email)) for _ in range(6)]
    await asyncio.sleep(0.05)
    live = await client.get("/api/health/live")
    assert live.status_code == 200
    assert sum(task.done() for task in logins) == 0  # the probe got its answer while every login still waited
    for response in await asyncio.gather(*logins):
        assert_ok(response)
    assert spy.most_at_once == 2
    assert spy.verifies == 6


async def test_a_werkzeug_rehash_also_runs_off_the_loop(client, world, spy) -> None:
    party = await world.user("producer", login=False)
    legacy = generate_password_hash("old-Passw0rd", method="pbkdf2:sha256:1000")
    await world.update(User, party.id, password_hash=legacy)
    spy.hashes = 0
    spy.threads.clear()
    assert_error(await _login(client, party.email), 401)
    assert_ok(await _login(client, party.email, "old-Passw0rd"))
    assert spy.hashes == 1  # the Argon2 hash that replaces the Werkzeug one
    assert threading.get_ident() not in spy.threads


async def test_a_login_waiting_for_its_hash_holds_no_database_session(settings, world, spy) -> None:
    """With one database slot per worker, another request is served while a login's verification runs: the
    login does not keep a connection (and a transaction) open across the hash."""
    admin = await world.user("admin", company=None)
    party = await world.user("buyer", login=False)
    narrow = create_app(settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0}))
    spy.hold_seconds = 0.5
    async with (
        narrow.router.lifespan_context(narrow),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=narrow), base_url="http://api.test") as client,
    ):
        login = asyncio.create_task(_login(client, party.email))
        await asyncio.sleep(0.1)
        assert_ok(await client.get("/api/users", headers=admin.headers))
        assert not login.done()
        assert_ok(await login)
