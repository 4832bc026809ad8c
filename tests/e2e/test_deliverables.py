"""Deliverables through the real client: a reminder within a sweep, once; review; fees."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from tests.e2e._creators import approve_creator

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    """A program that sweeps every second, with anna approved (hold period 0 days)."""
    async with LocalDiscord(tmp_path / "dlv.db", clock=clock, CREATORBOT_SWEEP_SECONDS=1) as w:
        cast = w.cast
        await w.services.settings.update(
            cast.guild.id,
            cast.manager.id,
            {
                "review_channel": cast.review.id,
                "shop_url": "https://shop.example.com",
                "hold_days": 0,
            },
        )
        await approve_creator(w, "anna", "anna.bakes", platform="tiktok")
        yield w


async def _wait_for_dms(world: LocalDiscord, user_id: int, count: int) -> list:
    for _ in range(50):  # up to 5 seconds
        dms = world.emu.dms(user_id)
        if len(dms) >= count:
            return dms
        await asyncio.sleep(0.1)
    return world.emu.dms(user_id)


async def _add(world: LocalDiscord, user, due: str, fee: str | None = None):  # type: ignore[no-untyped-def]
    options = {"member": user.id, "platform": "tiktok", "kind": "video", "due": due}
    if fee:
        options["fee"] = fee
    it = await world.emu.invoke(
        world.cast.manager.id, "deliverable add", options=options, guild_id=world.cast.guild.id
    )
    await it.wait_response()
    return it


async def test_reminder_within_a_sweep_and_not_again_after_restart(world: LocalDiscord) -> None:
    """Due in 90 minutes → the 2-hour reminder DM arrives; after a restart no second copy."""
    anna = world.cast.members["anna"]
    added = await _add(world, anna, "2026-11-23 11:30")
    assert "Planned deliverable #1" in added.content
    dms = await _wait_for_dms(world, anna.id, 2)  # welcome + reminder
    assert "Reminder: your TikTok video (#1) is due 23 Nov 2026, 11:30" in dms[-1].content
    await world.restart_bot()
    for _ in range(2):  # sweeps after the restart find the reminder sent
        await world.services.schedule.sweep()
    assert len(world.emu.dms(anna.id)) == 2


async def test_submit_review_and_fee_in_earnings(world: LocalDiscord) -> None:
    """/submit (autocomplete lists it) → card → Approve → the fee shows in /earnings."""
    anna, guild = world.cast.members["anna"], world.cast.guild.id
    await _add(world, anna, "2026-11-30 18:00", fee="150")
    choices = await world.emu.autocomplete(
        anna.id, "submit", options={"deliverable": ""}, focused="deliverable", guild_id=guild
    )
    assert [c["value"] for c in choices] == [1]
    it = await world.emu.invoke(
        anna.id,
        "submit",
        options={
            "deliverable": 1,
            "url": "https://www.tiktok.com/@anna.bakes/video/1",
            "reach": 10000,
            "likes": 400,
        },
        guild_id=guild,
    )
    await it.wait_followups(1)
    assert "submitted and waiting for review" in it.followups[0].content
    card = world.emu.messages(world.cast.review.id)[-1]
    assert "engagement 4%" in card.embeds[0]["description"]
    click = await world.emu.click(card, label="Approve", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    earnings = await world.emu.invoke(anna.id, "earnings", guild_id=guild)
    await earnings.wait_response()
    assert "**Approved** (ready for payout): €150.00" in earnings.embeds[0]["description"]


async def test_card_approves_after_a_restart(world: LocalDiscord) -> None:
    """A verification card posted before a restart still approves after it."""
    anna, guild = world.cast.members["anna"], world.cast.guild.id
    await _add(world, anna, "2026-11-30 18:00", fee="150")
    it = await world.emu.invoke(
        anna.id,
        "submit",
        options={"deliverable": 1, "url": "https://www.tiktok.com/@anna.bakes/video/1"},
        guild_id=guild,
    )
    await it.wait_followups(1)
    card = world.emu.messages(world.cast.review.id)[-1]
    await world.restart_bot()
    click = await world.emu.click(card, label="Approve", user_id=world.cast.manager.id)
    (answer,) = await click.wait_followups(1)
    assert answer.content == "Approved; the fee of €150.00 is booked as a commission."
    assert world.emu.get_message(card.id).components == []


async def test_wrong_platform_url_refused(world: LocalDiscord) -> None:
    """A link that is not on the deliverable's platform is refused and nothing changes."""
    anna, guild = world.cast.members["anna"], world.cast.guild.id
    await _add(world, anna, "2026-11-30 18:00")
    it = await world.emu.invoke(
        anna.id,
        "submit",
        options={"deliverable": 1, "url": "https://evil.example/video"},
        guild_id=guild,
    )
    await it.wait_followups(1)
    assert "https:// link of the post on tiktok" in it.followups[0].content
    assert world.emu.messages(world.cast.review.id)[-1].embeds[0]["title"].startswith("Application")


async def test_closed_dms_do_not_stop_the_sweep(world: LocalDiscord) -> None:
    """A closed-DM creator is recorded as undeliverable; the next creator still gets theirs."""
    anna = world.cast.members["anna"]
    bert = world.add_member("bert")
    it = await world.emu.invoke(
        bert.id,
        "apply",
        options={"platform": "tiktok", "handle": "bert.bikes", "followers": 900, "niche": "bikes"},
        guild_id=world.cast.guild.id,
    )
    await it.wait_followups(1)
    click = await world.emu.click(
        world.emu.messages(world.cast.review.id)[-1], label="Approve", user_id=world.cast.manager.id
    )
    await click.wait_followups(1)
    world.emu.close_dms(anna.id)
    await _add(world, anna, "2026-11-23 11:00")
    await _add(world, bert, "2026-11-23 11:30")
    dms = await _wait_for_dms(world, bert.id, 2)
    assert "Reminder" in dms[-1].content
    listing = await world.emu.invoke(
        world.cast.manager.id, "deliverable list", guild_id=world.cast.guild.id
    )
    await listing.wait_response()
    assert "1 reminder(s) undeliverable" in listing.embeds[0]["description"]


async def test_overdue_notice_and_escalation(world: LocalDiscord, clock: FrozenClock) -> None:
    """Past due: the creator gets an overdue DM and the review channel an escalation."""
    anna = world.cast.members["anna"]
    await _add(world, anna, "2026-11-23 11:30")
    await _wait_for_dms(world, anna.id, 2)  # welcome + the 2-hour reminder
    clock.advance(hours=2)
    dms = await _wait_for_dms(world, anna.id, 3)
    assert "was due 23 Nov 2026, 11:30" in dms[-1].content
    for _ in range(50):
        posts = world.emu.messages(world.cast.review.id)
        if "is overdue since" in (posts[-1].content or ""):
            break
        await asyncio.sleep(0.1)
    assert "is overdue since" in world.emu.messages(world.cast.review.id)[-1].content
