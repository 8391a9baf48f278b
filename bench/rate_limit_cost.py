"""What the rate-limit middleware costs per request: the API's ASGI app called in-process (no HTTP client or
server in the figures) on `/api/health/live` (never limited) and `/api/nope` (limited; a 404 that touches no
database), with limits off, counted in memory, and counted in Redis.

    .venv/bin/python -m bench.rate_limit_cost --redis-url redis://127.0.0.1:6379/0

It migrates a throw-away SQLite database and prints the CPU time of this process per request (the least noisy figure
on a shared machine; the best of five batches and their median) and the wall time per request (which adds the
Redis round trip). Not a test, and not part of `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message
from triboka_api.app import create_app
from triboka_api.migrate import upgrade
from triboka_api.settings import Settings

PATHS = ("/api/health/live", "/api/nope")
BATCHES = 5
# a budget no loop reaches: every request is counted, none is refused
UNREACHABLE = "1000000000/minute"


async def _call(app: ASGIApp, path: str) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"api.test")],
        "client": ("198.51.100.7", 50000),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_: Message) -> None:
        return None

    await app(scope, receive, send)


async def _per_request(app: ASGIApp, path: str, requests: int) -> tuple[float, float, float]:
    """Microseconds per request: best CPU batch, median CPU batch, median wall batch."""
    for _ in range(requests // 10):  # warm-up
        await _call(app, path)
    cpu, wall = [], []
    per_batch = requests // BATCHES
    for _ in range(BATCHES):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        for _ in range(per_batch):
            await _call(app, path)
        cpu.append((time.process_time() - cpu_start) / per_batch * 1e6)
        wall.append((time.perf_counter() - wall_start) / per_batch * 1e6)
    return min(cpu), statistics.median(cpu), statistics.median(wall)


async def _mode(database_url: str, mode: str, redis_url: str | None, requests: int) -> None:
    overrides: dict[str, Any] = {"rate_limit_default": UNREACHABLE, "log_level": "WARNING"}
    if mode == "off":
        overrides["rate_limit_enabled"] = False
    if mode == "redis":
        overrides["redis_url"] = redis_url
    app = create_app(Settings(database_url=database_url, **overrides))
    async with app.router.lifespan_context(app):
        for path in PATHS:
            best, median, wall = await _per_request(app, path, requests)
            print(
                f"{mode:6} {path:17} cpu best {best:7.1f} µs  cpu median {median:7.1f} µs  "
                f"wall median {wall:7.1f} µs",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--redis-url", help="a Redis to count in (without it the Redis case is skipped)")
    parser.add_argument("--requests", type=int, default=4000, help="requests per path and mode")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the access log would be most of the cost
    modes = ("off", "memory", "redis") if args.redis_url else ("off", "memory")
    with tempfile.TemporaryDirectory() as workdir:
        database_url = f"sqlite+aiosqlite:///{Path(workdir) / 'api.db'}"
        upgrade(Settings(database_url=database_url))
        for mode in modes:
            asyncio.run(_mode(database_url, mode, args.redis_url, args.requests))


if __name__ == "__main__":
    main()
