"""A small ERP on loopback for the ERP tests: a real HTTP server (Starlette under uvicorn, in a thread) that records
every request it receives and answers as a test scripts it (fail a few times, reject, answer slowly)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.net import free_port


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    raw: bytes  # the body exactly as sent: payload tests compare bytes, not only parsed values


@dataclass
class Scripted:
    status: int
    body: Any = None
    delay: float = 0.0


@dataclass
class FakeErp:
    """`script(path, *answers)` queues answers for a path (each used once); unscripted requests get 200 on GET
    and 201 `{"id": "ERP-<n>"}` on POST."""

    received: list[Received] = field(default_factory=list)
    _scripts: dict[str, deque[Scripted]] = field(default_factory=lambda: defaultdict(deque))
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, path: str, *answers: Scripted) -> None:
        self._scripts[path].extend(answers)

    def reset(self) -> None:
        self.received.clear()
        self._scripts.clear()

    def posted(self, path: str) -> list[Received]:
        return [r for r in self.received if r.method == "POST" and r.path == path]

    async def _handle(self, request: Request) -> Response:
        raw = await request.body()
        try:
            payload = await request.json() if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        self.received.append(Received(request.method, request.url.path, dict(request.headers), payload, raw))
        queue = self._scripts.get(request.url.path)
        if queue:
            answer = queue.popleft()
            if answer.delay:
                await asyncio.sleep(answer.delay)
            return JSONResponse(
                answer.body if answer.body is not None else {"error": "scripted"}, answer.status
            )
        if request.method == "GET":
            return JSONResponse({"status": "ok"})
        return JSONResponse({"id": f"ERP-{len(self.received)}", "received": True}, 201)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])


class RunningFakeErp:
    """Starts the fake ERP on a free loopback port and stops it."""

    def __init__(self) -> None:
        self.erp = FakeErp(port=free_port())
        config = uvicorn.Config(
            self.erp.app(), host="127.0.0.1", port=self.erp.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> FakeErp:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake ERP did not start")
            time.sleep(0.02)
        return self.erp

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
