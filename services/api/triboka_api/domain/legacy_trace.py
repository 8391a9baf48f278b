"""S-75..S-78: the first generation's second trace API, as a view over the C-41 events.

Its event types each require some measurements (numbers); S-75 refuses an event without them and S-78 reports
stored events of these types that lack them. Other event types (recorded through C-41) have no such rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from triboka_api.domain.errors import RuleViolationError

# event type -> the measurement keys it must carry (Δ: the first generation's table was not part of the contract)
REQUIRED_MEASUREMENTS: dict[str, tuple[str, ...]] = {
    "PRODUCER_INIT": ("weight_kg",),
    "RECEPCIÓN": ("weight_kg", "moisture_pct"),
    "CALIDAD": ("moisture_pct", "fermentation_pct", "defects_pct"),
    "DRYING": ("moisture_pct", "duration_hours"),
    "FERMENTATION": ("duration_hours", "temperature_c"),
    "STORAGE": ("temperature_c", "humidity_pct"),
    "EXPORT_PREPARATION": ("weight_kg", "bags"),
    "CUSTOMS_CLEARANCE": ("weight_kg",),
    "SHIPMENT": ("weight_kg", "containers"),
}
EVENT_TYPES = tuple(REQUIRED_MEASUREMENTS)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def measurement_issues(event_type: str, measurements: Mapping[str, Any] | None) -> list[str]:
    """What the measurements of an event of `event_type` lack (nothing for types without a rule)."""
    given = measurements or {}
    return [
        f"measurement '{key}' is required (a number)"
        for key in REQUIRED_MEASUREMENTS.get(event_type, ())
        if not _is_number(given.get(key))
    ]


def check_new_event(event_type: str, measurements: Mapping[str, Any]) -> None:
    if event_type not in REQUIRED_MEASUREMENTS:
        raise RuleViolationError(f"event_type must be one of {', '.join(EVENT_TYPES)}")
    issues = measurement_issues(event_type, measurements)
    if issues:
        raise RuleViolationError(f"{event_type}: {issues[0]}")
