"""Auto-review rules at /apply time, through OnboardingService on a real SQLite file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.domain.applications import Platform, Status
from bot.domain.creators import CreatorStatus
from bot.domain.review_queue import QueueFilter
from bot.domain.review_rules import ReviewRules, Rule
from bot.registry import Services
from bot.services.onboarding import (
    AlreadyApplied,
    AlreadyDecided,
    AlreadyReopened,
    Approval,
    ReapplyCooldown,
    Rejection,
    ReopenTooLate,
)

GUILD, MANAGER = 1, 900
RULES = {
    "auto_approve_followers": "1000-50000",
    "auto_approve_engagement": "1.5",
    "auto_approve_platforms": "instagram",
    "auto_reject_below_followers": "1000",
    "auto_reject_implausible": True,
}


async def _configure(services: Services, **extra: object) -> None:
    settings = {"review_channel": 10, "shop_url": "https://shop.example.com", **extra}
    await services.settings.update(GUILD, MANAGER, settings)


async def _apply(
    services: Services,
    user_id: int = 500,
    followers: int = 8200,
    engagement_rate: str | None = "5",
    platform: str = "instagram",
):  # type: ignore[no-untyped-def]
    return await services.onboarding.apply(
        GUILD,
        user_id,
        platform=platform,
        handle=f"user{user_id}",
        followers=followers,
        niche="baking",
        engagement_rate=engagement_rate,
    )


async def _waiting(services: Services) -> list[int]:
    return [a.id for a in await services.review_queue.matching(GUILD, QueueFilter())]


async def test_without_rules_nothing_changes(services: Services) -> None:
    """No rules: an application that would match every rule waits for a manager, as today."""
    await _configure(services)
    result = await _apply(services)
    assert result.decision is None
    assert result.application.status is Status.OPEN
    assert result.application.decided_by_rule is None
    assert await _waiting(services) == [result.application.id]


async def test_matching_application_is_approved_by_the_rule(services: Services) -> None:
    """Inside the range, engagement ≥ 1.5× and on Instagram: a creator at once, by no person."""
    await _configure(services, **RULES)
    result = await _apply(services)
    assert isinstance(result.decision, Approval)
    application = result.application
    assert (application.status, application.decided_by) == (Status.APPROVED, None)
    assert application.decided_by_rule is Rule.APPROVE_MATCH
    assert application.decided_rules == ReviewRules(
        1000, 50000, 1.5, (Platform.INSTAGRAM,), 1000, True
    )
    creator = result.decision.creator
    assert creator.status is CreatorStatus.ACTIVE and creator.approved_by is None
    assert result.decision.code.code == "USER50015"
    entry = next(
        e for e in await services.audit.recent(services.db, GUILD) if e.action.startswith("appl")
    )
    assert (entry.action, entry.actor_id, entry.detail["rule"]) == (
        "application.approve",
        None,
        "auto_approve",
    )
    assert await _waiting(services) == []


async def test_too_few_followers_is_rejected_with_cooldown(
    services: Services, clock: FrozenClock
) -> None:
    """Below the follower minimum: rejected by the rule, and the usual cooldown applies."""
    await _configure(services, **RULES)
    result = await _apply(services, followers=400)
    assert isinstance(result.decision, Rejection)
    assert result.application.status is Status.REJECTED
    assert result.application.decided_by_rule is Rule.REJECT_FEW_FOLLOWERS
    assert result.decision.may_reapply_at == clock.now() + timedelta(days=30)
    with pytest.raises(ReapplyCooldown):
        await _apply(services, followers=400)
    assert await _waiting(services) == []


async def test_implausible_engagement_is_rejected(services: Services) -> None:
    """An implausibly high engagement rate is rejected when that rule is on."""
    await _configure(services, auto_reject_implausible=True)
    result = await _apply(services, engagement_rate="45")
    assert isinstance(result.decision, Rejection)
    assert result.application.decided_by_rule is Rule.REJECT_IMPLAUSIBLE


async def test_application_matching_no_rule_waits(services: Services) -> None:
    """Rules set, but a TikTok applicant matches none: it waits in the queue for a manager."""
    await _configure(services, **RULES)
    result = await _apply(services, platform="tiktok")
    assert result.decision is None and result.application.status is Status.OPEN
    assert await _waiting(services) == [result.application.id]


async def test_auto_approval_waits_without_a_shop(services: Services) -> None:
    """Without a shop_url nothing can be approved, so a matching application waits."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "auto_approve_followers": "1000-"}
    )
    result = await _apply(services)
    assert result.decision is None and result.application.status is Status.OPEN


async def test_card_keeps_the_rules_that_applied(services: Services) -> None:
    """Changing the rules later does not change what a decided application shows."""
    await _configure(services, **RULES)
    decided = (await _apply(services)).application
    await services.settings.update(GUILD, MANAGER, {"auto_approve_followers": "off"})
    stored = await services.onboarding.application(GUILD, decided.id)
    assert stored.decided_rules is not None
    assert stored.decided_rules.approve_min_followers == 1000


async def test_reopen_within_a_day_puts_it_back(services: Services, clock: FrozenClock) -> None:
    """Re-open within 24 h: open again, in the queue, no cooldown; a second press is told."""
    await _configure(services, **RULES)
    rejected = (await _apply(services, followers=400)).application
    clock.advance(hours=23)
    reopened = await services.onboarding.reopen(GUILD, rejected.id, MANAGER)
    assert reopened.status is Status.OPEN and reopened.decided_by_rule is None
    assert await _waiting(services) == [rejected.id]
    with pytest.raises(AlreadyApplied):  # waiting again, not in a cooldown
        await _apply(services, followers=400)
    with pytest.raises(AlreadyReopened):
        await services.onboarding.reopen(GUILD, rejected.id, MANAGER)
    actions = [e.action for e in await services.audit.recent(services.db, GUILD)]
    assert "application.reopen" in actions


async def test_reopen_after_a_day_is_refused(services: Services, clock: FrozenClock) -> None:
    """After 24 h the rule's rejection stands."""
    await _configure(services, **RULES)
    rejected = (await _apply(services, followers=400)).application
    clock.advance(hours=25)
    with pytest.raises(ReopenTooLate):
        await services.onboarding.reopen(GUILD, rejected.id, MANAGER)
    stored = await services.onboarding.application(GUILD, rejected.id)
    assert stored.status is Status.REJECTED


async def test_manual_rejection_cannot_be_reopened(services: Services) -> None:
    """Only a rule's decision can be re-opened; a manager's rejection says who decided."""
    await _configure(services)
    application = (await _apply(services)).application
    await services.onboarding.reject(GUILD, application.id, MANAGER, "Not a fit")
    with pytest.raises(AlreadyDecided):
        await services.onboarding.reopen(GUILD, application.id, MANAGER)
