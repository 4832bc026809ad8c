"""Bulk deliverables: which creators already have one, and the summary of a job."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.domain.bulk_requests import (
    ALREADY_HAS_ONE,
    DM_CLOSED,
    INACTIVE,
    already_has_one,
    summarise,
)
from bot.domain.deliverables import Deliverable, Kind, Status

DUE = datetime(2026, 12, 18, 17, 0, tzinfo=UTC)
REEL = Deliverable(
    id=7,
    guild_id=1,
    creator_id=2,
    contract_id=None,
    platform="instagram",
    kind=Kind.REEL,
    due_at=DUE + timedelta(hours=20),
    due_version=1,
    due_set_at=DUE - timedelta(days=14),
    fee_minor=0,
    currency="EUR",
    status=Status.PLANNED,
    submission_url=None,
    submitted_at=None,
    review_channel_id=None,
    review_message_id=None,
    decided_by=None,
    decided_at=None,
    rejection_reason=None,
    reach=None,
    likes=None,
    comments=None,
    shares=None,
    updated_at=DUE - timedelta(days=14),
)


def test_an_open_reel_due_within_a_day_is_already_one() -> None:
    """The same platform and kind due 20 hours apart counts; submitted ones count too."""
    assert already_has_one([REEL], "instagram", Kind.REEL, DUE) is REEL
    submitted = replace(REEL, status=Status.SUBMITTED)
    assert already_has_one([submitted], "instagram", Kind.REEL, DUE) is submitted


def test_other_platform_kind_time_or_closed_ones_do_not_count() -> None:
    """Another kind, another platform, a day or more apart, or approved/cancelled: no clash."""
    assert already_has_one([REEL], "instagram", Kind.STORY, DUE) is None
    assert already_has_one([REEL], "tiktok", Kind.REEL, DUE) is None
    far = replace(REEL, due_at=DUE + timedelta(days=1))
    assert already_has_one([far], "instagram", Kind.REEL, DUE) is None
    for status in (Status.APPROVED, Status.CANCELLED):
        assert already_has_one([replace(REEL, status=status)], "instagram", Kind.REEL, DUE) is None


def test_summary_counts_deliverables_per_creator_and_skips_by_reason() -> None:
    """Done items × count deliverables; skipped split by why; closed DMs counted."""
    counts = {"done": 3, "skipped": 3, ALREADY_HAS_ONE: 2, INACTIVE: 1, DM_CLOSED: 1}
    summary = summarise(2, 7, counts, finished=False)
    assert (summary.creators, summary.deliverables) == (3, 6)
    assert (summary.already, summary.inactive, summary.skipped) == (2, 1, 3)
    assert (summary.closed, summary.processed, summary.total) == (1, 6, 7)
