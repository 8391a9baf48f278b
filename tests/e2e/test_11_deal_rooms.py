"""Scenario 11: a deal room on the cluster (issue 13). The API runs at two replicas or more with the in-chart Redis
and the files on the release's volume. Two Socket.IO clients, each with a socket ticket bought through the
ingress, are put on two different API pods (a port-forward to each, named by the pod: no guessing where the
ingress sent them); a message posted over REST through the ingress reaches both, whichever pod stored it. A file
uploaded through the ingress comes back through it byte for byte, with the SHA-256 the API recorded."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import socketio

from tests.e2e.conftest import PASSWORD
from tests.e2e.portforward import forwarded
from tests.e2e.release import Release
from tests.e2e.report import record

WAIT = 20.0


def _party(https: httpx.Client, name: str) -> dict[str, Any]:
    """A producer who registers itself gets a company of its own (C-04): the two sides of the deal."""
    email = f"{name.lower().replace(' ', '-')}-{secrets.token_hex(4)}@e2e.triboka.test"
    body = {"name": name, "email": email, "password": PASSWORD, "role": "producer"}
    assert https.post("/api/auth/register", json=body).status_code == 201
    login = https.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"headers": {"Authorization": f"Bearer {login.json()['access_token']}"}, **login.json()["user"]}


def _ticket(https: httpx.Client, party: dict[str, Any], deal_id: int) -> str:
    answer = https.post("/api/realtime/ticket", json={"deal_id": deal_id}, headers=party["headers"])
    assert answer.status_code == 200, answer.text
    return answer.json()["ticket"]


async def _listen(url: str, ticket: str, deal_id: int) -> tuple[socketio.AsyncClient, asyncio.Queue]:
    client = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue = asyncio.Queue()
    client.on("new_message", lambda data: received.put_nowait(data))
    joined = asyncio.Event()
    client.on("joined_room", lambda _data: joined.set())
    await client.connect(url, auth={"ticket": ticket}, transports=["websocket"], wait_timeout=WAIT)
    await client.emit("join_deal", {"deal_id": deal_id})
    async with asyncio.timeout(WAIT):
        await joined.wait()
    return client, received


async def _both_receive(urls: list[str], tickets: list[str], deal_id: int, post) -> list[dict[str, Any]]:
    listeners = [await _listen(url, ticket, deal_id) for url, ticket in zip(urls, tickets, strict=True)]
    try:
        sent = await asyncio.to_thread(post)
        received = []
        for _client, queue in listeners:
            async with asyncio.timeout(WAIT):
                while (message := await queue.get())["id"] != sent:
                    pass
            received.append(message)
        return received
    finally:
        for client, _queue in listeners:
            await client.disconnect()


def test_a_message_reaches_sockets_on_two_pods_and_a_file_round_trips(
    release: Release, https: httpx.Client, admin_headers: dict[str, str]
) -> None:
    started = time.monotonic()
    assert len(release.ready_pods("redis")) == 1, "the cluster overlay runs the in-chart Redis"
    pods = release.ready_pods("api")
    assert len(pods) >= 2, "the suite's values run the API at two replicas or more"
    port = pods[0].spec.containers[0].ports[0].container_port
    producer, exporter = _party(https, "Coop Sala"), _party(https, "Exporta Sala")
    created = https.post(
        "/api/deals",
        json={"producer_id": producer["company_id"], "exporter_id": exporter["company_id"]},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    deal_id = created.json()["deal"]["id"]
    tickets = [_ticket(https, party, deal_id) for party in (producer, exporter)]
    content = f"Embarque confirmado {secrets.token_hex(3)}"

    def post() -> int:
        answer = https.post(
            f"/api/deals/{deal_id}/messages", json={"content": content}, headers=admin_headers
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["msg"]["id"]

    names = [pod.metadata.name for pod in pods[:2]]
    with ExitStack() as stack:
        urls = [stack.enter_context(forwarded(release.cluster, release.namespace, n, port)) for n in names]
        # in a thread of its own: an earlier test's event loop (Playwright's sync API) may be running on this one
        with ThreadPoolExecutor(1) as pool:
            received = pool.submit(asyncio.run, _both_receive(urls, tickets, deal_id, post)).result()
    assert [m["content"] for m in received] == [content, content]
    live_s = time.monotonic() - started

    # a file through the ingress, to the release's volume and back
    pdf = b"%PDF-1.4\n" + os.urandom(300_000) + b"\n%%EOF\n"
    uploaded = https.post(
        f"/api/deals/{deal_id}/upload",
        files={"file": ("contrato de venta.pdf", pdf, "application/pdf")},
        data={"confidentiality": "PARTES", "description": "e2e"},
        headers=producer["headers"],
    )
    assert uploaded.status_code == 201, uploaded.text
    record_ = uploaded.json()["file"]
    assert record_["sha256"] == hashlib.sha256(pdf).hexdigest()
    # downloaded repeatedly, so that the ingress spreads the reads over the pods: every one serves the same bytes
    for _ in range(4):
        download = https.get(
            f"/api/deals/{deal_id}/files/{record_['id']}/download", headers=exporter["headers"]
        )
        assert download.status_code == 200, download.text[:200]
        assert hashlib.sha256(download.content).hexdigest() == record_["sha256"]
        assert download.content == pdf
        assert download.headers["x-content-type-options"] == "nosniff"
    record(
        "deal_rooms",
        api_pods=len(pods),
        socket_pods=names,
        live_message_s=round(live_s, 1),
        scenario_s=round(time.monotonic() - started, 1),
        file_bytes=len(pdf),
    )
