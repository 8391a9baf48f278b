"""S-70..S-74: performance operations for admins: the Redis caches, the service's metrics, index suggestions.

S-74 is not carried over (Δ): it executed SQL sent by the client; it answers 410 Gone.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from redis.exceptions import RedisError

from triboka_api import metrics_summary
from triboka_api.analytics_cache import PREFIX as ANALYTICS_PREFIX
from triboka_api.api.deps import SessionDep, require_roles
from triboka_api.api.errors import ApiError
from triboka_api.api.openapi import documented
from triboka_api.api.schemas.analytics import IndexSuggestions, RedisCacheStats, ServiceMetrics
from triboka_api.api.schemas.common import Message
from triboka_api.domain.indexes import missing_indexes
from triboka_api.domain.principal import Principal
from triboka_api.domain.roles import Role
from triboka_api.models import utcnow

router = APIRouter(tags=["performance"])

OpsDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR))]
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
# the cache keys S-70 may delete: never the rate-limit counters and lockouts that share the Redis
CACHE_PREFIXES = (ANALYTICS_PREFIX,)
SCAN_LIMIT = 100_000  # keys examined by S-71's per-pattern count at most
SECONDS_PER_DAY = 86_400
APPLY_GONE = (
    "Gone: this endpoint executed SQL statements sent by the client, which no API may do. Schema changes, "
    "indexes included, ship as database migrations (triboka-api migrate); POST /api/performance/optimize/queries "
    "lists suggested indexes to add that way."
)


def _redis(request: Request) -> Redis:
    client: Redis | None = request.app.state.redis
    if client is None:
        raise ApiError(503, "Redis is not configured (TRIBOKA_REDIS_URL)")
    return client


def _unavailable(exc: RedisError) -> ApiError:
    return ApiError(503, f"Redis is unavailable: {type(exc).__name__}")


def _pattern(key: bytes) -> str:
    """`triboka:analytics:3:x` -> `triboka:analytics:*`; keys without a namespace -> `*`."""
    parts = key.decode(errors="replace").split(":")
    return ":".join(parts[:2]) + ":*" if len(parts) > 2 else f"{parts[0]}:*" if len(parts) == 2 else "*"


@router.post("/api/performance/cache/clear", **documented(Message))
async def clear_cache(_: OpsDep, request: Request) -> dict[str, str]:
    """Deletes the caches kept in Redis (Δ: not FLUSHDB, which would also reset rate limits and lockouts)."""
    client = _redis(request)
    try:
        deleted = 0
        for prefix in CACHE_PREFIXES:
            keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=500)]
            if keys:
                deleted += await client.delete(*keys)
    except RedisError as exc:
        raise _unavailable(exc) from exc
    return {"message": f"Cache cleared ({deleted} keys)"}


@router.get("/api/performance/cache/stats", **documented(RedisCacheStats))
async def cache_stats(_: OpsDep, request: Request) -> dict[str, Any]:
    client = _redis(request)
    try:
        info = await client.info()
        total = await client.dbsize()
        patterns: Counter[str] = Counter()
        async for key in client.scan_iter(count=1000):
            patterns[_pattern(key)] += 1
            if sum(patterns.values()) >= SCAN_LIMIT:
                break
    except RedisError as exc:
        raise _unavailable(exc) from exc
    return {
        "redis_info": {
            "version": info.get("redis_version"),
            "uptime_days": round(int(info.get("uptime_in_seconds", 0)) / SECONDS_PER_DAY, 2),
            "connected_clients": info.get("connected_clients"),
            "used_memory_human": info.get("used_memory_human"),
            "total_connections_received": info.get("total_connections_received"),
        },
        "cache_stats": {"total_keys": total, "keys_by_pattern": dict(patterns)},
    }


@router.get("/api/performance/metrics", **documented(ServiceMetrics))
async def metrics(_: OpsDep) -> dict[str, Any]:
    return metrics_summary.summary() | {"timestamp": utcnow().isoformat()}


@router.post("/api/performance/optimize/queries", **documented(IndexSuggestions))
async def optimize_queries(_: AdminDep, session: SessionDep) -> dict[str, Any]:
    """Foreign keys without a covering index, with the statement a migration would add."""
    connection = await session.connection()
    found = await connection.run_sync(missing_indexes)
    return {
        "message": f"{len(found)} missing index(es) found" if found else "No missing indexes found",
        "optimizations_found": len(found),
        "optimizations": [
            {
                "type": "missing_index",
                "table": index.table,
                "index": index.name,
                "columns": list(index.columns),
                "recommendation": index.statement,
            }
            for index in found
        ],
    }


# no success to document (the OpenAPI document's every operation has one): kept out of it, like a removed route
@router.post("/api/performance/optimize/apply", status_code=410, include_in_schema=False)
async def optimize_apply(_: AdminDep) -> JSONResponse:
    return JSONResponse({"error": APPLY_GONE}, status_code=410)
