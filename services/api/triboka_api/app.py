"""The application factory: settings in, a FastAPI app out (uvicorn calls it with `factory=True`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from triboka_api import __version__
from triboka_api.analytics_cache import create_cache
from triboka_api.api.analytics_invalidation import AnalyticsInvalidationMiddleware
from triboka_api.api.body_limit import BodyLimitMiddleware
from triboka_api.api.compression import add_compression
from triboka_api.api.errors import install_error_handlers
from triboka_api.api.head import HeadAsGetMiddleware
from triboka_api.api.openapi import build_openapi, install_docs
from triboka_api.api.parameters import bounded_parameters
from triboka_api.api.rate_limiting import RateLimitMiddleware
from triboka_api.api.realtime import SOCKETIO_PATH, DealRooms
from triboka_api.api.routes import (
    analytics,
    audit,
    auth,
    batch_extras,
    batches,
    blockchain,
    companies,
    contract_extras,
    contracts,
    dashboards,
    deal_files,
    deals,
    dispatches,
    erp,
    fixations,
    health,
    identity,
    impersonation,
    integrations,
    kyc,
    lots,
    market,
    matching,
    performance,
    socket_tickets,
    sync,
    trace,
    traceability,
    users,
)
from triboka_api.api.uploads import MULTIPART_ENVELOPE_BYTES
from triboka_api.auth_cache import ActorCache
from triboka_api.collector import frozen_start_up_heap
from triboka_api.database_probe import DatabaseProbe
from triboka_api.db import SessionGate, autocommit, create_engine, create_sessionmaker
from triboka_api.domain.market import CachedProvider, DatabasePriceProvider
from triboka_api.erp_client import ErpClient
from triboka_api.observability import ObservabilityMiddleware
from triboka_api.rate_limits import RateLimits
from triboka_api.redis_store import connect as connect_redis
from triboka_api.schema_revision import ensure_current
from triboka_api.security.passwords import PasswordHashing
from triboka_api.security.tokens import TokenVerifier
from triboka_api.settings import Settings, get_settings
from triboka_api.storage import file_store
from triboka_api.tracing import start_tracing

ROUTERS = (
    health,
    auth,
    users,
    companies,
    lots,
    batch_extras,  # before batches: its fixed paths would match /api/batches/{batch_id}
    batches,
    contract_extras,
    contracts,
    fixations,
    dispatches,
    trace,
    traceability,
    dashboards,
    analytics,
    market,
    blockchain,
    performance,
    audit,
    integrations,
    erp,
    matching,
    sync,
    deals,
    deal_files,
    socket_tickets,
    impersonation,
    kyc,  # before identity: /api/did/kyc is not a DID id
    identity,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        if tracing is not None:
            from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

            # it declares SQLAlchemy < 2.1 and would refuse 2.1; the cursor events it listens to are unchanged in
            # 2.1 (tests/web/test_tracing.py receives its spans)
            SQLAlchemyInstrumentor().instrument(
                engine=engine.sync_engine, tracer_provider=tracing, skip_dep_check=True
            )
        try:
            await ensure_current(engine)
            app.state.engine = engine
            app.state.sessionmaker = create_sessionmaker(engine)
            app.state.read_engine = autocommit(engine)
            app.state.read_sessionmaker = create_sessionmaker(app.state.read_engine)
            app.state.database_probe = DatabaseProbe(
                app.state.read_engine, settings.health_check_timeout_seconds
            )
            async with connect_redis(settings.redis_url) as redis:
                app.state.redis = redis
                app.state.rate_limits = RateLimits.from_settings(settings, redis)
                app.state.analytics_cache = create_cache(redis, settings.analytics_cache_seconds)
                app.state.price_provider = CachedProvider(DatabasePriceProvider(), app.state.analytics_cache)
                with frozen_start_up_heap():
                    yield
        finally:
            await engine.dispose()
            if tracing is not None:
                tracing.shutdown()  # sends the spans still queued

    app = FastAPI(
        title="Triboka API",
        version=__version__,
        summary="Cacao supply chain: lots, contracts, fixations, batches, dispatches, traceability",
        lifespan=lifespan,
        docs_url=None,  # install_docs: Swagger UI from local files
        redoc_url="/api/redoc" if settings.api_docs else None,
        openapi_url="/api/openapi.json" if settings.api_docs else None,
        redirect_slashes=False,  # §1.1: no trailing-slash routes and no redirect
        dependencies=[Depends(bounded_parameters)],
        # tracing is ours (tracing.py, OTEL_EXPORTER_OTLP_ENDPOINT); FastAPI's native telemetry stays off even when
        # something sets a global provider, and its per-request check is then three lookups (issue 16)
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.session_gate = SessionGate(
        settings.db_pool_size + settings.db_max_overflow, settings.db_pool_timeout_seconds
    )
    app.state.actor_cache = ActorCache(settings.user_cache_seconds)
    app.state.token_verifier = TokenVerifier(settings.jwt_secret.get_secret_value())
    app.state.passwords = PasswordHashing(settings.password_hash_threads)
    app.state.file_store = file_store(settings)
    app.state.key_ring = settings.key_ring
    app.state.deal_rooms = DealRooms(settings, app.state)
    app.state.erp_client = ErpClient.from_settings(settings)
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    if settings.api_docs:
        install_docs(app)
    install_error_handlers(app)
    for module in ROUTERS:
        app.include_router(module.router)
    app.add_middleware(AnalyticsInvalidationMiddleware)
    app.mount(f"/{SOCKETIO_PATH}", app.state.deal_rooms.asgi)  # §5.6 Socket.IO, beside the REST routes
    upload_limit = settings.max_upload_bytes + MULTIPART_ENVELOPE_BYTES
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        larger=[(deal_files.UPLOAD_PATH, upload_limit), (kyc.UPLOAD_PATH, upload_limit)],
    )
    add_compression(app)  # inside HEAD-as-GET: a HEAD answers the Content-Length of the gzip a GET sends
    app.add_middleware(HeadAsGetMiddleware)
    if settings.rate_limit_enabled:
        app.add_middleware(RateLimitMiddleware)  # inside CORS, so that a browser can read the 429
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    app.add_middleware(ObservabilityMiddleware)
    tracing = start_tracing(app, "triboka-api")
    return app
