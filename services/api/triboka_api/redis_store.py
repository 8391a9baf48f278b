"""The API's one Redis client per process (`TRIBOKA_REDIS_URL`), shared by every feature that needs Redis.

The app's lifespan opens it with `connect()` and keeps it as `app.state.redis` (None when no URL is configured:
features then use their in-process fallback). Features take that client or its `connection_pool`; none opens a
connection pool of its own, so a worker holds one set of Redis connections whatever uses them.

The client is tuned for a store that sits on the request path: a command fails after `COMMAND_TIMEOUT_SECONDS`
instead of redis-py's 5 s, and is retried once at once (a pooled connection that Redis closed is replaced) rather
than ten times with back-off, so a Redis outage costs a request milliseconds, not seconds. Callers decide what an
outage means for them (rate limits fall back to memory, see `rate_limits.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import SecretStr
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

# a healthy Redis next to the API answers in well under a millisecond; half a second means it is gone
COMMAND_TIMEOUT_SECONDS = 0.5
CONNECT_TIMEOUT_SECONDS = 0.5
RETRIES = 1


def create_client(url: str) -> Redis:
    """A client on `url`; it connects lazily, on its first command."""
    return Redis.from_url(
        url,
        socket_timeout=COMMAND_TIMEOUT_SECONDS,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), RETRIES),
    )


@asynccontextmanager
async def connect(url: SecretStr | None) -> AsyncIterator[Redis | None]:
    """The process's client for the lifespan of the app (None without a URL), closed with its pool at the end."""
    if url is None:
        yield None
        return
    client = create_client(url.get_secret_value())
    try:
        yield client
    finally:
        await client.aclose()
