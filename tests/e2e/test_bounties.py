"""/bounty through the real client against the emulator: the announcement, a submission
approved on its card into a commission, and a performance bounty decided once across a
restart."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from tests.e2e._creators import approved_creators, command, sell

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def world(discord_world: LocalDiscord) -> LocalDiscord:
    cast = discord_world.cast
    await discord_world.services.settings.update(
        cast.guild.id,
        cast.manager.id,
        {"review_channel": cast.review.id, "shop_url": "https://shop.example.com"},
    )
    return discord_world


async def _until(condition, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


async def _create(world: LocalDiscord, **options: Any) -> int:
    """/bounty create (defaults: a €50 submission bounty for 2 winners, to all, announced in
    the announcements channel); wait until every DM went out; return the bounty id."""
    fields = {
        "title": "TikTok with #annabakes",
        "brief": "Post a TikTok of your bake with #annabakes. @everyone welcome!",
        "kind": "submission",
        "reward": "50",
        "ends": "30d",
        "segment": "all",
        "max_winners": 2,
        "channel": world.cast.announcements.id,
        **options,
    }
    it = await command(world, world.cast.manager, "bounty create", **fields)
    assert it.ephemeral and it.content.startswith("Bounty #"), it.content
    job_id = int(await world.services.db.fetch_val("SELECT max(id) FROM jobs"))
    await world.services.jobs.wait(job_id)
    await it.wait_until(lambda i: "Done:" in (i.content or ""), timeout=30)
    return int(await world.services.db.fetch_val("SELECT max(id) FROM bounties"))


def _bounty_dms(world: LocalDiscord, member: Any) -> list[Any]:
    return [m for m in world.emu.dms(member.id) if m.embeds and "Bounty #" in m.embeds[0]["title"]]


async def _commissions(world: LocalDiscord) -> list[tuple[int, int]]:
    rows = await world.services.db.fetch_all(
        "SELECT c.user_id, m.amount_minor FROM commissions m"
        " JOIN creators c ON c.id = m.creator_id WHERE m.kind = 'bounty' ORDER BY m.id"
    )
    return [(r[0], r[1]) for r in rows]


async def test_a_submission_approved_on_its_card_becomes_a_commission(
    world: LocalDiscord,
) -> None:
    cast = world.cast
    members = await approved_creators(world, 3, prefix="tok")
    bounty_id = await _create(world)
    # Announced once in the channel, mentioning nobody, and once by DM to each creator.
    [post] = [m for m in world.emu.messages(cast.announcements.id) if m.embeds]
    assert post.embeds[0]["title"] == f"🏆 Bounty #{bounty_id}: TikTok with #annabakes"
    assert "@\u200beveryone" in post.embeds[0]["description"]
    assert post.allowed_mentions is not None and post.allowed_mentions.get("parse") == []
    assert "€50.00" in post.embeds[0]["description"]
    for member in members:
        assert len(_bounty_dms(world, member)) == 1

    # A creator hands in a post: a card with Approve / Reject in the review channel.
    anna = members[0]
    submitted = await command(
        world, anna, "bounty submit", bounty=str(bounty_id), url="https://www.tiktok.com/@a/1"
    )
    assert submitted.followups[0].content.startswith("Handed in for **TikTok with")
    card = world.emu.messages(cast.review.id)[-1]
    assert "https://www.tiktok.com/@a/1" in card.embeds[0]["description"]

    # A creator cannot approve; the manager can, once.
    refused = await world.emu.click(card, label="Approve", user_id=members[1].id)
    await refused.wait_response()
    assert refused.ephemeral and await _commissions(world) == []
    approved = await world.emu.click(card, label="Approve", user_id=cast.manager.id)
    await approved.wait_followups(1)
    note = approved.followups[0].content
    assert note.startswith(f"Approved: <@{anna.id}> is winner 1 of 2 (€50.00 booked")
    assert await _commissions(world) == [(anna.id, 5_000)]
    earnings = await command(world, anna, "earnings")
    answer = earnings.followups[0] if earnings.followups else earnings
    assert "bounty: **€50.00** pending" in answer.embeds[0]["description"]
    won = [m.content for m in world.emu.dms(anna.id) if m.content.startswith("🏆")][-1]
    assert won.startswith("🏆 You won **TikTok with \\#annabakes**") and "€50.00" in won
    wins = [m for m in world.emu.messages(cast.announcements.id) if "won" in m.content]
    assert [m.content for m in wins] == [
        f"🏆 <@{anna.id}> won **TikTok with \\#annabakes**: winner 1 of 2."
    ]
    assert wins[0].allowed_mentions is not None and wins[0].allowed_mentions.get("parse") == []
    updated = world.emu.messages(cast.review.id)[-1]
    assert updated.components == [] and "🏆 Approved" in updated.embeds[0]["description"]

    # The sweep afterwards tells nobody twice; a second submission by the winner is refused.
    await world.services.schedule.sweep()
    assert len([m for m in world.emu.messages(cast.announcements.id) if "won" in m.content]) == 1
    again = await command(
        world, anna, "bounty submit", bounty=str(bounty_id), url="https://www.tiktok.com/@a/2"
    )
    assert again.followups[0].content == "You already won this bounty."

    # /bounty list: the creator sees their win, the manager the counts.
    mine = await command(world, anna, "bounty list")
    assert "Yours: 🏆 winner 1 (€50.00)" in mine.content
    overview = await command(world, cast.manager, "bounty list")
    assert "1/2 winners" in overview.content and "0 waiting for review" in overview.content


async def test_bad_bounties_are_refused_in_the_managers_language(world: LocalDiscord) -> None:
    await approved_creators(world, 1, prefix="bad")
    manager = world.cast.manager
    base = {
        "title": "x",
        "brief": "y",
        "kind": "submission",
        "reward": "50",
        "ends": "30d",
        "segment": "all",
        "max_winners": 1,
    }
    none = await command(world, manager, "bounty create", **{**base, "max_winners": 0})
    assert none.content.startswith("A bounty needs at least 1 winner")
    past = await world.emu.invoke(
        manager.id,
        "bounty create",
        options={**base, "ends": "2026-01-01 10:00"},
        guild_id=world.cast.guild.id,
        locale="nl",
    )
    await past.wait_response()
    assert past.ephemeral and "verleden" in past.content, past.content
    assert await world.services.db.fetch_val("SELECT count(*) FROM bounties") == 0


async def test_a_performance_bounty_is_decided_once_across_a_restart(
    world: LocalDiscord, clock: FrozenClock
) -> None:
    """Two places for the first to reach 2 orders. The decision is written, the bot stops
    before telling anyone; after the restart the winners are told once, paid once."""
    cast = world.cast
    members = await approved_creators(world, 3, prefix="perf")
    codes = {}
    for member in members:
        profile = await world.services.onboarding.profile(cast.guild.id, member.id)
        assert profile.code is not None
        codes[member.id] = profile.code.code
    bounty_id = await _create(
        world, kind="performance", goal_orders=2, reward="25", title="First to 2 orders"
    )
    submit = await command(
        world, members[0], "bounty submit", bounty=str(bounty_id), url="https://x.com/a/1"
    )
    assert submit.followups[0].content.startswith("That is a performance bounty")
    for order, member in enumerate([members[2], members[0], members[2], members[1], members[0]]):
        clock.advance(minutes=1)
        await sell(world, clock, f"P-{order}", 2_000, codes[member.id])

    assert await world.services.bounties.sweep() == 2  # decided, nobody told yet
    assert not [m for m in world.emu.messages(cast.announcements.id) if "won" in m.content]
    await world.restart_bot()
    await world.services.schedule.sweep()
    await world.services.schedule.sweep()
    await world.restart_bot()
    await world.services.schedule.sweep()

    wins = [m.content for m in world.emu.messages(cast.announcements.id) if "won" in m.content]
    assert wins == [
        f"🏆 <@{members[2].id}> won **First to 2 orders**: winner 1 of 2.",
        f"🏆 <@{members[0].id}> won **First to 2 orders**: winner 2 of 2.",
    ]
    for member in (members[2], members[0]):
        dms = [m.content for m in world.emu.dms(member.id) if m.content.startswith("🏆")]
        assert len(dms) == 1 and "reaching 2 orders" in dms[0]
    assert not [m for m in world.emu.dms(members[1].id) if m.content.startswith("🏆")]
    assert await _commissions(world) == [(members[2].id, 2_500), (members[0].id, 2_500)]


async def test_erasure_blanks_the_card_of_a_post_and_forgets_its_url(world: LocalDiscord) -> None:
    cast = world.cast
    [anna] = await approved_creators(world, 1, prefix="gone")
    bounty_id = await _create(world)
    await command(world, anna, "bounty submit", bounty=str(bounty_id), url="https://x.com/g/1")
    card = world.emu.messages(cast.review.id)[-1]
    assert card.components and "https://x.com/g/1" in str(card.embeds)
    prompt = await command(world, anna, "privacy", action="delete")
    click = await world.emu.click(prompt.message, label="Erase my data", user_id=anna.id)
    await click.wait_until(lambda it: "Done" in (it.message.content if it.message else ""))
    blanked = world.emu.messages(cast.review.id)[-1]
    assert blanked.id == card.id and blanked.components == []
    assert "x.com" not in str(blanked.embeds) and "Bounty post #" in str(blanked.embeds)
    assert await world.services.db.fetch_val("SELECT url FROM bounty_entries") is None
