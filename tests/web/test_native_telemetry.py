"""FastAPI's native OpenTelemetry stays off in both services: their tracing is their own (`tracing.py`, spans only
with OTEL_EXPORTER_OTLP_ENDPOINT). With a global tracer provider set, as auto-instrumentation or another library
may do, a request still makes no span of FastAPI's, so nothing is traced twice or without being asked for. Each
service runs in a process of its own: a process sets its global provider once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import asyncio, sys
import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)

if sys.argv[1] == "api":
    from triboka_api.app import create_app
    from triboka_api.migrate import upgrade
    from triboka_api.settings import Settings
    settings = Settings(database_url=f"sqlite+aiosqlite:///{sys.argv[2]}/api.db", jwt_secret="x" * 40)
    upgrade(settings)
    app = create_app(settings)
    path = "/api/health"
else:
    from triboka_web.app import create_app
    from triboka_web.settings import Settings
    app = create_app(Settings())
    path = "/health"


async def main() -> None:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe.test") as client:
            assert (await client.get(path)).status_code == 200


asyncio.run(main())
print(len(exporter.get_finished_spans()))
"""


@pytest.mark.parametrize("service", ["api", "web"])
def test_a_global_tracer_provider_does_not_switch_fastapis_own_tracing_on(
    service: str, tmp_path: Path
) -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, service, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert probe.stdout.strip().splitlines()[-1] == "0", probe.stdout
