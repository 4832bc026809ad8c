"""Auto-review rules end to end: /setup sets them, /apply is decided by them, Re-open undoes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.domain.applications import Status
from bot.domain.review_queue import QueueFilter
from bot.harness import LocalDiscord
from emulators.discord import EmulatorError

pytestmark = pytest.mark.timeout(60)

RULES = {
    "auto_approve_followers": "1000-50000",
    "auto_approve_engagement": "1.5",
    "auto_approve_platforms": "instagram",
    "auto_reject_below_followers": "1000",
    "auto_reject_implausible": True,
}


@pytest.fixture
async def world(discord_world: LocalDiscord) -> LocalDiscord:
    """A configured program (review channel, shop, creator role) with every rule set."""
    cast = discord_world.cast
    await discord_world.services.settings.update(
        cast.guild.id,
        cast.manager.id,
        {
            "review_channel": cast.review.id,
            "shop_url": "https://shop.example.com",
            "creator_role": cast.creator_role.id,
            **RULES,
        },
    )
    return discord_world


async def _setup(world: LocalDiscord, user: Any, locale: str = "en-US", **options: Any):  # type: ignore[no-untyped-def]
    it = await world.emu.invoke(
        user.id, "setup", options=options, guild_id=world.cast.guild.id, locale=locale
    )
    await it.wait_response()
    return it


async def _apply(world: LocalDiscord, user: Any, locale: str = "en-US", **overrides: Any):  # type: ignore[no-untyped-def]
    options = {
        "platform": "instagram",
        "handle": "anna.bakes",
        "followers": 8200,
        "niche": "vegan baking",
        "engagement_rate": "5",
    }
    options.update(overrides)
    it = await world.emu.invoke(
        user.id, "apply", options=options, guild_id=world.cast.guild.id, locale=locale
    )
    await it.wait_followups(1)
    return it


def _card(world: LocalDiscord):  # type: ignore[no-untyped-def]
    cards = world.emu.messages(world.cast.review.id)
    assert len(cards) == 1, "expected exactly one review card"
    return world.emu.get_message(cards[-1].id)


def _buttons(message: Any) -> list[str]:
    return [c["label"] for row in message.components for c in row["components"]]


async def _waiting(world: LocalDiscord) -> list[int]:
    found = await world.services.review_queue.matching(world.cast.guild.id, QueueFilter())
    return [a.id for a in found]


async def test_setup_sets_rules_and_shows_them_in_dutch(discord_world: LocalDiscord) -> None:
    """A manager sets every rule in English; /setup without options shows them in Dutch."""
    cast = discord_world.cast
    saved = await _setup(discord_world, cast.manager, **RULES)
    description = saved.embeds[0]["description"]
    assert (
        "**Auto-approve:** followers 1,000–50,000, engagement ≥ 1.5× benchmark, "
        "platform Instagram ✏️" in description
    )
    assert (
        "**Auto-reject:** fewer than 1,000 followers; engagement looks implausible for this "
        "audience size ✏️" in description
    )
    shown = await _setup(discord_world, cast.manager, locale="nl")
    description = shown.embeds[0]["description"]
    assert shown.embeds[0]["title"] == "Programma-instellingen"
    assert (
        "**Automatisch goedkeuren:** volgers 1.000–50.000, engagement ≥ 1,5× benchmark, "
        "platform Instagram" in description
    )
    assert "**Automatisch afwijzen:** minder dan 1.000 volgers; engagement lijkt" in description
    assert "⚠ Automatisch goedkeuren heeft een `shop_url` nodig" in description


async def test_rules_are_off_by_default_and_can_be_turned_off(
    discord_world: LocalDiscord,
) -> None:
    """The settings view says the rules are off; `off` clears one again."""
    cast = discord_world.cast
    shown = await _setup(discord_world, cast.manager)
    assert "**Auto-approve:** *off*" in shown.embeds[0]["description"]
    assert "**Auto-reject:** *off*" in shown.embeds[0]["description"]
    await _setup(discord_world, cast.manager, auto_reject_below_followers="500")
    cleared = await _setup(discord_world, cast.manager, auto_reject_below_followers="off")
    assert "**Auto-reject:** *off* ✏️" in cleared.embeds[0]["description"]


async def test_bad_rule_value_is_explained_and_changes_nothing(
    discord_world: LocalDiscord,
) -> None:
    """A reversed range is refused in the manager's language; nothing is stored."""
    cast = discord_world.cast
    refused = await _setup(discord_world, cast.manager, auto_approve_followers="9000-10")
    assert refused.ephemeral
    assert "`auto_approve_followers`: “9000\\-10” is not a follower range" in refused.content
    dutch = await _setup(discord_world, cast.manager, locale="nl", auto_approve_platforms="myspace")
    assert "“myspace” is geen platform" in dutch.content
    stored = await discord_world.services.settings.get(cast.guild.id)
    assert not stored.review_rules.approves


