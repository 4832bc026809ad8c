"""Weeks and day buckets in the server's timezone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.domain.weeks import (
    last_days,
    last_full_week,
    period_start,
    week_containing,
    week_starting,
)

AMSTERDAM = "Europe/Amsterdam"


def test_week_with_the_last_sunday_of_october_has_169_hours() -> None:
    """Clocks go back on 25 Oct 2026: that week is an hour longer."""
    week = week_containing(datetime(2026, 10, 25, 12, tzinfo=UTC), AMSTERDAM)
    assert week.key == "2026-10-19"
    assert week.starts_at == datetime(2026, 10, 18, 22, tzinfo=UTC)  # 00:00 CEST
    assert week.ends_at == datetime(2026, 10, 25, 23, tzinfo=UTC)  # 00:00 CET
    assert week.hours == 169


def test_week_with_the_last_sunday_of_march_has_167_hours() -> None:
    """Clocks go forward on 29 Mar 2026: that week is an hour shorter."""
    week = week_containing(datetime(2026, 3, 29, 12, tzinfo=UTC), AMSTERDAM)
    assert week.key == "2026-03-23"
    assert week.starts_at == datetime(2026, 3, 22, 23, tzinfo=UTC)  # 00:00 CET
    assert week.ends_at == datetime(2026, 3, 29, 22, tzinfo=UTC)  # 00:00 CEST
    assert week.hours == 167


def test_day_buckets_follow_local_midnights_across_dst() -> None:
    """The Sunday of the October change is a 25-hour bucket; the others are 24 hours."""
    bounds = week_starting(date(2026, 10, 19), AMSTERDAM).boundaries()
    lengths = [(b - a) / timedelta(hours=1) for a, b in pairwise(bounds)]
    assert lengths == [24, 24, 24, 24, 24, 24, 25]


def test_last_full_week_just_after_local_monday_midnight() -> None:
    """Monday 00:30 in Amsterdam (Sunday 23:30 UTC): the week that just ended."""
    week = last_full_week(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), AMSTERDAM)
    assert week.key == "2026-11-16"
    assert week.ends_at == datetime(2026, 11, 22, 23, tzinfo=UTC)


def test_last_full_week_just_before_local_monday_midnight() -> None:
    """Sunday 23:59 in Amsterdam: the current week is not over, so the one before it."""
    week = last_full_week(datetime(2026, 11, 22, 22, 59, tzinfo=UTC), AMSTERDAM)
    assert week.key == "2026-11-09"


def test_last_seven_days_are_today_and_the_six_days_before() -> None:
    """/summary post on Wednesday 28 Oct covers Thursday 22 Oct 00:00 (CEST) up to today."""
    window = last_days(datetime(2026, 10, 28, 9, 15, tzinfo=UTC), AMSTERDAM)
    assert window.local_days()[0] == date(2026, 10, 22)
    assert window.local_days()[-1] == date(2026, 10, 28)
    assert window.starts_at == datetime(2026, 10, 21, 22, tzinfo=UTC)
    assert window.ends_at == datetime(2026, 10, 28, 23, tzinfo=UTC)


def test_a_week_must_start_on_monday() -> None:
    """A week key is always a Monday."""
    with pytest.raises(ValueError, match="not a Monday"):
        week_starting(date(2026, 11, 17), AMSTERDAM)


def test_period_start_in_the_servers_timezone() -> None:
    """This week starts Monday 00:00 local, this month the 1st 00:00 local, ``all`` never;
    late Sunday UTC may already be Monday in Amsterdam."""
    zone = ZoneInfo("Europe/Amsterdam")
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 00:30 in Amsterdam
    assert period_start("week", now, zone) == datetime(2026, 11, 23, tzinfo=zone)
    assert period_start("month", now, zone) == datetime(2026, 11, 1, tzinfo=zone)
    assert period_start("all", now, zone) is None
    march = datetime(2026, 3, 31, 12, tzinfo=UTC)  # the month began before the DST change
    assert period_start("month", march, zone) == datetime(2026, 3, 1, tzinfo=UTC) - timedelta(
        hours=1
    )
