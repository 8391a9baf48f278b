"""Application factory: settings, logging, the pooled API client, middleware, routers and error pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware

from triboka_web.api_client import ApiClient, build_http_client
from triboka_web.collector import frozen_start_up_heap
from triboka_web.compression import CompressionMiddleware
from triboka_web.csrf import verify_csrf
from triboka_web.errors import UnexpectedErrorMiddleware, install_error_handlers
from triboka_web.jsonlog import configure_logging
from triboka_web.metrics import MetricsMiddleware
from triboka_web.middleware.head import HeadAsGetMiddleware
from triboka_web.middleware.locale import LocaleMiddleware
from triboka_web.middleware.request_id import RequestIdMiddleware
from triboka_web.middleware.security_headers import SecurityHeadersMiddleware
from triboka_web.routes import ROUTERS
from triboka_web.session_token import TokenSealer
from triboka_web.settings import Environment, Settings, get_settings
from triboka_web.static_assets import StaticAssets
from triboka_web.templating import environment as template_environment
from triboka_web.tracing import start_tracing

STATIC_DIR = Path(__file__).parent / "static"
SESSION_COOKIE = "triboka_session"
SESSION_MAX_AGE_SECONDS = 7 * 24 * 3600  # the API token's lifetime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        traced_calls = []
        if tracing is not None:
            from opentelemetry.instrumentation.aiohttp_client import create_trace_config

            # the API calls become child spans, and carry the trace on to the API (traceparent)
            traced_calls.append(create_trace_config(tracer_provider=tracing))
        async with build_http_client(settings.api_timeout_seconds, traced_calls) as http:
            app.state.api = ApiClient(http, settings.api_base_url)
            with frozen_start_up_heap():
                yield
        if tracing is not None:
            tracing.shutdown()  # sends the spans still queued

    app = FastAPI(
        title="Triboka web",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(verify_csrf)],
        # tracing is ours (tracing.py, OTEL_EXPORTER_OTLP_ENDPOINT); FastAPI's native telemetry stays off even when
        # something sets a global provider, and its per-request check is then three lookups (issue 16)
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    # production never edits templates in place: no stat() of each template file per render
    template_environment.auto_reload = settings.environment is Environment.DEVELOPMENT
    app.state.token_sealer = TokenSealer(settings.secret_key.get_secret_value())
    # Added innermost first: the request ID wraps everything, the error page renders inside the session.
    app.add_middleware(UnexpectedErrorMiddleware)
    # inside HEAD-as-GET: a HEAD answers the Content-Length of the gzip a GET sends
    app.add_middleware(CompressionMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(LocaleMiddleware, default_locale=settings.default_locale)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_SECONDS,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(
        SecurityHeadersMiddleware, socket_origin=settings.socket_url, static_origin=settings.static_origin
    )
    app.add_middleware(RequestIdMiddleware)
    app.state.static_assets = StaticAssets(STATIC_DIR, settings.static_base_url)
    app.mount("/static", app.state.static_assets, name="static")
    for router in ROUTERS:
        app.include_router(router)
    install_error_handlers(app)
    tracing = start_tracing(app, "triboka-web")
    return app
