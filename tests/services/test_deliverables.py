"""DeliverableService: planning, review, fees, and the reminder sweep's exactly-once claims."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.errors import CreatorbotError
from bot.i18n import render
from bot.registry import Services
from bot.services.deliverables import Metrics, WrongState

GUILD, MANAGER, ANNA = 1, 900, 501


@pytest.fixture
async def program(services: Services) -> Services:
    await services.settings.update(
        GUILD,
        MANAGER,
        {"review_channel": 10, "shop_url": "https://shop.example.com", "hold_days": 0},
    )
    result = await services.onboarding.apply(
        GUILD, ANNA, platform="tiktok", handle="anna", followers=5000, niche="food"
    )
    await services.onboarding.approve(GUILD, result.application.id, MANAGER)
    return services


async def _add(services: Services, due: str, fee: str | None = None):  # type: ignore[no-untyped-def]
    return await services.deliverables.add(
        GUILD, MANAGER, ANNA, platform="tiktok", kind="video", due=due, fee=fee
    )


async def _sweep(services: Services) -> list[str]:
    """One sweep as the cog runs it: claim, then mark sent."""
    jobs = await services.deliverables.due_reminders()
    for job in jobs:
        await services.deliverables.finish_reminder(job, "sent")
    return [job.kind for job in jobs]


async def test_reminders_follow_the_clock(program: Services, clock: FrozenClock) -> None:
    """Due in 3 days: the 7-day window now, then 2d, 1d, 2h, then overdue and escalation."""
    await _add(program, "2026-11-26 10:00")
    assert await _sweep(program) == ["before:7d"]
    assert await _sweep(program) == []
    clock.advance(days=1)
    assert await _sweep(program) == ["before:2d"]
    clock.advance(days=1)
    assert await _sweep(program) == ["before:1d"]
    clock.advance(hours=22)
    assert await _sweep(program) == ["before:2h"]
    clock.advance(hours=2)
    assert await _sweep(program) == ["overdue:1", "escalation"]
    clock.advance(days=1)
    assert await _sweep(program) == ["overdue:2"]
    clock.advance(days=5)
    assert await _sweep(program) == ["overdue:3"]
    clock.advance(days=5)
    assert await _sweep(program) == []


async def test_claimed_but_unsent_reminder_is_not_repeated(
    program: Services, clock: FrozenClock
) -> None:
    """A crash after claiming a reminder (before sending) loses it rather than duplicating it."""
    await _add(program, "2026-11-23 11:30")
    jobs = await program.deliverables.due_reminders()  # claimed; the process "dies" here
    assert [j.kind for j in jobs] == ["before:2h"]
    assert await program.deliverables.due_reminders() == []
    status = await program.db.fetch_val("SELECT status FROM reminders")
    assert status == "claimed"


async def test_new_due_time_replaces_the_plan(program: Services, clock: FrozenClock) -> None:
    """Moving the due date plans the reminders anew; the old ones never come."""
    item = await _add(program, "2026-11-23 11:30")
    assert await _sweep(program) == ["before:2h"]
    await program.deliverables.edit(GUILD, MANAGER, item.id, due="2026-11-30 10:00")
    assert await _sweep(program) == ["before:7d"]
    clock.advance(days=5)
    assert await _sweep(program) == ["before:2d"]


async def test_cancelled_and_submitted_get_no_reminders(
    program: Services, clock: FrozenClock
) -> None:
    """Cancelled or handed-in deliverables are not chased."""
    one = await _add(program, "2026-11-23 11:30")
    two = await _add(program, "2026-11-23 11:45")
    await program.deliverables.cancel(GUILD, MANAGER, one.id)
    await program.deliverables.submit(
        GUILD, ANNA, two.id, "https://www.tiktok.com/@anna/video/7", Metrics()
    )
    clock.advance(days=3)
    assert await _sweep(program) == []


async def test_approval_books_the_fee(program: Services, clock: FrozenClock) -> None:
    """Approving a submitted deliverable books its fee as a commission, once."""
    item = await _add(program, "2026-11-25 10:00", fee="150")
    submitted, needs_review = await program.deliverables.submit(
        GUILD,
        ANNA,
        item.id,
        "https://www.tiktok.com/@anna/video/7",
        Metrics(reach=10_000, likes=300, comments=20, shares=30),
    )
    assert needs_review and submitted.engagement_bp == 350
    await program.deliverables.approve(GUILD, MANAGER, item.id)
    with pytest.raises(WrongState):
        await program.deliverables.approve(GUILD, MANAGER, item.id)
    creator = await program.onboarding.creator_by_member(GUILD, ANNA)
    balances = await program.conversions.balances(GUILD, creator.id)
    assert balances.approved == 15_000


async def test_rejection_reopens(program: Services, clock: FrozenClock) -> None:
    """A rejected post is open again and can be submitted anew."""
    item = await _add(program, "2026-11-25 10:00")
    await program.deliverables.submit(
        GUILD, ANNA, item.id, "https://www.tiktok.com/@anna/video/7", Metrics()
    )
    rejected = await program.deliverables.reject(GUILD, MANAGER, item.id, "Please tag the brand")
    assert rejected.status == "rejected" and rejected.is_open
    again, _ = await program.deliverables.submit(
        GUILD, ANNA, item.id, "https://www.tiktok.com/@anna/video/8", Metrics()
    )
    assert again.status == "submitted"


async def test_template_contract_plans_deliverables(program: Services, clock: FrozenClock) -> None:
    """'3 TikToks in 30 days' plans three deliverables with the fee and records the gift."""
    await program.deliverables.create_template(
        GUILD,
        MANAGER,
        name="3 TikToks",
        platform="tiktok",
        kind="video",
        count=3,
        days=30,
        fee="100",
    )
    contract, items = await program.deliverables.create_contract(
        GUILD,
        MANAGER,
        ANNA,
        title="Winter",
        start="2026-12-01",
        template="3 tiktoks",
        gift="Starter kit",
        gift_cost="39.95",
    )
    assert len(items) == 3 and {i.fee_minor for i in items} == {10_000}
    assert (contract.ends_at - contract.starts_at) == timedelta(days=30)
    assert await program.db.fetch_val("SELECT cost_minor FROM gifts") == 3_995


async def test_a_template_name_in_use_is_refused_by_its_own_name(program: Services) -> None:
    """A second template of the same name is refused, naming the template (not a plan)."""
    values = {"name": "3 TikToks", "platform": "tiktok", "kind": "video", "count": 3, "days": 30}
    await program.deliverables.create_template(GUILD, MANAGER, fee=None, **values)
    with pytest.raises(CreatorbotError) as refused:
        await program.deliverables.create_template(GUILD, MANAGER, fee="10", **values)
    answer = render(refused.value.key, "en", **refused.value.params)
    assert answer == "A contract template called “3 TikToks” already exists. Choose another name."
    assert "contractsjabloon" in render(refused.value.key, "nl", **refused.value.params)
