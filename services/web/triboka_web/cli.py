"""`triboka-web serve`: run the dashboard under uvicorn, with optional multi-worker Prometheus metrics."""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile

import uvicorn
from pydantic import ValidationError

from triboka_web import serving
from triboka_web.jsonlog import configure_logging
from triboka_web.settings import get_settings

WORKER_HEALTHCHECK_SECONDS = 30


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triboka-web", description="Triboka web dashboard")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the dashboard over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5004)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.add_argument(
        "--metrics-port", type=int, default=0, help="serve Prometheus metrics on this port (0 disables)"
    )
    return parser


def _share_metrics_between_workers() -> None:
    """Workers inherit PROMETHEUS_MULTIPROC_DIR and write there; this process serves the aggregate."""
    directory = tempfile.mkdtemp(prefix="triboka-web-metrics-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory


def serve(host: str, port: int, workers: int, metrics_port: int) -> None:
    try:
        settings = get_settings()
    except ValidationError as exc:
        sys.exit(f"triboka-web: invalid configuration:\n{exc}")
    configure_logging(settings.log_level)
    if metrics_port:
        _share_metrics_between_workers()
        from triboka_web.metrics import serve_multiprocess_metrics

        serve_multiprocess_metrics(host, metrics_port)
    config = uvicorn.Config(
        "triboka_web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        timeout_keep_alive=settings.keep_alive_seconds,
        # uvicorn kills a worker that does not answer its supervisor's ping in time (5 s by default): a worker
        # starting on a CPU-starved node or a throttled container took longer and was killed in a loop
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    serving.run(config)


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        serve(args.host, args.port, args.workers, args.metrics_port)
