"""OpenTelemetry, end to end: the real web and API processes export to a real OTLP/HTTP receiver (an HTTP server
here that decodes the protobuf ExportTraceServiceRequest the SDK sends); one dashboard request is one trace,
web -> API -> database, with the right parent links, and both services' log lines carry its trace id."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.support.logschema import assert_same_implementation, assert_schema, log_lines
from tests.web.servers import Process, launch_api, launch_web, sign_in, web_client

TRACES_PATH = "/v1/traces"
ADMIN, PASSWORD = "admin@traced.test", "traced-admin-pass-1"
SERVER, CLIENT = 2, 3  # the protobuf SpanKind values


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, object]


class OtlpReceiver(ThreadingHTTPServer):
    """What a collector's OTLP/HTTP receiver does with traces: decode, keep, answer 200."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.spans: list[Span] = []
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def trace(self, trace_id: str) -> list[Span]:
        with self.lock:
            return [span for span in self.spans if span.trace_id == trace_id]


class _Handler(BaseHTTPRequestHandler):
    server: OtlpReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path != TRACES_PATH or self.headers["Content-Type"] != "application/x-protobuf":
            self.send_error(404)
            return
        request = ExportTraceServiceRequest.FromString(body)
        spans = []
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                spans += [
                    Span(
                        resource["service.name"],
                        span.name,
                        span.kind,
                        span.trace_id.hex(),
                        span.span_id.hex(),
                        span.parent_span_id.hex(),
                        {a.key: a.value.string_value or a.value.int_value for a in span.attributes},
                    )
                    for span in scope_spans.spans
                ]
        with self.server.lock:
            self.server.spans += spans
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:  # the test's output stays the test's
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    server = OtlpReceiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def traced(
    tmp_path_factory: pytest.TempPathFactory, receiver: OtlpReceiver
) -> Iterator[tuple[Process, Process]]:
    workdir = tmp_path_factory.mktemp("traced")
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    api = launch_api(workdir, ADMIN, PASSWORD, TRIBOKA_LOG_LEVEL="info", **otel)
    # a loaded machine: the first sign-in (password hashing) may take longer than the usual 5 s API timeout
    web = launch_web(workdir, api.url, TRIBOKA_WEB_API_TIMEOUT_SECONDS="30", **otel)
    try:
        # started with tracing on, on a machine the other suites load too: more than the usual minute to start
        yield api.wait_until_healthy(timeout=180), web.wait_until_healthy(timeout=180)
    finally:
        web.stop()
        api.stop()


def _wait_for(condition: object, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _access_line(process: Process, logger: str, request_id: str) -> dict[str, object]:
    lines: list[dict[str, object]] = []

    def logged() -> bool:
        lines[:] = [
            line
            for line in log_lines(process.log.read_text())
            if line["logger"] == logger and line["request_id"] == request_id
        ]
        return bool(lines)

    _wait_for(logged, f"{logger} line of {request_id}")
    assert_schema(lines[0], request=True)
    return lines[0]


def test_the_tracing_module_is_the_apis() -> None:
    assert_same_implementation("web", "tracing.py")


def test_a_dashboard_request_is_one_trace_from_the_web_through_the_api_to_the_database(
    traced: tuple[Process, Process], receiver: OtlpReceiver
) -> None:
    api, web = traced
    with web_client(web.url) as client:
        assert sign_in(client, ADMIN, PASSWORD).status_code == 303
        assert client.get("/dashboard", headers={"X-Request-ID": "traced-dashboard"}).status_code == 200

    web_line = _access_line(web, "triboka_web.access", "traced-dashboard")
    trace_id = web_line["trace_id"]
    assert isinstance(trace_id, str)
    # the API's lines of that request: the same request id (X-Request-ID) and the same trace (traceparent)
    api_line = _access_line(api, "triboka_api.access", "traced-dashboard")
    assert api_line["trace_id"] == trace_id
    assert api_line["span_id"] != web_line["span_id"]

    def complete() -> bool:
        spans = receiver.trace(trace_id)
        servers = {span.service for span in spans if span.kind == SERVER}
        return servers == {"triboka-web", "triboka-api"} and any(map(_is_query, spans))

    _wait_for(complete, f"the spans of trace {trace_id}: {[(s.service, s.name) for s in receiver.spans]}")
    spans = receiver.trace(trace_id)
    by_id = {span.span_id: span for span in spans}

    (root,) = [span for span in spans if not span.parent_id]
    assert (root.service, root.kind, root.attributes.get("http.route")) == (
        "triboka-web",
        SERVER,
        "/dashboard",
    )
    web_calls = [span for span in spans if span.service == "triboka-web" and span.kind == CLIENT]
    assert web_calls, "the web's calls to the API are spans"
    api_servers = [span for span in spans if span.service == "triboka-api" and span.kind == SERVER]
    assert api_servers
    for server in api_servers:
        # each API request's parent is one of the web's client spans (traceparent was sent and honoured)
        assert by_id[server.parent_id] in web_calls
    for call in web_calls:
        assert _ancestors(call, by_id)[-1] is root
    queries = [span for span in spans if _is_query(span)]
    assert {span.service for span in queries} == {"triboka-api"}
    for query in queries:
        assert any(ancestor in api_servers for ancestor in _ancestors(query, by_id))


def _is_query(span: Span) -> bool:
    return any(key.startswith("db.system") for key in span.attributes)


def _ancestors(span: Span, by_id: dict[str, Span]) -> list[Span]:
    chain = []
    while span.parent_id:
        span = by_id[span.parent_id]
        chain.append(span)
    return chain


@pytest.mark.parametrize("service", ["api", "web"])
def test_with_tracing_off_the_sdk_is_not_loaded(service: str, tmp_path: Path) -> None:
    """Every megabyte per worker counts: tracing off must not import the SDK's tracing, the exporter or an
    instrumentation. (FastAPI itself imports the opentelemetry API package, and redis-py the SDK's metrics module
    when the SDK is installed: README "Tracing".)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env |= {
        "TRIBOKA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        "TRIBOKA_WEB_SECRET_KEY": "tracing-off-secret-0123456789abcdef0123",
    }
    code = (
        f"import sys; from triboka_{service}.app import create_app; create_app(); "
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk.trace', 'opentelemetry.exporter', "
        "'opentelemetry.instrumentation', 'opentelemetry.proto', 'google.protobuf'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_api_continues_a_callers_trace_and_ignores_a_malformed_traceparent(
    traced: tuple[Process, Process],
) -> None:
    api, _ = traced
    given = "4bf92f3577b34da6a3ce929d0e0e4736"
    for request_id, traceparent in (
        ("traced-given", f"00-{given}-00f067aa0ba902b7-01"),
        ("traced-garbage", "00-not-a-trace-id-at-all-!!"),
    ):
        headers = {"traceparent": traceparent, "X-Request-ID": request_id}
        assert httpx.get(f"{api.url}/api/companies", headers=headers).status_code == 401
    assert _access_line(api, "triboka_api.access", "traced-given")["trace_id"] == given
    garbage = _access_line(api, "triboka_api.access", "traced-garbage")["trace_id"]
    assert isinstance(garbage, str)
    assert garbage != given  # a new trace
