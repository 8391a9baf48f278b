"""Figures the scenarios measure (install time, requests sent and failed, rollout and scaling times), written to
tests/artifacts/e2e/report.json and printed at the end of the run by the suite's conftest."""

from __future__ import annotations

from typing import Any

REPORT: dict[str, dict[str, Any]] = {}


def record(section: str, **figures: Any) -> None:
    REPORT.setdefault(section, {}).update(figures)
