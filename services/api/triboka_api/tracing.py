"""OpenTelemetry traces, off by default: the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`)
turns them on, exported over OTLP/HTTP (protobuf); the SDK reads the other `OTEL_*` variables itself
(`OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER` and `_ARG`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`...).

Every OpenTelemetry SDK import is inside `start_tracing`: a process with tracing off never loads the SDK, the
exporter or an instrumentation (memory per worker, start-up time); only the small API package that FastAPI itself
imports. The W3C `traceparent` of an incoming request is honoured and sent on by the instrumented
HTTP client, so a dashboard request and the API calls it makes are one trace.

This file is the same, byte for byte, in triboka_api and triboka_web (tests/support/logschema.py checks it), for
the reason jsonlog.py gives; what only one service traces (the API's database, the web's API client) is in its
app factory.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
# probes and static files would be most of the spans and say nothing (regexes, searched in the URL)
EXCLUDED_URLS = r"/health\b,/ready\b,/static/"


def tracing_enabled() -> bool:
    disabled = os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
    return not disabled and any(os.environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def start_tracing(app: FastAPI, service_name: str) -> TracerProvider | None:
    """Trace `app`'s requests; the provider (to instrument more, and to flush at shutdown), or None when off."""
    if not tracing_enabled():
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # an operator's OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) wins over ours
    named = os.environ.get("OTEL_SERVICE_NAME") or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    provider = TracerProvider(resource=Resource.create({} if named else {SERVICE_NAME: service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    # Passed to each instrumentation, never made the global provider: FastAPI's own telemetry switches itself on
    # when a global one is set, and every request would be traced twice.
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=EXCLUDED_URLS)
    return provider
