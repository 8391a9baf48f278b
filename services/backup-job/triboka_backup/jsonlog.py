"""Triboka's one JSON log schema: one object per line, the same keys in the API, the dashboard and the backup job.

Every line: `time` (ISO 8601 UTC, ms), `level` (lowercase), `logger`, `message`, `request_id` and `user_id` (of
the request being served, else null), `trace_id` and `span_id` (of the active OpenTelemetry span, else null).
Request lines add `method`, `route` (the route template), `status`, `duration_ms`; the backup job's lines add
`action`; a logged exception adds `error` ({"type", "message"}) and `traceback`. Other `extra=` fields (flat, or
a dict under `fields`) follow; they never replace the keys above.

This file is the same, byte for byte, in triboka_api, triboka_web and triboka_backup (tests/support/logschema.py checks
it): each image is built from its own service directory alone, so the services cannot share a package at run time.
"""

from __future__ import annotations

import json
import logging
import logging.config
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)

CORE_KEYS = ("time", "level", "logger", "message", "request_id", "user_id", "trace_id", "span_id")
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def _trace_ids() -> tuple[str | None, str | None]:
    # Looked up, never imported: with tracing off the OpenTelemetry packages stay unloaded (memory, start-up).
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None, None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


class JsonFormatter(logging.Formatter):
    def __init__(self, fields: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.fields = fields or {}  # the same on every line of this process (the backup job's `action`)

    def format(self, record: logging.LogRecord) -> str:
        trace_id, span_id = _trace_ids()
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
            "user_id": user_id_var.get(),
            "trace_id": trace_id,
            "span_id": span_id,
        }
        extra = self.fields | {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        extra.update(extra.pop("fields", None) or {})
        for key, value in extra.items():
            if line.get(key) is None:
                line[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["error"] = {"type": type(error).__name__, "message": str(error)}
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def logging_config(level: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """A `logging.config.dictConfig` dict, also handed to uvicorn so that its own lines follow the schema."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter, "fields": fields or {}}},
        "handlers": {
            "out": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
        },
        "root": {"handlers": ["out"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"level": level.upper(), "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            # each service logs every request once, with its ID and route: uvicorn's line would repeat it
            "uvicorn.access": {"level": "WARNING", "propagate": False},
            "alembic": {"level": "WARNING"},
            "httpx": {"level": "WARNING"},
        },
    }


def configure_logging(
    level: str, stream: IO[str] | None = None, fields: dict[str, Any] | None = None
) -> None:
    """Install the schema on the root logger (processes that do not hand `logging_config` to uvicorn)."""
    config = logging_config(level, fields)
    if stream is not None:
        config["handlers"]["out"]["stream"] = stream
    logging.config.dictConfig(config)
