"""Prometheus metrics. Workers write to PROMETHEUS_MULTIPROC_DIR; the supervisor process serves the sum.

`triboka-web serve --metrics-port N` sets PROMETHEUS_MULTIPROC_DIR (under /tmp) before any worker imports
this module, so every uvicorn worker records into shared files and one HTTP server in the supervisor
exposes them all.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "triboka_web_http_requests_total", "Requests served, by route template", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "triboka_web_http_request_duration_seconds", "Time to serve a request", ["method", "route"]
)
API_CALLS = Counter(
    "triboka_web_api_calls_total", "Calls to the Triboka API, by outcome", ["method", "outcome"]
)
API_LATENCY = Histogram("triboka_web_api_call_duration_seconds", "Time the API took to answer", ["method"])


def observe_api_call(method: str, outcome: str, seconds: float) -> None:
    API_CALLS.labels(method, outcome).inc()
    API_LATENCY.labels(method).observe(seconds)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or (
                "static" if scope["path"].startswith("/static/") else "other"
            )
            HTTP_REQUESTS.labels(scope["method"], template, str(status)).inc()
            HTTP_LATENCY.labels(scope["method"], template).observe(time.perf_counter() - started)


def serve_multiprocess_metrics(host: str, port: int) -> None:
    """Expose the metrics of every worker from this (the supervisor) process, in a daemon thread."""
    registry = CollectorRegistry()
    # prometheus_client leaves this constructor unannotated
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(port, addr=host, registry=registry)
