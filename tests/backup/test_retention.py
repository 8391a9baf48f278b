"""Golden tables for grandfather-father-son retention: exact keep-sets for synthetic backup times (UTC).

The plan reads no clock: it is a function of the backup times alone, so each table is the frozen truth.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from triboka_backup.retention import RetentionPolicy, plan


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def keep_set(times: list[datetime], policy: RetentionPolicy) -> dict[str, tuple[str, ...]]:
    decisions = plan([(t.isoformat(), t) for t in times], policy)
    return {d.taken_at.strftime("%Y-%m-%d %H:%M"): d.reasons for d in decisions if d.keep}


def daily(start: str, end: str, hour: str) -> list[datetime]:
    first, last = at(f"{start} {hour}"), at(f"{end} {hour}")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def hourly(start: str, count: int) -> list[datetime]:
    return [at(start) + timedelta(hours=i) for i in range(count)]


def test_month_ends_keep_the_last_backup_of_each_calendar_month() -> None:
    times = daily("2026-01-25", "2026-03-05", "23:30")
    assert keep_set(times, RetentionPolicy(hourly=0, daily=3, weekly=0, monthly=3)) == {
        "2026-03-05 23:30": ("newest", "daily", "monthly"),
        "2026-03-04 23:30": ("daily",),
        "2026-03-03 23:30": ("daily",),
        "2026-02-28 23:30": ("monthly",),  # 2026 is not a leap year
        "2026-01-31 23:30": ("monthly",),
    }


def test_leap_day_is_the_end_of_february() -> None:
    times = daily("2028-02-26", "2028-03-02", "00:00")
    kept = keep_set(times, RetentionPolicy(hourly=0, daily=0, weekly=0, monthly=2))
    assert kept == {"2028-03-02 00:00": ("newest", "monthly"), "2028-02-29 00:00": ("monthly",)}


def test_iso_week_53_spans_the_new_year() -> None:
    # 2026-W53 runs Monday 2026-12-28 to Sunday 2027-01-03; 2027-W01 starts on Monday 2027-01-04.
    times = daily("2026-12-20", "2027-01-10", "12:00")
    assert keep_set(times, RetentionPolicy(hourly=0, daily=0, weekly=4, monthly=0)) == {
        "2027-01-10 12:00": ("newest", "weekly"),  # 2027-W01
        "2027-01-03 12:00": ("weekly",),  # 2026-W53, although it is already 2027
        "2026-12-27 12:00": ("weekly",),  # 2026-W52
        "2026-12-20 12:00": ("weekly",),  # 2026-W51
    }


def test_year_boundary_for_hours_days_and_months() -> None:
    times = [at("2026-12-30 10:00"), *hourly("2026-12-31 20:00", 8)]  # 20:00 .. 03:00 next day
    assert keep_set(times, RetentionPolicy(hourly=3, daily=2, weekly=0, monthly=2)) == {
        "2027-01-01 03:00": ("newest", "hourly", "daily", "monthly"),
        "2027-01-01 02:00": ("hourly",),
        "2027-01-01 01:00": ("hourly",),
        "2026-12-31 23:00": ("daily", "monthly"),
    }


def test_daylight_saving_change_does_not_move_utc_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    # Europe/Madrid falls back at 01:00 UTC on 2026-10-25: local 02:00-03:00 happens twice. In UTC every hour
    # is distinct and the day starts at 00:00 UTC, whatever the machine's time zone is.
    monkeypatch.setenv("TZ", "Europe/Madrid")
    time.tzset()
    try:
        times = hourly("2026-10-24 22:00", 7)  # 22:00 UTC Oct 24 .. 04:00 UTC Oct 25
        kept = keep_set(times, RetentionPolicy(hourly=5, daily=2, weekly=0, monthly=0))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert kept == {
        "2026-10-25 04:00": ("newest", "hourly", "daily"),
        "2026-10-25 03:00": ("hourly",),
        "2026-10-25 02:00": ("hourly",),
        "2026-10-25 01:00": ("hourly",),  # local 02:00 CET, the repeated hour
        "2026-10-25 00:00": ("hourly",),  # local 02:00 CEST
        "2026-10-24 23:00": ("daily",),  # Oct 25 in Madrid, Oct 24 in UTC
    }


def test_spring_forward_keeps_one_backup_per_utc_hour() -> None:
    times = [at("2026-03-29 00:10"), at("2026-03-29 00:50"), at("2026-03-29 01:10"), at("2026-03-29 01:40")]
    kept = keep_set(times, RetentionPolicy(hourly=24, daily=0, weekly=0, monthly=0))
    assert kept == {"2026-03-29 01:40": ("newest", "hourly"), "2026-03-29 00:50": ("hourly",)}


def test_default_policy_over_four_months_of_hourly_backups() -> None:
    times = hourly("2026-01-01 00:15", 24 * 120)  # Jan 1 .. Apr 30, hourly
    kept = keep_set(times, RetentionPolicy())
    assert len([r for r in kept.values() if "hourly" in r]) == 24
    assert [k for k, r in kept.items() if "daily" in r] == [
        f"2026-04-{d:02d} 23:15" for d in range(30, 23, -1)
    ]
    # ISO weeks: W18 (Apr 27..), W17, W16, W15; the newest backup of each.
    assert [k for k, r in kept.items() if "weekly" in r] == [
        "2026-04-30 23:15",
        "2026-04-26 23:15",
        "2026-04-19 23:15",
        "2026-04-12 23:15",
    ]
    assert [k for k, r in kept.items() if "monthly" in r] == [
        "2026-04-30 23:15",
        "2026-03-31 23:15",
        "2026-02-28 23:15",
    ]
    # 24 hours of Apr 30; 6 more days; weeks add Apr 19 and 12 (Apr 26 is a daily); months add Mar 31, Feb 28.
    assert len(kept) == 24 + 6 + 2 + 2


def test_newest_backup_is_kept_even_with_every_class_at_zero() -> None:
    times = [at("2026-05-01 00:00"), at("2026-05-02 00:00")]
    kept = keep_set(times, RetentionPolicy(hourly=0, daily=0, weekly=0, monthly=0))
    assert kept == {"2026-05-02 00:00": ("newest",)}


def test_old_backups_survive_when_backups_stopped() -> None:
    # Periods are counted among those that have a backup, not back from today: a CronJob that stopped for
    # months does not make its last backups expire.
    times = daily("2025-06-01", "2025-06-10", "03:00")
    kept = keep_set(times, RetentionPolicy(hourly=0, daily=7, weekly=0, monthly=0))
    assert sorted(kept) == [f"2025-06-{d:02d} 03:00" for d in range(4, 11)]


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan([("x", datetime(2026, 1, 1))], RetentionPolicy())
