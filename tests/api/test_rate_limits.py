"""Rate limits and login lockout (issue 11, §10.2 Δ 40-44), seen from the client that is throttled: the general
per-client budget, the credential routes' limits per account and per client IP, the exponential lockout (checked
before any Argon2 work), X-Forwarded-For believed from trusted proxies only, two app instances sharing one limit
through a real Redis, the in-process store without Redis, and a Redis stopped mid-run.

The module's apps run with the suite's generous limits (conftest); each test starts apps of its own with tight ones
on the module's database. `store` runs a test on the in-process store and on a real redis-server.

Tight limits are per hour: the sliding window counter may admit one request more when a client's requests straddle a
window boundary (it weights the previous window's count and rounds down), which exact counts on minute windows would
meet every few runs; an hour window makes that a once-an-hour coincidence."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from pydantic import ValidationError
from starlette.requests import HTTPConnection
from triboka_api import rate_limits
from triboka_api.api.client_ip import client_ip
from triboka_api.app import create_app
from triboka_api.rate_limits import client_key, lockout_seconds
from triboka_api.settings import Settings

from tests.api.conftest import PASSWORD
from tests.api.helpers import assert_error
from tests.api.redis_server import RedisServer

ANY_ROUTE = "/api/lots"  # 401 without a token: every answer counts, not only successful ones
LOGIN = "/api/auth/login"
AUDIT_LOGGER = "triboka_api.audit"


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> str | None:
    """The `redis_url` of the apps under test: None (in-process store) or the session's redis-server, emptied."""
    if request.param == "memory":
        return None
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    return server.url


@pytest.fixture
def argon2_verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Argon2 verification the API performs from now on (the hashes it verified against)."""
    calls: list[str] = []
    original = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        calls.append(str(hash))
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


@asynccontextmanager
async def serving(settings: Settings, **overrides: Any) -> AsyncIterator[FastAPI]:
    """Another app on the module's database, with `overrides` on its settings."""
    app = create_app(Settings(**(settings.model_dump() | overrides)))
    async with app.router.lifespan_context(app):
        yield app


