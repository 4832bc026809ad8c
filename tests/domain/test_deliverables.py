"""Due times and reminder planning, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.deliverables import (
    InvalidDue,
    InvalidSubmission,
    check_submission_url,
    parse_due,
    plan_reminders,
    reminders_to_send,
    spread_due_times,
)

AMS = "Europe/Amsterdam"
OFFSETS = [timedelta(days=7), timedelta(days=2), timedelta(days=1), timedelta(hours=2)]
NOW = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def test_due_is_read_in_the_server_timezone() -> None:
    """18:00 in Amsterdam in winter is 17:00 UTC; ISO with an offset is taken as given."""
    assert parse_due("2026-12-01 18:00", AMS, NOW) == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert parse_due("2026-12-01T18:00:00-05:00", AMS, NOW) == datetime(
        2026, 12, 1, 23, 0, tzinfo=UTC
    )


def test_days_from_now() -> None:
    """``14d`` is fourteen days from now, to the minute, whatever the timezone."""
    now = NOW.replace(second=42)
    assert parse_due("14d", AMS, now) == datetime(2026, 10, 15, 8, 0, tzinfo=UTC)
    assert parse_due(" 3 D ", AMS, now) == datetime(2026, 10, 4, 8, 0, tzinfo=UTC)


def test_days_from_now_keep_the_wall_clock_across_dst() -> None:
    """From 10:00 in Amsterdam summer time, 30d is 10:00 winter time: one hour later in UTC."""
    assert parse_due("30d", AMS, NOW) == datetime(2026, 10, 31, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-03-29 02:30", "nonexistent"),
        ("tomorrow", "format"),
        ("2026-09-01 10:00", "past"),
        ("2026-12-01 25:00", "format"),
        ("0d", "format"),
        ("400d", "format"),
    ],
)
def test_bad_due_times(text: str, reason: str) -> None:
    """Skipped DST hours, unreadable and past times are refused with a reason."""
    now = NOW if reason != "nonexistent" else datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidDue) as caught:
        parse_due(text, AMS, now)
    assert caught.value.params["reason"] == reason


def test_day_offsets_keep_the_wall_clock_across_dst() -> None:
    """Due Wed 28 Oct 10:00 (after the switch): the 7-day reminder is Wed 21 Oct 10:00 local."""
    due = parse_due("2026-10-28 10:00", AMS, NOW)
    plan = {r.kind: r.at for r in plan_reminders(due, OFFSETS, NOW, AMS)}
    assert due == datetime(2026, 10, 28, 9, 0, tzinfo=UTC)  # 10:00 CET
    assert plan["before:7d"] == datetime(2026, 10, 21, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert plan["before:2h"] == due - timedelta(hours=2)
    assert (due - plan["before:7d"]) == timedelta(days=7, hours=1)


def test_past_offsets_are_skipped_but_the_current_window_is_kept() -> None:
    """Added 90 minutes before due: no 7d/2d/1d reminders, the 2h one at once."""
    due = NOW + timedelta(minutes=90)
    kinds = [r.kind for r in plan_reminders(due, OFFSETS, NOW)]
    assert kinds == ["before:2h", "escalation", "overdue:1", "overdue:2", "overdue:3"]
    assert reminders_to_send(plan_reminders(due, OFFSETS, NOW), set(), due, NOW).send == [
        "before:2h"
    ]


def test_added_three_days_before_due() -> None:
    """Three days ahead: the 2d, 1d and 2h reminders, plus the 7-day window sent at once."""
    due = NOW + timedelta(days=3)
    kinds = [r.kind for r in plan_reminders(due, OFFSETS, NOW) if r.kind.startswith("before")]
    assert kinds == ["before:7d", "before:2d", "before:1d", "before:2h"]


def test_downtime_sends_only_the_latest_reminder() -> None:
    """After a day of downtime the older missed reminders are skipped, the latest sent."""
    due = NOW + timedelta(days=10)
    plan = plan_reminders(due, OFFSETS, NOW)
    decision = reminders_to_send(plan, set(), due, due - timedelta(hours=20))
    assert decision.send == ["before:1d"]
    assert decision.skip == ["before:7d", "before:2d"]


def test_overdue_after_downtime_sends_overdue_not_pre_due() -> None:
    """Down over the due time: no pre-due reminders; the latest overdue notice, escalation."""
    due = NOW + timedelta(days=10)
    plan = plan_reminders(due, OFFSETS, NOW)
    decision = reminders_to_send(plan, {"before:7d"}, due, due + timedelta(days=1, hours=1))
    assert decision.send == ["overdue:2", "escalation"]
    assert decision.skip == ["before:2d", "before:1d", "before:2h", "overdue:1"]


def test_at_most_three_overdue_notices() -> None:
    """A week late, nothing new is sent once three notices and the escalation went out."""
    due = NOW + timedelta(days=1)
    plan = plan_reminders(due, OFFSETS, NOW)
    done = {r.kind for r in plan}
    assert reminders_to_send(plan, done, due, due + timedelta(days=7)).send == []


def test_submission_url_must_be_on_the_platform() -> None:
    """A TikTok deliverable needs an https TikTok link."""
    assert check_submission_url("https://www.tiktok.com/@anna/video/1", "tiktok")
    for bad in ("http://www.tiktok.com/@anna/video/1", "https://evil.example/x"):
        with pytest.raises(InvalidSubmission):
            check_submission_url(bad, "tiktok")


def test_template_spreads_due_times() -> None:
    """Three deliverables in 30 days are due on days 10, 20 and 30."""
    start = datetime(2026, 12, 1, tzinfo=UTC)
    assert [d.day for d in spread_due_times(start, 30, 3)] == [11, 21, 31]