async def test_non_manager_cannot_set_rules(discord_world: LocalDiscord) -> None:
    """A member without Manage Server is refused, even if /setup was opened to everyone."""
    member = discord_world.add_member("random-member")
    with pytest.raises(EmulatorError, match="hidden"):
        await _setup(discord_world, member, auto_approve_followers="0-")
    discord_world.emu.allow_command(
        discord_world.cast.guild.id, "setup", role_id=discord_world.cast.guild.id
    )
    it = await _setup(discord_world, member, auto_approve_followers="0-")
    assert it.ephemeral and "Only program managers" in it.content
    stored = await discord_world.services.settings.get(discord_world.cast.guild.id)
    assert not stored.review_rules.approves


async def test_matching_application_is_approved_automatically(world: LocalDiscord) -> None:
    """Creator role, welcome DM with link and code, and a card that names the rule."""
    anna = world.add_member("anna")
    it = await _apply(world, anna)
    assert "approved right away" in it.followups[0].content
    assert world.cast.creator_role.id in world.emu.member_roles(world.cast.guild.id, anna.id)
    welcome = world.emu.dms(anna.id)[-1].content
    assert "ANNABAKES15" in welcome
    assert re.search(rf"{world.tracker_url}/r/[a-z0-9]{{7}}", welcome)
    card = _card(world)
    description = card.embeds[0]["description"]
    assert (
        "Approved automatically by rule: followers 1,000–50,000, engagement ≥ 1.5× benchmark, "
        "platform Instagram" in description
    )
    assert "Welcome DM with link and code sent." in description
    assert _buttons(card) == []
    assert await _waiting(world) == []
    world.emu.assert_no_violations()


async def test_auto_approved_creator_can_be_removed(world: LocalDiscord) -> None:
    """/creator remove undoes an automatic approval: the role goes, the creator is removed."""
    anna = world.add_member("anna")
    await _apply(world, anna)
    it = await world.emu.invoke(
        world.cast.manager.id,
        "creator remove",
        options={"member": anna.id},
        guild_id=world.cast.guild.id,
    )
    await it.wait_followups(1)
    assert "removed from the program" in it.followups[0].content
    assert world.cast.creator_role.id not in world.emu.member_roles(world.cast.guild.id, anna.id)
    creator = await world.services.onboarding.creator_by_member(world.cast.guild.id, anna.id)
    assert creator is not None and creator.status == "removed"


async def test_few_followers_rejected_in_dutch(world: LocalDiscord) -> None:
    """A Dutch applicant below the minimum gets the rule's reason by DM; the card names it."""
    bert = world.add_member("bert", locale="nl")
    it = await _apply(world, bert, locale="nl", handle="bert.bikes", followers=400)
    reply = it.followups[0].content
    assert "niet geaccepteerd: minder dan 1.000 volgers" in reply
    assert "opnieuw aanmelden vanaf 23 dec 2026" in reply
    dm = world.emu.dms(bert.id)[-1].content
    assert "**Reden:** Minder dan 1.000 volgers (automatisch besloten" in dm
    card = _card(world)
    description = card.embeds[0]["description"]
    assert "❌ Rejected automatically by rule: fewer than 1,000 followers" in description
    assert "A manager can re-open it until 24 Nov 2026, 10:00 UTC" in description
    assert _buttons(card) == ["Re-open"]
    assert await _waiting(world) == []
    again = await _apply(world, bert, locale="nl", handle="bert.bikes", followers=400)
    assert "opnieuw aanmelden vanaf 23 dec 2026" in again.followups[0].content


