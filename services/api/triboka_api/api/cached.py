"""Serving computed figures through the app's one analytics cache (`analytics_cache`): S-13..S-24, the C-47..C-50
dashboards and C-51 market prices. The caller's key must name everything the answer depends on (endpoint,
parameters and, where the answer is per caller, the role and company), so no answer reaches another tenant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request

from triboka_api.analytics_cache import AnalyticsCache


def analytics_cache(request: Request) -> AnalyticsCache:
    cache: AnalyticsCache = request.app.state.analytics_cache
    return cache


async def cached(
    request: Request, key: str, compute: Callable[[], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """The figures under `key` in the current generation, else `compute()`'s, kept for the next caller."""
    cache = analytics_cache(request)
    found: dict[str, Any] | None = await cache.get(key)
    if found is not None:
        return found
    value = await compute()
    await cache.put(key, value)
    return value


async def cached_when_shared(
    request: Request, key: str, compute: Callable[[], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """For answers people expect to change right after a write (the dashboards' counts and lot lists: a producer
    registers a lot, an exporter opens its board to buy it): kept only in a shared (Redis) cache, whose generation
    every worker sees. With the in-process store a write taken by another worker would leave this worker's copy
    stale for the TTL, so they are computed every time."""
    if not analytics_cache(request).shared:
        return await compute()
    return await cached(request, key, compute)
