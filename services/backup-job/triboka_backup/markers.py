"""What the last run did, for humans, for `prune`, and for an alert on stale backups (Prometheus text)."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from triboka_backup.filesio import write_file_atomically

log = logging.getLogger("triboka_backup")
LAST_RUN = "last_run.json"
LAST_SUCCESS = "last_success"


class RunRecord(BaseModel):
    status: Literal["running", "ok", "failed"]
    backup_id: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    exit_code: int | None = None
    error: str | None = None
    size_bytes: int = 0

    @property
    def duration(self) -> float:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else 0.0


def read_record(directory: Path, name: str) -> RunRecord | None:
    try:
        return RunRecord.model_validate_json((directory / name).read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as exc:
        log.warning("unreadable marker %s: %s", directory / name, exc, extra={"event": "bad_marker"})
        return None


def record_run(directory: Path, metrics_file: Path, record: RunRecord) -> None:
    """Write last_run.json, and on success last_success, then the metrics; never masks the run's own error."""
    try:
        data = record.model_dump_json(indent=2).encode() + b"\n"
        write_file_atomically(directory / LAST_RUN, data)
        if record.status == "ok":
            write_file_atomically(directory / LAST_SUCCESS, data)
        if record.status != "running":
            write_file_atomically(
                metrics_file, _metrics(record, read_record(directory, LAST_SUCCESS)).encode()
            )
    except OSError as exc:
        log.error("cannot write run markers: %s", exc, extra={"event": "marker_failed"})


def _metrics(last: RunRecord, success: RunRecord | None) -> str:
    gauges = [
        (
            "last_success_timestamp_seconds",
            "End time of the last successful backup run.",
            success.finished_at.timestamp() if success and success.finished_at else 0,
        ),
        (
            "last_run_timestamp_seconds",
            "End time of the last backup run, successful or not.",
            last.finished_at.timestamp() if last.finished_at else 0,
        ),
        ("last_run_success", "1 if the last backup run succeeded, else 0.", int(last.status == "ok")),
        ("last_run_exit_code", "Exit code of the last backup run.", last.exit_code or 0),
        (
            "last_duration_seconds",
            "Duration of the last successful backup run.",
            success.duration if success else 0,
        ),
        (
            "last_size_bytes",
            "Stored size of the last successful backup.",
            success.size_bytes if success else 0,
        ),
    ]
    lines = []
    for name, help_text, value in gauges:
        lines += [
            f"# HELP triboka_backup_{name} {help_text}",
            f"# TYPE triboka_backup_{name} gauge",
            f"triboka_backup_{name} {value}",
        ]
    return "\n".join(lines) + "\n"
