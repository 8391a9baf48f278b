"""The one JSON log schema of the three services (README "Logs"), checked on lines a real process wrote."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "api": ROOT / "services/api/triboka_api",
    "web": ROOT / "services/web/triboka_web",
    "backup": ROOT / "services/backup-job/triboka_backup",
}

LEVELS = {"debug", "info", "warning", "error", "critical"}
# every line, every service: key -> the types its value may have
CORE: dict[str, tuple[type, ...]] = {
    "time": (str,),
    "level": (str,),
    "logger": (str,),
    "message": (str,),
    "request_id": (str, type(None)),
    "user_id": (int, type(None)),
    "trace_id": (str, type(None)),
    "span_id": (str, type(None)),
}
# a request's access line (api, web)
REQUEST: dict[str, tuple[type, ...]] = {
    "method": (str,),
    "route": (str,),
    "status": (int,),
    "duration_ms": (float, int),
}
# a backup job's line
ACTION: dict[str, tuple[type, ...]] = {"action": (str,)}
TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
SPAN_ID = re.compile(r"^[0-9a-f]{16}$")


def log_lines(text: str) -> list[dict[str, Any]]:
    """Every JSON object line of a process's output (anything else, e.g. a crash's plain text, is skipped)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _check(line: dict[str, Any], keys: dict[str, tuple[type, ...]]) -> None:
    for key, types in keys.items():
        assert key in line, f"{key!r} missing from {line}"
        # bool is an int: a status or user id of True would pass isinstance
        assert isinstance(line[key], types), f"{key!r} of {line}"
        assert not isinstance(line[key], bool), f"{key!r} of {line}"


def assert_schema(line: dict[str, Any], *, request: bool = False, action: bool = False) -> None:
    _check(line, CORE)
    assert datetime.fromisoformat(line["time"]).utcoffset() is not None, line
    assert line["level"] in LEVELS, line
    if line["trace_id"] is not None:
        assert TRACE_ID.match(line["trace_id"]), line
        assert SPAN_ID.match(line["span_id"]), line
    if request:
        _check(line, REQUEST)
        assert line["route"].startswith("/") or line["route"] == "<unmatched>", line
    if action:
        _check(line, ACTION)
    if "error" in line:
        assert set(line["error"]) == {"type", "message"}, line
        assert isinstance(line["traceback"], str), line


def assert_same_implementation(service: str, module: str = "jsonlog.py") -> None:
    """The images are built from each service's directory alone: the shared modules (the log schema, the tracing
    set-up) are copied, verbatim, from the API's package."""
    copy, original = PACKAGES[service] / module, PACKAGES["api"] / module
    assert copy.read_bytes() == original.read_bytes(), (
        f"{copy} differs from {original}: copy the changed one over"
    )
