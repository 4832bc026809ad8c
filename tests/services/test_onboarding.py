"""OnboardingService on a real SQLite file with a frozen clock."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.domain.applications import Status
from bot.domain.creators import CreatorStatus
from bot.registry import Services
from bot.services.onboarding import (
    AlreadyApplied,
    AlreadyCreator,
    AlreadyDecided,
    ApplicationNotFound,
    ApplicationsClosed,
    Approval,
    ReapplyCooldown,
    ShopNotConfigured,
)

GUILD, MANAGER = 1, 900


async def _configure(services: Services, **extra: object) -> None:
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com", **extra}
    )


async def _apply(services: Services, user_id: int = 500, handle: str = "anna.bakes", **kw: object):
    return await services.onboarding.apply(
        GUILD, user_id, platform="instagram", handle=handle, followers=8200, niche="baking", **kw
    )


async def test_closed_without_review_channel(services: Services) -> None:
    """Nobody can apply before a review channel is set."""
    with pytest.raises(ApplicationsClosed):
        await _apply(services)


async def test_apply_stores_tier_and_flags(services: Services) -> None:
    """The tier comes from followers and low engagement is flagged."""
    await _configure(services)
    result = await _apply(services, engagement_rate="0.3")
    app = result.application
    assert (app.status, app.tier, app.flags) == (Status.OPEN, "nano", ("low_engagement",))


async def test_one_open_application_per_member(services: Services) -> None:
    """A second /apply while one is in review is refused."""
    await _configure(services)
    await _apply(services)
    with pytest.raises(AlreadyApplied):
        await _apply(services)


async def test_approve_creates_creator_link_code(services: Services) -> None:
    """Approval makes the creator, the default campaign link and the vanity code at once."""
    await _configure(services, discount_percent=15)
    app = (await _apply(services)).application
    approval = await services.onboarding.approve(GUILD, app.id, MANAGER)
    assert approval.creator.status is CreatorStatus.ACTIVE
    assert approval.code.code == "ANNABAKES15"
    assert [link.campaign_slug for link in approval.links] == ["shop"]
    assert len(approval.links[0].slug) == 7
    actions = [e.action for e in await services.audit.recent(services.db, GUILD)]
    assert "application.approve" in actions


async def test_approval_needs_a_shop(services: Services) -> None:
    """Without a shop URL there is nowhere for links to go: nothing is approved."""
    await services.settings.update(GUILD, MANAGER, {"review_channel": 10})
    app = (await _apply(services)).application
    with pytest.raises(ShopNotConfigured):
        await services.onboarding.approve(GUILD, app.id, MANAGER)
    assert (await services.onboarding.application(GUILD, app.id)).status is Status.OPEN


async def test_second_decision_says_who_decided(services: Services) -> None:
    """Deciding twice is refused and names the first decider."""
    await _configure(services)
    app = (await _apply(services)).application
    await services.onboarding.approve(GUILD, app.id, MANAGER)
    with pytest.raises(AlreadyDecided) as caught:
        await services.onboarding.reject(GUILD, app.id, 901, "changed my mind")
    assert caught.value.params["by"] == MANAGER
    assert caught.value.params["status"] == "approved"


async def test_code_collision_case_insensitive(services: Services) -> None:
    """Two creators with the same handle on different platforms get different codes."""
    await _configure(services)
    first = (await _apply(services, user_id=501, handle="Anna")).application
    second = (await _apply(services, user_id=502, handle="anna")).application
    one = await services.onboarding.approve(GUILD, first.id, MANAGER)
    two = await services.onboarding.approve(GUILD, second.id, MANAGER)
    assert one.code.code == "ANNA15"
    assert two.code.code.upper() != "ANNA15" and two.code.code.startswith("ANNA15")


async def test_reject_starts_cooldown(services: Services, clock: FrozenClock) -> None:
    """After a rejection the member waits the cooldown, then may apply again."""
    await _configure(services, reapply_cooldown_days=30)
    app = (await _apply(services)).application
    rejection = await services.onboarding.reject(GUILD, app.id, MANAGER, "too few posts")
    assert rejection.may_reapply_at == clock.now() + timedelta(days=30)
    clock.advance(days=29)
    with pytest.raises(ReapplyCooldown):
        await _apply(services)
    clock.advance(days=1, seconds=1)
    assert (await _apply(services)).application.status is Status.OPEN


async def test_info_request_then_answer(services: Services) -> None:
    """A question puts the application on hold; /apply again answers it and re-opens it."""
    await _configure(services)
    app = (await _apply(services)).application
    asked = await services.onboarding.request_info(GUILD, app.id, MANAGER, "What is your niche?")
    assert asked.status is Status.INFO_REQUESTED
    answer = await _apply(services, engagement_rate="3.5")
    assert answer.answered_question and answer.application.id == app.id
    assert answer.application.status is Status.OPEN
    assert answer.application.engagement_rate_bp == 350


async def test_existing_creator_cannot_apply(services: Services) -> None:
    """An approved creator is told so instead of filing again."""
    await _configure(services)
    app = (await _apply(services)).application
    await services.onboarding.approve(GUILD, app.id, MANAGER)
    with pytest.raises(AlreadyCreator):
        await _apply(services)


async def test_pause_marks_code_inactive_and_resume_restores(services: Services) -> None:
    """Pausing deactivates the code; re-activation turns it back on."""
    await _configure(services)
    app = (await _apply(services)).application
    await services.onboarding.approve(GUILD, app.id, MANAGER)
    await services.onboarding.set_status(GUILD, 500, CreatorStatus.PAUSED, MANAGER)
    profile = await services.onboarding.profile(GUILD, 500)
    assert profile.creator.status is CreatorStatus.PAUSED and not profile.code.active
    await services.onboarding.set_status(GUILD, 500, CreatorStatus.ACTIVE, MANAGER)
    assert (await services.onboarding.profile(GUILD, 500)).code.active


async def test_removed_creator_may_reapply_and_keeps_code(services: Services) -> None:
    """A removed creator can apply again; approval brings back the same creator and code."""
    await _configure(services)
    first = await services.onboarding.approve(
        GUILD, (await _apply(services)).application.id, MANAGER
    )
    await services.onboarding.set_status(GUILD, 500, CreatorStatus.REMOVED, MANAGER)
    again = await services.onboarding.approve(
        GUILD, (await _apply(services)).application.id, MANAGER
    )
    assert again.reactivated and again.creator.id == first.creator.id
    assert again.code.code == first.code.code and again.code.active


async def test_welcome_pending_taken_once(services: Services) -> None:
    """A pending welcome is handed out exactly once."""
    await _configure(services)
    approval = await services.onboarding.approve(
        GUILD, (await _apply(services)).application.id, MANAGER
    )
    await services.onboarding.set_welcome_pending(approval.creator.id, True)
    assert await services.onboarding.take_pending_welcome(GUILD, 500) is not None
    assert await services.onboarding.take_pending_welcome(GUILD, 500) is None


async def test_slug_collisions_are_retried(services: Services) -> None:
    """When random slugs collide, approval draws again instead of failing."""
    services.onboarding._rng = random.Random(5)  # the same draws for both creators
    await _configure(services)
    one = await services.onboarding.approve(
        GUILD, (await _apply(services, 501, "anna")).application.id, MANAGER
    )
    services.onboarding._rng = random.Random(5)
    two = await services.onboarding.approve(
        GUILD, (await _apply(services, 502, "bert")).application.id, MANAGER
    )
    assert one.links[0].slug != two.links[0].slug


async def test_approve_member_approves_the_open_application(services: Services) -> None:
    """/creator approve on an applicant approves their application."""
    await _configure(services)
    await _apply(services)
    result = await services.onboarding.approve_member(GUILD, 500, MANAGER)
    assert isinstance(result, Approval) and result.creator.status is CreatorStatus.ACTIVE


async def test_approve_member_brings_a_paused_creator_back(services: Services) -> None:
    """A paused creator without a new application comes back as they were."""
    await _configure(services)
    applied = await _apply(services)
    approval = await services.onboarding.approve(GUILD, applied.application.id, MANAGER)
    await services.onboarding.set_status(GUILD, 500, CreatorStatus.PAUSED, MANAGER)
    result = await services.onboarding.approve_member(GUILD, 500, MANAGER)
    assert not isinstance(result, Approval)
    assert (result.id, result.status) == (approval.creator.id, CreatorStatus.ACTIVE)


async def test_approve_member_without_application(services: Services) -> None:
    """A member who never applied is told there is no application."""
    await _configure(services)
    with pytest.raises(ApplicationNotFound):
        await services.onboarding.approve_member(GUILD, 777, MANAGER)


async def test_a_database_error_never_reactivates_a_creator(services: Services) -> None:
    """If the application lookup fails, the error surfaces and the creator stays paused."""
    await _configure(services)
    applied = await _apply(services)
    await services.onboarding.approve(GUILD, applied.application.id, MANAGER)
    await services.onboarding.set_status(GUILD, 500, CreatorStatus.PAUSED, MANAGER)
    await services.db.execute("ALTER TABLE applications RENAME TO applications_gone")
    with pytest.raises(sqlite3.OperationalError):
        await services.onboarding.approve_member(GUILD, 500, MANAGER)
    status = await services.db.fetch_val("SELECT status FROM creators")
    assert status == CreatorStatus.PAUSED.value
