"""Deal room real time (§5.6, Δ 110) across replicas: two real API processes (`triboka-api serve`, uvicorn) on
one database share a real redis-server; a python-socketio client connects to each. A message sent through one
reaches the other; the socket refuses a connection without a valid platform JWT; a non-member cannot join a
room; a read-only impersonation token listens but cannot send."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
import socketio

from tests.api.redis_server import RedisServer
from tests.support.net import free_port, wait_until_live

BIN = Path(sys.executable).parent
SECRET = "realtime-tests-secret-0123456789abcdef0123"
PASSWORD = "Realtime-pw-1!"
WAIT = 10.0


def _env(workdir: Path, redis_url: str, name: str) -> dict[str, str]:
    return {
        **os.environ,
        "TRIBOKA_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'api.sqlite'}",
        "TRIBOKA_JWT_SECRET": SECRET,
        "TRIBOKA_REDIS_URL": redis_url,
        "TRIBOKA_RATE_LIMIT_ENABLED": "false",
        "TRIBOKA_FILE_STORE_PATH": str(workdir / "files"),
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / f"metrics-{name}"),
    }


def _start(workdir: Path, env: dict[str, str], name: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    log = (workdir / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "triboka-api"), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_live(base, process, workdir / f"{name}.log")
    return base, process


@dataclass
class Replicas:
    a: str
    b: str


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer) -> Iterator[Replicas]:
    workdir = tmp_path_factory.mktemp("realtime")
    env = _env(workdir, redis_server.url, "a")
    for args in (["migrate"], ["create-admin", "--email", "broker@example.com", "--password", PASSWORD]):
        result = subprocess.run([str(BIN / "triboka-api"), *args], env=env, capture_output=True, timeout=120)
        assert result.returncode == 0, result.stderr
    processes = []
    try:
        a, process_a = _start(workdir, env, "a")
        processes.append(process_a)
        b, process_b = _start(workdir, _env(workdir, redis_server.url, "b"), "b")
        processes.append(process_b)
        yield Replicas(a, b)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class User:
    id: int
    token: str
    company_id: int | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def _login(client: httpx.AsyncClient, email: str) -> User:
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    return User(body["user"]["id"], body["access_token"], body["user"]["company_id"])


async def _producer(client: httpx.AsyncClient, name: str) -> User:
    """A producer who registered itself: it gets a company of its own (C-04)."""
    email = f"{name}@example.com"
    body = {"name": name, "email": email, "password": PASSWORD, "role": "producer"}
    assert (await client.post("/api/auth/register", json=body)).status_code == 201
    return await _login(client, email)


@dataclass
class Cast:
    broker: User
    producer: User  # the deal's producer company
    exporter: User  # the deal's exporter company (a self-registered producer's company)
    stranger: User
    deal_id: int


@pytest_asyncio.fixture(scope="module")
async def cast(replicas: Replicas) -> Cast:
    async with httpx.AsyncClient(base_url=replicas.a) as client:
        broker = await _login(client, "broker@example.com")
        producer, exporter, stranger = [await _producer(client, n) for n in ("prod-a", "prod-b", "prod-c")]
        body = {"producer_id": producer.company_id, "exporter_id": exporter.company_id}
        response = await client.post("/api/deals", json=body, headers=broker.headers)
        assert response.status_code == 201, response.text
        return Cast(broker, producer, exporter, stranger, response.json()["deal"]["id"])


@dataclass
class Listener:
    """A Socket.IO client that records every server event it receives."""

    client: socketio.AsyncClient
    events: asyncio.Queue[tuple[str, Any]] = field(default_factory=asyncio.Queue)

    async def next(self, name: str, seconds: float = WAIT) -> Any:
        async with asyncio.timeout(seconds):
            while True:
                event, data = await self.events.get()
                if event == name:
                    return data

    async def none_of(self, name: str, seconds: float = 1.5) -> None:
        try:
            data = await self.next(name, seconds)
        except TimeoutError:
            return
        pytest.fail(f"unexpected {name}: {data}")


@pytest_asyncio.fixture
async def connect() -> AsyncIterator[Any]:
    opened: list[socketio.AsyncClient] = []

    async def open_one(base: str, token: str | None, ticket: str | None = None) -> Listener:
        client = socketio.AsyncClient(reconnection=False)
        listener = Listener(client)

        async def record(event: str, data: Any = None) -> None:
            await listener.events.put((event, data))

        client.on("*", record)
        opened.append(client)
        auth = {"ticket": ticket} if ticket else {"token": token} if token else None
        await client.connect(base, auth=auth, transports=["websocket"], wait_timeout=WAIT)
        return listener

    yield open_one
    for client in opened:
        if client.connected:
            await client.disconnect()


async def test_a_message_sent_through_one_replica_reaches_the_other(replicas, cast, connect) -> None:
    on_a = await connect(replicas.a, cast.producer.token)
    on_b = await connect(replicas.b, cast.exporter.token)
    for listener in (on_a, on_b):
        await listener.client.emit("join_deal", {"deal_id": cast.deal_id, "user_id": 999999})
        assert await listener.next("joined_room") == {"deal_id": cast.deal_id, "room": f"deal_{cast.deal_id}"}
    await on_a.client.emit("send_message", {"deal_id": cast.deal_id, "content": "Hola desde A", "user_id": 1})
    sent = await on_a.next("message_sent")
    received = await on_b.next("new_message")
    assert received["id"] == sent["message_id"]
    assert (received["content"], received["author_id"], received["message_type"]) == (
        "Hola desde A",
        cast.producer.id,  # from the token, not the client-sent user_id
        "chat",
    )
    await on_b.client.emit("typing_start", {"deal_id": cast.deal_id})
    assert (await on_a.next("user_typing"))["is_typing"] is True
    # a message posted over REST on replica B reaches the client on replica A
    async with httpx.AsyncClient(base_url=replicas.b) as client:
        response = await client.post(
            f"/api/deals/{cast.deal_id}/messages", json={"content": "Vía REST"}, headers=cast.broker.headers
        )
        assert response.status_code == 201, response.text
    rest = await on_a.next("new_message")
    assert (rest["content"], rest["author_id"]) == ("Vía REST", cast.broker.id)
    # and it is stored once, in order
    async with httpx.AsyncClient(base_url=replicas.a) as client:
        stored = (
            await client.get(f"/api/deals/{cast.deal_id}/messages", headers=cast.exporter.headers)
        ).json()
    assert [m["content"] for m in stored][-2:] == ["Hola desde A", "Vía REST"]


@pytest.mark.parametrize("token", [None, "not-a-jwt", "forged"])
async def test_a_connection_without_a_valid_jwt_is_refused(replicas, cast, connect, token) -> None:
    if token == "forged":  # signed with another secret
        token = cast.producer.token[:-4] + ("AAAA" if not cast.producer.token.endswith("AAAA") else "BBBB")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await connect(replicas.a, token)


async def test_a_non_member_cannot_join_or_listen(replicas, cast, connect) -> None:
    member = await connect(replicas.a, cast.producer.token)
    await member.client.emit("join_deal", {"deal_id": cast.deal_id})
    await member.next("joined_room")
    intruder = await connect(replicas.b, cast.stranger.token)
    await intruder.client.emit("join_deal", {"deal_id": cast.deal_id, "user_id": cast.producer.id})
    assert "message" in await intruder.next("error")
    await intruder.client.emit("send_message", {"deal_id": cast.deal_id, "content": "intruso"})
    assert "message" in await intruder.next("error")
    await intruder.client.emit("typing_start", {"deal_id": cast.deal_id})
    await intruder.next("error")
    await member.none_of("user_typing")
    await member.client.emit("send_message", {"deal_id": cast.deal_id, "content": "solo miembros"})
    await member.next("message_sent")
    await intruder.none_of("new_message")
    await intruder.client.emit("join_deal", {"deal_id": 999999})
    assert "not found" in (await intruder.next("error"))["message"].lower()


async def test_an_impersonation_token_listens_but_cannot_send(replicas, cast, connect) -> None:
    async with httpx.AsyncClient(base_url=replicas.a) as client:
        response = await client.post(f"/api/auth/impersonate/{cast.producer.id}", headers=cast.broker.headers)
        assert response.status_code == 200, response.text
    watcher = await connect(replicas.b, response.json()["access_token"])
    await watcher.client.emit("join_deal", {"deal_id": cast.deal_id})
    await watcher.next("joined_room")
    await watcher.client.emit("send_message", {"deal_id": cast.deal_id, "content": "como otro"})
    assert "read-only" in (await watcher.next("error"))["message"]
    speaker = await connect(replicas.a, cast.exporter.token)
    await speaker.client.emit("join_deal", {"deal_id": cast.deal_id})
    await speaker.next("joined_room")
    await speaker.client.emit("send_message", {"deal_id": cast.deal_id, "content": "para todos"})
    assert (await watcher.next("new_message"))["content"] == "para todos"


# Δ 112: socket tickets ----------------------------------------------------------------------------------------------


async def _ticket(base: str, user: User, deal_id: int) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post("/api/realtime/ticket", json={"deal_id": deal_id}, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["ticket"]


async def test_a_ticket_from_one_replica_opens_the_socket_on_the_other(replicas, cast, connect) -> None:
    ticket = await _ticket(replicas.a, cast.exporter, cast.deal_id)
    listener = await connect(replicas.b, None, ticket=ticket)
    await listener.client.emit("join_deal", {"deal_id": cast.deal_id})
    await listener.next("joined_room")
    async with httpx.AsyncClient(base_url=replicas.a) as client:
        response = await client.post(
            f"/api/deals/{cast.deal_id}/messages",
            json={"content": "Con ticket"},
            headers=cast.producer.headers,
        )
        assert response.status_code == 201, response.text
    assert (await listener.next("new_message"))["content"] == "Con ticket"
    # the ticket names one deal: another deal's room stays shut even to a member of it
    async with httpx.AsyncClient(base_url=replicas.a) as client:
        body = {"producer_id": cast.exporter.company_id, "exporter_id": cast.producer.company_id}
        other = await client.post("/api/deals", json=body, headers=cast.broker.headers)
    await listener.client.emit("join_deal", {"deal_id": other.json()["deal"]["id"]})
    assert "another deal" in (await listener.next("error"))["message"]


async def test_expired_forged_and_misplaced_tickets_are_refused(replicas, cast, connect) -> None:
    ticket = await _ticket(replicas.a, cast.producer, cast.deal_id)
    claims = jwt.decode(ticket, options={"verify_signature": False})
    expired = jwt.encode(
        claims | {"iat": time.time() - 120, "exp": time.time() - 60}, SECRET, algorithm="HS256"
    )
    forged = jwt.encode(claims, "another-secret-0123456789abcdef0123456789", algorithm="HS256")
    for bad in (expired, forged, cast.producer.token):  # the platform JWT is no ticket
        with pytest.raises(socketio.exceptions.ConnectionError):
            await connect(replicas.b, None, ticket=bad)
    with pytest.raises(socketio.exceptions.ConnectionError):  # nor is a ticket a token
        await connect(replicas.b, ticket)


async def test_a_ticket_dies_with_its_users_session(replicas, cast, connect) -> None:
    """Logging out revokes the user's tokens (Δ 27), and with them the tickets they bought: a live socket is
    dropped at its next event, and the ticket opens no new one."""
    async with httpx.AsyncClient(base_url=replicas.a) as client:
        user = await _producer(client, "prod-ticket")
        body = {"producer_id": user.company_id, "exporter_id": cast.exporter.company_id}
        deal = await client.post("/api/deals", json=body, headers=cast.broker.headers)
    deal_id = deal.json()["deal"]["id"]
    ticket = await _ticket(replicas.a, user, deal_id)
    live = await connect(replicas.b, None, ticket=ticket)
    async with httpx.AsyncClient(base_url=replicas.a) as client:
        assert (await client.post("/api/auth/logout", headers=user.headers)).status_code == 200
    await asyncio.sleep(2.5)  # past the user cache (TRIBOKA_USER_CACHE_SECONDS, 2 s) of the other replica
    await live.client.emit("join_deal", {"deal_id": deal_id})
    async with asyncio.timeout(WAIT):  # the server drops the connection of a revoked credential
        await live.client.wait()
    assert not live.client.connected
    await live.none_of("joined_room", seconds=0.1)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await connect(replicas.b, None, ticket=ticket)
