"""Bulk deliverables: which creators already have one, and the summary of a job."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.domain.bulk_requests import (
    ALREADY_HAS_ONE,
    DM_CLOSED,
    INACTIVE,
    PAUSED,
    REMOVED,
    already_has_one,
    not_reachable,
    summarise,
)
from bot.domain.creators import Creator, CreatorStatus
from bot.domain.deliverables import Deliverable, Kind, Status
from bot.domain.tiers import Tier

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
    counts = {
        "done": 3,
        "skipped": 5,
        ALREADY_HAS_ONE: 2,
        PAUSED: 1,
        REMOVED: 1,
        INACTIVE: 1,
        DM_CLOSED: 1,
    }
    summary = summarise(2, 9, counts, finished=False)
    assert (summary.creators, summary.deliverables) == (3, 6)
    assert (summary.already, summary.paused, summary.removed, summary.inactive) == (2, 1, 1, 1)
    assert summary.skipped == 5
    assert (summary.closed, summary.processed, summary.total) == (1, 8, 9)


CREATOR = Creator(
    id=2,
    guild_id=1,
    user_id=500,
    handle="maker",
    source_slug="maker",
    platform="instagram",
    followers=5_000,
    tier=Tier.NANO,
    niche="food",
    email=None,
    locale="en",
    status=CreatorStatus.ACTIVE,
    plan_id=None,
    public_earnings=False,
    welcome_pending=False,
    approved_by=900,
    approved_at=DUE,
    status_at=DUE,
)


def test_a_creator_paused_removed_or_erased_since_is_skipped_with_that_reason() -> None:
    """Active: planned; paused, removed, or erased (no member any more): the reason says which."""
    assert not_reachable(CREATOR) is None
    assert not_reachable(replace(CREATOR, status=CreatorStatus.PAUSED)) == PAUSED
    assert not_reachable(replace(CREATOR, status=CreatorStatus.REMOVED)) == REMOVED
    erased = replace(CREATOR, status=CreatorStatus.REMOVED, user_id=None)
    assert not_reachable(erased) == INACTIVE
    assert not_reachable(None) == INACTIVE