async def test_implausible_engagement_rejected(world: LocalDiscord) -> None:
    """45 % engagement on 8 200 followers is rejected as implausible, said in plain words."""
    carl = world.add_member("carl")
    it = await _apply(world, carl, handle="carl.cooks", engagement_rate="45")
    assert "engagement looks implausible for this audience size" in it.followups[0].content
    assert "Engagement looks implausible" in world.emu.dms(carl.id)[-1].content
    description = _card(world).embeds[0]["description"]
    assert "Rejected automatically by rule: engagement looks implausible" in description


async def test_application_matching_nothing_waits(world: LocalDiscord) -> None:
    """A TikTok applicant matches no rule: the usual card with three buttons, in the queue."""
    dana = world.add_member("dana")
    it = await _apply(world, dana, platform="tiktok", handle="dana.dances")
    assert "your application is in" in it.followups[0].content
    assert _buttons(_card(world)) == ["Approve", "Reject", "Request info"]
    assert world.emu.dms(dana.id) == []
    assert len(await _waiting(world)) == 1


async def test_reopen_within_a_day(world: LocalDiscord, clock: FrozenClock) -> None:
    """Re-open puts the application back in the queue with the usual buttons; no cooldown."""
    bert = world.add_member("bert")
    await _apply(world, bert, handle="bert.bikes", followers=400)
    clock.advance(hours=20)
    click = await world.emu.click(_card(world), label="Re-open", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    assert "Re-opened by" in click.followups[0].content
    card = _card(world)
    assert _buttons(card) == ["Approve", "Reject", "Request info"]
    assert "**Status:** waiting for review" in card.embeds[0]["description"]
    assert "re-opened your application" in world.emu.dms(bert.id)[-1].content
    assert len(await _waiting(world)) == 1
    again = await _apply(world, bert, handle="bert.bikes", followers=400)
    assert "already have an application in review" in again.followups[0].content
    # A manager then decides as usual: the applicant is told again.
    approve = await world.emu.click(card, label="Approve", user_id=world.cast.manager.id)
    await approve.wait_followups(1)
    assert "BERTBIKES15" in world.emu.dms(bert.id)[-1].content


async def test_two_managers_reopen_at_once(world: LocalDiscord) -> None:
    """Two managers pressing Re-open together: one re-opens, the other is told."""
    bert = world.add_member("bert")
    other = world.emu.create_user("max-manager")
    world.cast.guild.add_member(other, roles=[], permissions=1 << 5)
    await _apply(world, bert, handle="bert.bikes", followers=400)
    card = _card(world)
    first = await world.emu.click(card, label="Re-open", user_id=world.cast.manager.id, wait=False)
    second = await world.emu.click(card, label="Re-open", user_id=other.id, wait=False)
    await first.wait_followups(1)
    await second.wait_followups(1)
    texts = [first.followups[-1].content, second.followups[-1].content]
    assert len([t for t in texts if t.startswith("This application was re-opened already")]) == 1
    assert len([d for d in world.emu.dms(bert.id) if "re-opened" in d.content]) == 1


async def test_reopen_after_25_hours_is_refused(world: LocalDiscord, clock: FrozenClock) -> None:
    """After a day the button answers that it is too late, and the rejection stands."""
    bert = world.add_member("bert")
    await _apply(world, bert, handle="bert.bikes", followers=400)
    clock.advance(hours=25)
    click = await world.emu.click(_card(world), label="Re-open", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    assert click.followups[0].content.startswith("Too late to re-open")
    assert _buttons(_card(world)) == ["Re-open"]
    assert await _waiting(world) == []
    stored = await world.services.onboarding.application(world.cast.guild.id, 1)
    assert stored.status is Status.REJECTED


async def test_non_manager_cannot_reopen(world: LocalDiscord) -> None:
    """A member who is not a manager is refused privately; nothing changes."""
    bert = world.add_member("bert")
    eve = world.add_member("eve")
    await _apply(world, bert, handle="bert.bikes", followers=400)
    click = await world.emu.click(_card(world), label="Re-open", user_id=eve.id)
    await click.wait_response()
    assert click.ephemeral and "Only program managers" in click.content
    assert _buttons(_card(world)) == ["Re-open"]
