"""Request IDs, access logs and Prometheus metrics, as one pure-ASGI middleware (cheap on the hot path)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triboka_api.jsonlog import request_id_var, user_id_var

access_log = logging.getLogger("triboka_api.access")

REQUESTS = Counter("triboka_api_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "triboka_api_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
IN_FLIGHT = Gauge("triboka_api_requests_in_flight", "Requests being served", multiprocess_mode="livesum")
POOL_CHECKED_OUT = Gauge(
    "triboka_api_db_pool_checked_out", "Database connections in use", multiprocess_mode="livesum"
)

# probes (kubelet, load balancers) would be most of the access log: their lines are DEBUG, their metrics counted
PROBE_PATHS = frozenset({"/api/health", "/health", "/api/health/live"})
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_UNMATCHED_ROUTE = "<unmatched>"


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        status = 500
        started = time.perf_counter()
        IN_FLIGHT.inc()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            IN_FLIGHT.dec()
            route = getattr(scope.get("route"), "path", _UNMATCHED_ROUTE)
            method = scope["method"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(elapsed)
            pool = scope["app"].state.engine.pool if "app" in scope else None
            if pool is not None and hasattr(pool, "checkedout"):
                POOL_CHECKED_OUT.set(pool.checkedout())
            level = logging.DEBUG if scope["path"] in PROBE_PATHS else logging.INFO
            if access_log.isEnabledFor(level):
                user_token = user_id_var.set(scope.get("state", {}).get("user_id"))
                access_log.log(
                    level,
                    "%s %s %s",
                    method,
                    route,
                    status,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
                user_id_var.reset(user_token)
            request_id_var.reset(token)
