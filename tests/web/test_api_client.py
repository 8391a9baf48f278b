"""What the dashboard's API client asks of the API: uncompressed answers (issue 16, goal 3). The API gzips for
browsers; on the web-to-API hop, compressing and inflating every answer would cost both services CPU."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from triboka_web.api_client import build_http_client


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A plain HTTP server on loopback that answers `{}` and keeps each request's headers."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({name.lower(): value for name, value in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    server.server_close()


def test_the_api_is_asked_for_uncompressed_answers(recording_server) -> None:
    url, seen = recording_server

    async def get() -> object:
        async with build_http_client(url, 5) as http:
            return (await http.get("/api/health")).json()

    # on a loop of its own: the browser tests of this suite keep the main thread's loop running
    with ThreadPoolExecutor(1) as thread:
        assert thread.submit(asyncio.run, get()).result() == {}
    assert [request["accept-encoding"] for request in seen] == ["identity"]