def client_from(app: FastAPI, ip: str = "198.51.100.10") -> httpx.AsyncClient:
    """A client whose connections come from `ip`."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40123))
    return httpx.AsyncClient(transport=transport, base_url="http://api.test")


async def statuses(client: httpx.AsyncClient, count: int, **kwargs: Any) -> list[int]:
    return [(await client.get(ANY_ROUTE, **kwargs)).status_code for _ in range(count)]


def wrong(email: str) -> dict[str, str]:
    return {"email": email, "password": "not-the-password"}


def right(email: str) -> dict[str, str]:
    return {"email": email, "password": PASSWORD}


# The general per-client budget ----------------------------------------------------------------------------------


async def test_the_budget_answers_429_with_retry_after_and_other_clients_still_pass(
    settings: Settings, store: str | None
) -> None:
    async with (
        serving(settings, redis_url=store, rate_limit_default="5/hour") as app,
        client_from(app, "198.51.100.1") as alice,
        client_from(app, "198.51.100.2") as bob,
    ):
        assert await statuses(alice, 5) == [401] * 5
        refused = await alice.get(ANY_ROUTE)
        assert_error(refused, 429, "too many requests")
        assert 1 <= int(refused.headers["retry-after"]) <= 3600
        assert refused.headers["x-ratelimit-limit"] == "5"
        assert refused.headers["x-ratelimit-remaining"] == "0"
        # any method and any path draw on the same budget, unknown routes too
        assert (await alice.post(LOGIN, json=right("x@example.com"))).status_code == 429
        assert (await alice.get("/api/no-such-route")).status_code == 429
        assert await statuses(bob, 1) == [401]


async def test_retry_after_is_when_the_client_may_come_back(settings: Settings, store: str | None) -> None:
    async with (
        serving(settings, redis_url=store, rate_limit_default="2/second") as app,
        client_from(app) as client,
    ):
        # a one-second window may start between two requests: send until refused (a few requests at most)
        responses = [await client.get(ANY_ROUTE) for _ in range(6)]
        refused = next(r for r in responses if r.status_code == 429)
        await asyncio.sleep(int(refused.headers["retry-after"]) + 0.05)
        assert await statuses(client, 1) == [401]


async def test_probes_are_never_limited_nor_counted(settings: Settings) -> None:
    async with (
        serving(settings, rate_limit_default="2/hour") as app,
        client_from(app) as client,
    ):
        for path in ("/api/health", "/health", "/api/health/live"):
            for _ in range(5):
                assert (await client.get(path)).status_code == 200, path
        assert await statuses(client, 3) == [401, 401, 429]


async def test_limits_switched_off(settings: Settings) -> None:
    async with (
        serving(settings, rate_limit_enabled=False, rate_limit_default="1/hour") as app,
        client_from(app) as client,
    ):
        assert await statuses(client, 5) == [401] * 5
        assert app.state.rate_limits is None


# Login, registration and password changes ----------------------------------------------------------------------


async def test_login_is_limited_per_account_whatever_the_ip(
    settings: Settings, world, store: str | None, argon2_verifications: list[str]
) -> None:
    victim = await world.user("producer", login=False)
    bystander = await world.user("producer", login=False)
    async with serving(settings, redis_url=store, rate_limit_auth_account="3/hour") as app:
        for n in range(3):
            async with client_from(app, f"203.0.113.{n + 1}") as client:
                assert_error(await client.post(LOGIN, json=wrong(victim.email)), 401)
        argon2_verifications.clear()
        async with client_from(app, "203.0.113.99") as client:
            refused = await client.post(LOGIN, json=right(victim.email))
            assert_error(refused, 429, "too many")
            assert 1 <= int(refused.headers["retry-after"]) <= 3600
            # the same account however its e-mail is spelled
            spelled = {"email": f"  {victim.email.upper()} ", "password": PASSWORD}
            assert (await client.post(LOGIN, json=spelled)).status_code == 429
            assert argon2_verifications == []  # refused before any password work
            assert (await client.post(LOGIN, json=right(bystander.email))).status_code == 200


async def test_credential_routes_share_a_limit_per_client_ip(
    settings: Settings, world, store: str | None
) -> None:
    users = [await world.user("buyer", login=False) for _ in range(3)]
    async with serving(settings, redis_url=store, rate_limit_auth_ip="3/hour") as app:
        async with client_from(app, "192.0.2.1") as first_ip:
            assert (await first_ip.post(LOGIN, json=right(users[0].email))).status_code == 200
            assert (await first_ip.post(LOGIN, json=wrong(users[1].email))).status_code == 401
            registration = {
                "name": "New",
                "email": f"ip-limit-{uuid.uuid4().hex[:8]}@example.com",
                "password": "pw-123456",
            }
            assert (await first_ip.post("/api/auth/register", json=registration)).status_code == 201
            assert_error(await first_ip.post(LOGIN, json=right(users[2].email)), 429, "too many")
            # a body that names no account is still counted for the IP
            assert (await first_ip.post(LOGIN, content=b"not json")).status_code == 429
        async with client_from(app, "192.0.2.2") as second_ip:
            assert (await second_ip.post(LOGIN, json=right(users[2].email))).status_code == 200


async def test_registration_is_limited_per_e_mail(settings: Settings, store: str | None) -> None:
    local = f"Register-{uuid.uuid4().hex[:8]}"
    body = {"name": "Twice", "email": f"{local}@example.com", "password": "pw-123456"}
    async with serving(settings, redis_url=store, rate_limit_auth_account="2/hour") as app:
        async with client_from(app, "192.0.2.10") as client:
            assert (await client.post("/api/auth/register", json=body)).status_code == 201
            assert_error(await client.post("/api/auth/register", json=body), 400, "already")
        async with client_from(app, "192.0.2.11") as client:
            again = body | {"email": f" {local.lower()}@EXAMPLE.com"}
            assert_error(await client.post("/api/auth/register", json=again), 429, "too many")


async def test_password_changes_are_limited_per_calling_account(settings: Settings, world, admin) -> None:
    target = await world.user("producer", login=False)
    other_admin = await world.user("admin", company=None)
    path = f"/api/users/{target.id}"
    async with serving(settings, rate_limit_auth_account="2/hour") as app, client_from(app) as client:
        # nobody without a token can spend an account's budget
        for _ in range(3):
            assert (await client.put(path, json={"password": "new-pw-1"})).status_code == 401
        for n in range(2):
            response = await client.put(path, json={"password": f"new-pw-{n}"}, headers=admin.headers)
            assert response.status_code == 200, response.text
        refused = await client.put(path, json={"password": "new-pw-3"}, headers=admin.headers)
        assert_error(refused, 429, "too many")
        assert "retry-after" in refused.headers
        # other changes are no password change; another admin has its own budget
        assert (await client.put(path, json={"first_name": "Ana"}, headers=admin.headers)).status_code == 200
        changed = await client.put(path, json={"password": "new-pw-4"}, headers=other_admin.headers)
        assert changed.status_code == 200


# Lockout -------------------------------------------------------------------------------------------------------


def test_lockout_starts_at_the_fifth_failure_and_doubles_up_to_fifteen_minutes() -> None:
    assert [lockout_seconds(n) for n in range(1, 17)] == [
        *(0, 0, 0, 0),
        *(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
        *(900, 900),
    ]


async def test_lockout_grows_and_a_success_resets_it(
    settings: Settings,
    world,
    store: str | None,
    argon2_verifications: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = await world.user("buyer", login=False)
    caplog.set_level("INFO", logger=AUDIT_LOGGER)
    async with serving(settings, redis_url=store) as app, client_from(app) as client:
        for _ in range(5):
            assert_error(await client.post(LOGIN, json=wrong(user.email)), 401)
        verified = len(argon2_verifications)
        locked = await client.post(LOGIN, json=right(user.email))
        assert_error(locked, 429, "failed logins")
        assert locked.headers["retry-after"] == "1"
        assert len(argon2_verifications) == verified  # a locked account costs no Argon2
        await asyncio.sleep(1.05)

        assert_error(await client.post(LOGIN, json=wrong(user.email)), 401)  # the 6th failure: 2 s
        locked = await client.post(LOGIN, json=right(user.email))
        assert (locked.status_code, locked.headers["retry-after"]) == (429, "2")
        await asyncio.sleep(1.0)
        assert (await client.post(LOGIN, json=right(user.email))).status_code == 429
        await asyncio.sleep(1.05)

        assert (await client.post(LOGIN, json=right(user.email))).status_code == 200
        for _ in range(4):  # the count started again: four failures lock nothing
            assert_error(await client.post(LOGIN, json=wrong(user.email)), 401)
        assert (await client.post(LOGIN, json=right(user.email))).status_code == 200

    # each lockout is an audit event: a committed row, logged as one JSON line
    lockouts = [
        r.fields for r in caplog.records if getattr(r, "fields", {}).get("event_type") == "auth.lockout"
    ]
    assert [
        (e["target_email"], e["detail"]["failures"], e["detail"]["locked_seconds"]) for e in lockouts
    ] == [
        (user.email, 5, 1),
        (user.email, 6, 2),
    ]
    assert all(e["ip"] == "198.51.100.10" and e["outcome"] == "failure" for e in lockouts)


async def test_unknown_accounts_lock_out_like_known_ones(settings: Settings) -> None:
    """Otherwise the lockout would tell which e-mails have an account."""
    async with serving(settings) as app, client_from(app) as client:
        for _ in range(5):
            assert_error(await client.post(LOGIN, json=wrong("nobody-here@example.com")), 401)
        assert_error(await client.post(LOGIN, json=wrong("nobody-here@example.com")), 429, "failed logins")


# Who the client is ---------------------------------------------------------------------------------------------


def _connection(peer: str | None, forwarded: list[str], trusted: str) -> HTTPConnection:
    state = SimpleNamespace(settings=Settings(trusted_proxies=trusted))
    return HTTPConnection(
        {
            "type": "http",
            "client": (peer, 50000) if peer is not None else None,
            "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
            "app": SimpleNamespace(state=state),
        }
    )


PROXIES = "10.0.0.0/8, fd00::/8"
SPOOFED = ", ".join(["6.6.6.6"] * 5000)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        # an untrusted peer is the client whatever it claims
        ("203.0.113.7", ["1.2.3.4"], "", "203.0.113.7"),
        ("203.0.113.7", ["1.2.3.4"], PROXIES, "203.0.113.7"),
        ("203.0.113.7", [], PROXIES, "203.0.113.7"),
        # behind trusted proxies: the right-most address that is not one of them
        ("10.0.0.5", ["198.51.100.4"], PROXIES, "198.51.100.4"),
        ("10.0.0.5", ["6.6.6.6, 198.51.100.4"], PROXIES, "198.51.100.4"),
        ("10.0.0.5", ["198.51.100.4, 10.1.1.1, 10.2.2.2"], PROXIES, "198.51.100.4"),
        ("10.0.0.5", ["6.6.6.6", "198.51.100.4, 10.1.1.1"], PROXIES, "198.51.100.4"),
        ("10.0.0.5", [f"{SPOOFED}, 198.51.100.4"], PROXIES, "198.51.100.4"),
        ("10.0.0.5", [" 198.51.100.4 ,\t10.1.1.1 "], PROXIES, "198.51.100.4"),
        # every hop trusted: the left-most
        ("10.0.0.5", ["10.1.1.1, 10.2.2.2"], PROXIES, "10.1.1.1"),
        # a trusted peer without the header, or with nothing usable in it
        ("10.0.0.5", [], PROXIES, "10.0.0.5"),
        ("10.0.0.5", [""], PROXIES, "10.0.0.5"),
        # hostile or malformed entries stop the walk at the nearest trusted hop
        ("10.0.0.5", ["198.51.100.4, not-an-ip"], PROXIES, "10.0.0.5"),
        ("10.0.0.5", ["198.51.100.4:443"], PROXIES, "10.0.0.5"),
        ("10.0.0.5", ["unknown, 10.9.9.9"], PROXIES, "10.9.9.9"),
        ("10.0.0.5", ["<script>, 10.9.9.9"], PROXIES, "10.9.9.9"),
        ("10.0.0.5", ["198.51.100.4,,"], PROXIES, "10.0.0.5"),
        # IPv6, and IPv4 peers seen through a dual-stack socket
        ("fd00::1", ["2001:db8::7"], PROXIES, "2001:db8::7"),
        ("::ffff:10.0.0.5", ["198.51.100.4"], PROXIES, "198.51.100.4"),
        ("::ffff:203.0.113.7", ["1.2.3.4"], PROXIES, "203.0.113.7"),
        ("10.0.0.5", ["::ffff:198.51.100.4"], PROXIES, "198.51.100.4"),
        # a peer that is no address (a test client, a unix socket) is passed through; none is None
        ("testclient", ["1.2.3.4"], PROXIES, "testclient"),
        (None, ["1.2.3.4"], PROXIES, None),
    ],
)
def test_client_ip(peer: str | None, forwarded: list[str], trusted: str, expected: str | None) -> None:
    assert client_ip(_connection(peer, forwarded, trusted)) == expected


def test_an_ipv6_client_is_counted_by_its_64_prefix() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("198.51.100.4") == "198.51.100.4"
    assert client_key(None) == "unknown"


async def test_clients_behind_a_trusted_proxy_have_their_own_budgets(settings: Settings) -> None:
    async with (
        serving(settings, rate_limit_default="2/hour", trusted_proxies="10.0.0.0/8") as app,
        client_from(app, "10.0.0.2") as proxy,
    ):
        for client in ("198.51.100.1", "198.51.100.2"):
            forwarded = {"X-Forwarded-For": client}
            assert await statuses(proxy, 3, headers=forwarded) == [401, 401, 429], client
        # a client behind the proxy cannot shed its budget by prepending addresses
        spoofed = {"X-Forwarded-For": "1.1.1.1, 198.51.100.1"}
        assert await statuses(proxy, 1, headers=spoofed) == [429]


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings: Settings) -> None:
    async with (
        serving(settings, rate_limit_default="2/hour", trusted_proxies="10.0.0.0/8") as app,
        client_from(app, "203.0.113.66") as attacker,
    ):
        codes = [
            (await attacker.get(ANY_ROUTE, headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
            for n in range(3)
        ]
        assert codes == [401, 401, 429]


# Stores: shared through Redis, in-process without it, and a Redis outage ---------------------------------------


async def test_two_app_instances_share_one_limit_through_redis(settings: Settings, redis_server) -> None:
    redis_server.flush()
    tight = {"redis_url": redis_server.url, "rate_limit_default": "4/hour"}
    async with (
        serving(settings, **tight) as first,
        serving(settings, **tight) as second,
        client_from(first) as on_first,
        client_from(second) as on_second,
    ):
        assert await statuses(on_first, 2) + await statuses(on_second, 2) == [401] * 4
        assert await statuses(on_first, 1) + await statuses(on_second, 1) == [429, 429]
    assert redis_server.keys()
    assert all(key.startswith(b"triboka:ratelimit:") for key in redis_server.keys())  # noqa: SIM118 - a method, not a dict


async def test_without_redis_each_process_counts_in_memory(settings: Settings) -> None:
    async with (
        serving(settings, rate_limit_default="4/hour") as first,
        serving(settings, rate_limit_default="4/hour") as second,
        client_from(first) as on_first,
        client_from(second) as on_second,
    ):
        assert first.state.redis is None
        assert await statuses(on_first, 4) + await statuses(on_second, 4) == [401] * 8
        assert await statuses(on_first, 1) + await statuses(on_second, 1) == [429, 429]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test alone, which it stops and starts again."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


async def test_a_redis_outage_falls_back_to_memory_and_never_answers_500(
    settings: Settings,
    world,
    private_redis: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(rate_limits, "REDIS_RETRY_SECONDS", 0.3)
    caplog.set_level("WARNING", logger="triboka_api.rate_limits")
    user = await world.user("exporter", login=False)
    tight = {"redis_url": private_redis.url, "rate_limit_default": "3/hour"}
    async with (
        serving(settings, **tight) as app,
        client_from(app, "198.51.100.50") as client,
        client_from(app, "198.51.100.51") as login_client,
    ):
        assert await statuses(client, 2) == [401, 401]
        assert private_redis.keys()

        private_redis.stop()
        # the limit still holds, counted in this process from now on: 3 more, then 429, never a 500
        assert await statuses(client, 4) == [401, 401, 401, 429]
        assert (await login_client.post(LOGIN, json=right(user.email))).status_code == 200
        assert (await login_client.post(LOGIN, json=wrong(user.email))).status_code == 401
        assert any("Redis unavailable" in r.getMessage() for r in caplog.records)

        private_redis.start()  # empty: it keeps nothing across restarts
        await asyncio.sleep(0.35)
        assert await statuses(client, 4) == [401, 401, 401, 429]
        assert private_redis.keys()
        assert any("Redis answers again" in r.getMessage() for r in caplog.records)


# Settings ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("rate_limit_default", "lots", "TRIBOKA_RATE_LIMIT_DEFAULT"),
        ("rate_limit_auth_account", "10/fortnight", "TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT"),
        ("rate_limit_auth_ip", "0/hour", "TRIBOKA_RATE_LIMIT_AUTH_IP"),
        ("trusted_proxies", "10.0.0.0/8, 300.1.1.1", "TRIBOKA_TRUSTED_PROXIES"),
        ("trusted_proxies", "10.0.0.0/33", "TRIBOKA_TRUSTED_PROXIES"),
        ("redis_url", "http://cache:6379", "TRIBOKA_REDIS_URL"),
    ],
)
def test_bad_limit_settings_stop_the_process_with_a_clear_message(
    setting: str, value: str, named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        Settings(**{setting: value})


def test_production_defaults() -> None:
    defaults = Settings()
    assert defaults.rate_limit_enabled is True
    assert (defaults.rate_limit_default, defaults.rate_limit_auth_account, defaults.rate_limit_auth_ip) == (
        "600/minute",
        "10/minute",
        "60/minute",
    )
    assert defaults.trusted_proxies == ()
    assert defaults.redis_url is None
