"""Apply → review card → decision, through the real client and the emulator."""

from __future__ import annotations

import re

import pytest

from bot.harness import LocalDiscord

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def world(discord_world: LocalDiscord) -> LocalDiscord:
    """A configured program: review channel, shop and creator role."""
    cast = discord_world.cast
    await discord_world.services.settings.update(
        cast.guild.id,
        cast.manager.id,
        {
            "review_channel": cast.review.id,
            "shop_url": "https://shop.example.com",
            "creator_role": cast.creator_role.id,
        },
    )
    return discord_world


async def _apply(world: LocalDiscord, user, locale: str = "en-US", **overrides):  # type: ignore[no-untyped-def]
    options = {
        "platform": "instagram",
        "handle": "anna.bakes",
        "followers": 8200,
        "niche": "vegan baking",
    }
    options.update(overrides)
    it = await world.emu.invoke(
        user.id, "apply", options=options, guild_id=world.cast.guild.id, locale=locale
    )
    await it.wait_followups(1)
    return it


def _card(world: LocalDiscord):  # type: ignore[no-untyped-def]
    cards = world.emu.messages(world.cast.review.id)
    assert cards, "no review card was posted"
    return world.emu.get_message(cards[-1].id)


def _buttons(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [c["label"] for row in message.components for c in row["components"]]


async def test_apply_posts_card_with_three_buttons(world: LocalDiscord) -> None:
    """An application appears in the review channel with Approve, Reject and Request info."""
    anna = world.add_member("anna")
    it = await _apply(world, anna, engagement_rate="3.1")
    assert "your application is in" in it.followups[0].content
    card = _card(world)
    assert _buttons(card) == ["Approve", "Reject", "Request info"]
    description = card.embeds[0]["description"]
    assert f"<@{anna.id}>" in description and "8,200 → **nano**" in description
    assert "3.1% against the nano benchmark of 2.71%" in description
    world.emu.assert_no_violations()


async def test_approve_button_gives_role_link_and_code(world: LocalDiscord) -> None:
    """Approve assigns the creator role and DMs a welcome with the link and the code."""
    anna = world.add_member("anna")
    await _apply(world, anna)
    click = await world.emu.click(_card(world), label="Approve", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    assert world.cast.creator_role.id in world.emu.member_roles(world.cast.guild.id, anna.id)
    welcome = world.emu.dms(anna.id)[-1].content
    assert "ANNABAKES15" in welcome
    assert re.search(rf"{world.tracker_url}/r/[a-z0-9]{{7}}", welcome)
    card = _card(world)
    assert _buttons(card) == []
    assert "approved by" in card.embeds[0]["description"]
    assert "Welcome DM with link and code sent." in click.followups[0].content


async def test_second_click_says_who_decided(world: LocalDiscord) -> None:
    """Two managers clicking at once: one approves, the other is told who decided and when."""
    anna = world.add_member("anna")
    other = world.emu.create_user("max-manager")
    world.cast.guild.add_member(other, roles=[], permissions=1 << 5)
    await _apply(world, anna)
    card = _card(world)
    first = await world.emu.click(card, label="Approve", user_id=world.cast.manager.id, wait=False)
    second = await world.emu.click(card, label="Approve", user_id=other.id, wait=False)
    await first.wait_followups(1)
    await second.wait_followups(1)
    texts = [first.followups[-1].content, second.followups[-1].content]
    refused = [t for t in texts if t.startswith("Already approved by")]
    assert len(refused) == 1
    assert len(world.emu.dms(anna.id)) == 1


async def test_reject_with_reason_dms_applicant(world: LocalDiscord) -> None:
    """Reject opens a modal; the reason and the cooldown end reach the applicant by DM."""
    bert = world.add_member("bert")
    await _apply(world, bert, handle="bert.bikes")
    opened = await world.emu.click(_card(world), label="Reject", user_id=world.cast.manager.id)
    assert opened.response_type == 9
    submitted = await world.emu.submit_modal(
        opened, values={"text": "Not enough posts yet"}, user_id=world.cast.manager.id
    )
    await submitted.wait_followups(1)
    dm = world.emu.dms(bert.id)[-1].content
    assert "Not enough posts yet" in dm and "apply again from 23 Dec 2026" in dm
    again = await _apply(world, bert, handle="bert.bikes")
    assert "You can apply again from 23 Dec 2026" in again.followups[0].content


async def test_buttons_work_after_restart(world: LocalDiscord) -> None:
    """A card posted before a restart still works after it."""
    anna = world.add_member("anna")
    await _apply(world, anna)
    card = _card(world)
    await world.restart_bot()
    click = await world.emu.click(card, label="Approve", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    assert "ANNABAKES15" in world.emu.dms(anna.id)[-1].content


async def test_non_manager_click_is_refused(world: LocalDiscord) -> None:
    """A member who is not a manager cannot approve, and is told so privately."""
    anna = world.add_member("anna")
    carl = world.add_member("carl")
    await _apply(world, anna)
    click = await world.emu.click(_card(world), label="Approve", user_id=carl.id)
    await click.wait_response()
    assert click.ephemeral and "Only program managers" in click.content
    assert world.emu.dms(anna.id) == []
    assert _buttons(_card(world)) == ["Approve", "Reject", "Request info"]


async def test_duplicate_application_refused(world: LocalDiscord) -> None:
    """A second /apply while in review is refused."""
    anna = world.add_member("anna")
    await _apply(world, anna)
    again = await _apply(world, anna)
    assert "already have an application in review" in again.followups[0].content
    assert len(world.emu.messages(world.cast.review.id)) == 1


async def test_handles_never_ping_or_break_the_card(world: LocalDiscord) -> None:
    """@everyone as a handle and markdown-ish text are shown inert, with mentions off."""
    eve = world.add_member("eve")
    await _apply(world, eve, platform="other", handle="@everyone", niche="cats and dogs")
    card = _card(world)
    assert card.allowed_mentions == {"parse": []} or card.allowed_mentions.get("parse") == []
    assert "@everyone" not in card.content if card.content else True
    bad = world.add_member("mallory")
    refused = await _apply(world, bad, handle="**bold**")
    assert "is not a valid handle" in refused.followups[0].content
    refused = await _apply(world, bad, niche="<@&123> ping")
    assert "Describe your niche" in refused.followups[0].content


async def test_dutch_applicant_gets_dutch(world: LocalDiscord) -> None:
    """A Dutch client gets the reply and the welcome DM in Dutch."""
    daan = world.add_member("daan", locale="nl")
    it = await _apply(world, daan, locale="nl", handle="daan.kookt")
    assert "je aanmelding is binnen" in it.followups[0].content
    click = await world.emu.click(_card(world), label="Approve", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    assert "Welkom in het creatorprogramma" in world.emu.dms(daan.id)[-1].content


async def test_closed_dms_welcome_on_next_command(world: LocalDiscord) -> None:
    """With DMs closed the card says so and the welcome comes with the next command."""
    anna = world.add_member("anna")
    world.emu.close_dms(anna.id)
    await _apply(world, anna)
    click = await world.emu.click(_card(world), label="Approve", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    assert "DMs are closed" in _card(world).embeds[0]["description"]
    again = await _apply(world, anna)
    await again.wait_followups(2)
    texts = [m.content for m in again.followups]
    assert any("ANNABAKES15" in t for t in texts)


async def test_creator_commands(world: LocalDiscord) -> None:
    """/creator approve, info and pause work by command too."""
    anna = world.add_member("anna")
    await _apply(world, anna)
    manager, guild = world.cast.manager.id, world.cast.guild.id
    approved = await world.emu.invoke(
        manager, "creator approve", options={"member": anna.id}, guild_id=guild
    )
    await approved.wait_followups(1)
    info = await world.emu.invoke(
        manager, "creator info", options={"member": anna.id}, guild_id=guild
    )
    (answer,) = await info.wait_followups(1)
    assert "ANNABAKES15" in answer.embeds[0]["description"]
    paused = await world.emu.invoke(
        manager, "creator pause", options={"member": anna.id}, guild_id=guild
    )
    await paused.wait_followups(1)
    assert world.cast.creator_role.id not in world.emu.member_roles(guild, anna.id)
    info = await world.emu.invoke(
        manager, "creator info", options={"member": anna.id}, guild_id=guild
    )
    (answer,) = await info.wait_followups(1)
    assert "inactive" in answer.embeds[0]["description"]


async def test_request_info_then_answer(world: LocalDiscord) -> None:
    """Request info DMs the question; answering with /apply updates the same card."""
    anna = world.add_member("anna")
    await _apply(world, anna)
    opened = await world.emu.click(
        _card(world), label="Request info", user_id=world.cast.manager.id
    )
    submitted = await world.emu.submit_modal(
        opened, values={"text": "Which city do you bake in?"}, user_id=world.cast.manager.id
    )
    await submitted.wait_followups(1)
    assert "Which city do you bake in?" in world.emu.dms(anna.id)[-1].content
    answered = await _apply(world, anna, engagement_rate="3.9")
    assert "updated with your answer" in answered.followups[0].content
    assert len(world.emu.messages(world.cast.review.id)) == 1
    assert "3.9%" in _card(world).embeds[0]["description"]


async def test_unexpected_error_in_a_card_button_is_answered_like_commands(
    world: LocalDiscord,
) -> None:
    """A button whose work fails unexpectedly gets the generic error, privately, in Dutch."""
    anna = world.add_member("anna")
    await _apply(world, anna)
    await world.services.db.execute("ALTER TABLE applications RENAME TO applications_gone")
    click = await world.emu.click(
        _card(world), label="Approve", user_id=world.cast.manager.id, locale="nl"
    )
    await click.wait_response()
    assert click.ephemeral
    assert click.content is not None and click.content.startswith("Er ging bij ons iets mis")
    assert world.emu.dms(anna.id) == []
