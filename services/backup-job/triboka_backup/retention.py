"""Grandfather-father-son retention as a pure function of backup times (UTC), never of the clock.

For each class (hourly, daily, weekly, monthly) with a count N, walk the backups newest first and keep
the newest backup of each of the N most recent periods that contain a backup. Periods are UTC clock
hours, UTC calendar days, ISO 8601 weeks (Monday to Sunday, so 2026-W53 runs Dec 28 2026 to Jan 3 2027)
and UTC calendar months. A backup can be kept by several classes. The newest backup is always kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, Field


class RetentionPolicy(BaseModel):
    hourly: int = Field(24, ge=0)
    daily: int = Field(7, ge=0)
    weekly: int = Field(4, ge=0)
    monthly: int = Field(3, ge=0)


PERIODS: dict[str, Callable[[datetime], Hashable]] = {
    "hourly": lambda t: (t.year, t.month, t.day, t.hour),
    "daily": lambda t: t.date(),
    "weekly": lambda t: t.isocalendar()[:2],
    "monthly": lambda t: (t.year, t.month),
}


@dataclass(frozen=True)
class Decision:
    backup_id: str
    taken_at: datetime
    reasons: tuple[str, ...]

    @property
    def keep(self) -> bool:
        return bool(self.reasons)


def plan(backups: Iterable[tuple[str, datetime]], policy: RetentionPolicy) -> list[Decision]:
    """Decide, newest first, which backups each class keeps; the rest are to be deleted."""
    ordered = sorted(((bid, _utc(at)) for bid, at in backups), key=lambda b: (b[1], b[0]), reverse=True)
    reasons: dict[str, list[str]] = {bid: [] for bid, _ in ordered}
    if ordered:
        reasons[ordered[0][0]].append("newest")
    for name, period_of in PERIODS.items():
        budget = getattr(policy, name)
        last_period: Hashable = None
        for bid, at in ordered:
            if budget == 0:
                break
            period = period_of(at)
            if period != last_period:
                reasons[bid].append(name)
                last_period = period
                budget -= 1
    return [Decision(bid, at, tuple(reasons[bid])) for bid, at in ordered]


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("backup times must be timezone-aware")
    return moment.astimezone(UTC)
