"""The analytics cache (S-13..S-24, the C-47..C-50 dashboards, C-51 market prices): computed figures kept for
`TRIBOKA_ANALYTICS_CACHE_SECONDS`, in Redis when `TRIBOKA_REDIS_URL` is set (shared by every worker and replica,
through the app's one client, `redis_store`), else in this process's memory.

Invalidation is by generation: every key carries the current generation number, and a successful write request
anywhere in the API moves it on (`invalidate`), so no figure computed before a write is served after it. Keys of
old generations are never read again; they expire, and `stats` deletes them (`expired_keys_cleaned`). With the
in-process store each worker has its own generation: a write in one worker leaves the others' figures at most the
TTL old (set a Redis URL when that matters).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

PREFIX = "triboka:analytics:"
GENERATION_KEY = f"{PREFIX}generation"


@dataclass(frozen=True)
class CacheStats:
    total_keys: int
    expired_keys_cleaned: int
    backend: str


class AnalyticsCache(Protocol):
    backend: str
    shared: bool  # one generation for every worker and replica (Redis), or this process's own (memory)

    async def get(self, key: str) -> Any | None: ...
    async def put(self, key: str, value: Any) -> None: ...
    async def invalidate(self) -> None: ...
    async def clear(self) -> int: ...
    async def stats(self) -> CacheStats: ...


class MemoryCache:
    """Per process: `<generation>:<key>` -> (expiry, value), as the Redis keys are named."""

    backend = "memory"
    shared = False

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._generation = 0
        self._entries: dict[str, tuple[float, bytes]] = {}

    def _current(self, key: str) -> str:
        return f"{self._generation}:{key}"

    async def get(self, key: str) -> Any | None:
        entry = self._entries.get(self._current(key))
        if entry is None or entry[0] <= time.monotonic():
            return None
        return orjson.loads(entry[1])

    async def put(self, key: str, value: Any) -> None:
        if self._ttl > 0:
            self._entries[self._current(key)] = (time.monotonic() + self._ttl, orjson.dumps(value))

    async def invalidate(self) -> None:
        self._generation += 1

    async def clear(self) -> int:
        count = len(self._entries)
        self._entries.clear()
        return count

    async def stats(self) -> CacheStats:
        now, current = time.monotonic(), f"{self._generation}:"
        stale = [
            k for k, (expires, _) in self._entries.items() if not k.startswith(current) or expires <= now
        ]
        for key in stale:
            del self._entries[key]
        return CacheStats(len(self._entries), len(stale), self.backend)


class RedisCache:
    """Shared: `PREFIX<generation>:<key>` with a TTL; the generation is a Redis counter. A Redis outage makes
    the cache miss (figures are computed from the database), never fail a request."""

    backend = "redis"
    shared = True

    def __init__(self, client: Redis, ttl_seconds: float) -> None:
        self._redis, self._ttl = client, max(1, round(ttl_seconds))
        self._enabled = ttl_seconds > 0

    async def _generation(self) -> int:
        return int(await self._redis.get(GENERATION_KEY) or 0)

    async def get(self, key: str) -> Any | None:
        try:
            raw = await self._redis.get(f"{PREFIX}{await self._generation()}:{key}")
        except RedisError:
            return None
        return None if raw is None else orjson.loads(raw)

    async def put(self, key: str, value: Any) -> None:
        if not self._enabled:
            return
        try:
            await self._redis.set(
                f"{PREFIX}{await self._generation()}:{key}", orjson.dumps(value), ex=self._ttl
            )
        except RedisError:
            return

    async def invalidate(self) -> None:
        try:
            await self._redis.incr(GENERATION_KEY)
        except RedisError:
            return  # the TTL bounds how stale a figure can get

    async def _keys(self) -> list[bytes]:
        return [
            key
            async for key in self._redis.scan_iter(match=f"{PREFIX}*", count=500)
            if key != GENERATION_KEY.encode()
        ]

    async def clear(self) -> int:
        keys = await self._keys()
        if keys:
            await self._redis.delete(*keys)
        return len(keys)

    async def stats(self) -> CacheStats:
        current = f"{PREFIX}{await self._generation()}:".encode()
        keys = await self._keys()
        stale = [key for key in keys if not key.startswith(current)]
        if stale:
            await self._redis.delete(*stale)
        return CacheStats(len(keys) - len(stale), len(stale), self.backend)


def create_cache(redis: Redis | None, ttl_seconds: float) -> AnalyticsCache:
    return RedisCache(redis, ttl_seconds) if redis is not None else MemoryCache(ttl_seconds)
