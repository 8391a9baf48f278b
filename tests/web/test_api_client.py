"""The dashboard's API client against a plain HTTP server on loopback: what it asks of the API (uncompressed
answers, issue 16 goal 3), how it spells queries and uploads, and how a slow API reaches the pages."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from triboka_web.api_client import ApiClient, ApiUnavailableError, build_http_client


@dataclass
class Seen:
    """What the server received: each request's path, query, headers and body."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering


@pytest.fixture
def recording_server() -> Iterator[tuple[str, Seen]]:
    """Answers `{}` to every request and keeps what it received."""
    seen = Seen()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            url = urlsplit(self.path)
            seen.requests.append(
                {
                    "path": url.path,
                    "query": dict(parse_qsl(url.query)),
                    "headers": {name.lower(): value for name, value in self.headers.items()},
                    "body": self.rfile.read(length),
                }
            )
            time.sleep(seen.delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    server.server_close()


def _run(call: Coroutine[Any, Any, object]) -> object:
    # on a loop of its own: the browser tests of this suite keep the main thread's loop running
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, call).result()


async def _with_client(url: str, timeout_seconds: float, use: Any) -> object:
    async with build_http_client(timeout_seconds) as http:
        return await use(ApiClient(http, url, token="t0ken", forwarded_for="203.0.113.9"))


def test_the_api_is_asked_for_uncompressed_answers(recording_server) -> None:
    url, seen = recording_server
    assert _run(_with_client(url, 5, lambda api: api.get("/api/health"))) == {}
    (request,) = seen.requests
    assert request["headers"]["accept-encoding"] == "identity"
    assert request["headers"]["authorization"] == "Bearer t0ken"
    assert request["headers"]["x-forwarded-for"] == "203.0.113.9"


def test_queries_leave_out_empty_values_and_spell_booleans_as_the_api_reads_them(recording_server) -> None:
    url, seen = recording_server
    query = {
        "status": "available",
        "q": "",
        "producer_id": None,
        "limit": 21,
        "mine": True,
        "min_weight": 1.5,
    }
    _run(_with_client(url, 5, lambda api: api.get("/api/lots", **query)))
    (request,) = seen.requests
    assert request["query"] == {"status": "available", "limit": "21", "mine": "true", "min_weight": "1.5"}


def test_an_uploads_file_name_is_escaped_as_browsers_do(recording_server) -> None:
    """A hostile file name (a quote, CR LF, a backslash) cannot add a header or a part to the upload the API
    reads; UTF-8 names pass as they are."""
    url, seen = recording_server
    name = 'informe "final"\r\nContent-Type: text/html\\ orgánico.pdf'
    files = {"file": (name, io.BytesIO(b"%PDF-1.4"), "application/pdf")}
    _run(_with_client(url, 5, lambda api: api.request("POST", "/up", files=files, data={"note": "x"})))
    (request,) = seen.requests
    disposition = [line for line in request["body"].split(b"\r\n") if b'name="file"' in line]
    assert disposition == [
        'Content-Disposition: form-data; name="file"; '
        'filename="informe %22final%22%0D%0AContent-Type: text/html\\\\ orgánico.pdf"'.encode()
    ]
    assert not [
        line for line in request["body"].split(b"\r\n") if line.startswith(b"Content-Type: text/html")
    ]


def test_an_api_slower_than_the_timeout_is_unavailable(recording_server) -> None:
    url, seen = recording_server
    seen.delay = 2.0

    async def slow(api: ApiClient) -> object:
        with pytest.raises(ApiUnavailableError):
            await api.get("/api/lots")
        return "raised"

    assert _run(_with_client(url, 0.5, slow)) == "raised"
