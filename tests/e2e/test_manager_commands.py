"""Every manager command answers in both languages without an error, through the client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from tests.e2e._creators import approve_creator, command, sell

pytestmark = pytest.mark.timeout(120)
UNEXPECTED = ("Something went wrong", "Er ging bij ons iets mis")


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    """A program with one creator who sold once."""
    async with LocalDiscord(tmp_path / "mgr.db", clock=clock) as w:
        cast = w.cast
        await w.services.settings.update(
            cast.guild.id,
            cast.manager.id,
            {
                "review_channel": cast.review.id,
                "announcements_channel": cast.announcements.id,
                "shop_url": "https://shop.example.com",
            },
        )
        await approve_creator(w, "anna", "anna.bakes")
        await sell(w, clock, "1001", 10_000, "annabakes15")
        yield w


def _text(it) -> str:  # type: ignore[no-untyped-def]
    parts = [it.content or ""]
    parts += [m.content or "" for m in it.followups]
    for embeds in [it.embeds, *[m.embeds for m in it.followups]]:
        parts += [e.get("description", "") for e in embeds or []]
    return "\n".join(parts)


@pytest.mark.parametrize("locale", ["en-US", "nl"])
async def test_manager_commands_answer(world: LocalDiscord, locale: str) -> None:
    """Plans, conversions, contracts, deliverables, campaigns, summaries and reports answer."""
    manager = world.cast.manager
    anna = world.cast.members["anna"]
    world.emu.allow_command(world.cast.guild.id, "plan", user_id=manager.id)
    suffix = locale[:2]
    steps = [
        ("plan create", {"name": f"VIP {suffix}", "kind": "revenue_share", "rate": "15"}),
        ("plan create", {"name": f"Flat {suffix}", "kind": "cpa", "amount": "5"}),
        (
            "plan create",
            {
                "name": f"Tiers {suffix}",
                "kind": "tiered",
                "levels": "0:10,1000:15",
                "basis": "revenue",
            },
        ),
        ("plan list", {}),
        ("plan assign", {"member": anna.id, "plan": f"VIP {suffix}"}),
        ("conversion add", {"member": anna.id, "amount": "20", "order": f"phone-{suffix}"}),
        ("conversion reverse", {"order": f"phone-{suffix}"}),
        (
            "contract template",
            {
                "name": f"3 posts {suffix}",
                "platform": "instagram",
                "kind": "post",
                "count": 3,
                "days": 30,
                "fee": "50",
            },
        ),
        (
            "contract create",
            {
                "member": anna.id,
                "title": "Winter",
                "start": "2026-12-01",
                "template": f"3 posts {suffix}",
                "gift": "Kit",
                "gift_cost": "20",
            },
        ),
        ("contract list", {}),
        ("deliverable list", {}),
        ("deliverable edit", {"deliverable": 1, "due": "2026-12-20 12:00"}),
        ("deliverable cancel", {"deliverable": 2}),
        ("campaign list", {}),
        ("creator info", {"member": anna.id}),
        ("summary preview", {}),
        ("report", {}),
        ("payouts preview", {}),
    ]
    for name, options in steps:
        it = await world.emu.invoke(
            manager.id, name, options=options, guild_id=world.cast.guild.id, locale=locale
        )
        await it.wait_response()
        if it.response_type == 5:
            await it.wait_followups(1)
        text = _text(it)
        assert text.strip(), name
        assert not any(marker in text for marker in UNEXPECTED), (name, text)
    world.emu.assert_no_violations()


async def test_creator_commands_answer_in_dutch(world: LocalDiscord) -> None:
    """A Dutch creator's own commands all answer in Dutch."""
    anna = world.cast.members["anna"]
    for name in ("link", "code", "stats", "earnings", "deliverables"):
        it = await command(world, anna, name)
        text = _text(it)
        assert text.strip() and not any(marker in text for marker in UNEXPECTED), name
    nl = await world.emu.invoke(anna.id, "earnings", guild_id=world.cast.guild.id, locale="nl")
    await nl.wait_response()
    assert "Uitbetalingsdrempel" in _text(nl)


async def test_lifecycle_and_hold_commands(world: LocalDiscord, clock: FrozenClock) -> None:
    """/creator reject and remove, /conversion release and /summary status answer properly."""
    manager, guild = world.cast.manager, world.cast.guild.id
    bert = world.add_member("bert")
    applied = await world.emu.invoke(
        bert.id,
        "apply",
        options={"platform": "tiktok", "handle": "bert.bikes", "followers": 900, "niche": "bikes"},
        guild_id=guild,
    )
    await applied.wait_followups(1)
    rejected = await command(world, manager, "creator reject", member=bert.id, reason="Not now")
    assert "rejected" in _text(rejected)
    assert "Not now" in world.emu.dms(bert.id)[-1].content
    anna = world.cast.members["anna"]
    creator = await world.services.onboarding.creator_by_member(guild, anna.id)
    async with world.services.db.transaction() as tx:  # a fraud rule put the sale on hold
        await tx.execute(
            "UPDATE commissions SET state = 'on_hold', hold_reason = 'self_purchase'"
            " WHERE creator_id = ?",
            creator.id,
        )
        await tx.execute(
            "UPDATE ledger_entries SET bucket = 'on_hold' WHERE creator_id = ?", creator.id
        )
    released = await command(world, manager, "conversion release", order="1001")
    assert "is cleared" in _text(released)
    status = await command(world, manager, "summary status")
    assert _text(status).strip() and not any(m in _text(status) for m in UNEXPECTED)
    removed = await command(world, manager, "creator remove", member=anna.id)
    assert "removed from the program" in _text(removed)
    again = await command(world, anna, "link")
    assert "Apply with /apply" in _text(again)
