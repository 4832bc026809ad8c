"""/sites add → review card → Approve / Reject → DM, through the real client and the
emulator, in English and Dutch."""

from __future__ import annotations

from typing import Any

import pytest

from bot.harness import LocalDiscord
from tests.e2e._creators import approve_creator

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def world(discord_world: LocalDiscord) -> LocalDiscord:
    """A configured program: review channel and shop."""
    cast = discord_world.cast
    await discord_world.services.settings.update(
        cast.guild.id,
        cast.manager.id,
        {"review_channel": cast.review.id, "shop_url": "https://shop.example.com"},
    )
    return discord_world


async def _sites(world: LocalDiscord, user: Any, sub: str, **options: Any) -> Any:
    """Run ``/sites <sub>`` and return its answer (the followup of a deferred reply)."""
    it = await world.emu.invoke(
        user.id, f"sites {sub}", options=options, guild_id=world.cast.guild.id
    )
    await it.wait_response()
    if it.response_type == 5:
        (answer,) = await it.wait_followups(1)
        return answer
    return it


def _card(world: LocalDiscord) -> Any:
    return world.emu.get_message(world.emu.messages(world.cast.review.id)[-1].id)


def _buttons(message: Any) -> list[str]:
    return [c["label"] for row in message.components for c in row["components"]]


async def test_add_posts_a_card_and_approve_tells_the_creator(world: LocalDiscord) -> None:
    """anna adds her site; the card shows it; a manager approves; anna gets a DM."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    answer = await _sites(world, anna, "add", url="https://www.AnnaBakes.com/")
    assert "registered for DirectLink" in answer.content
    assert "`annabakes.com`" in answer.content
    card = _card(world)
    assert _buttons(card) == ["Approve", "Reject"]
    description = card.embeds[0]["description"]
    assert f"<@{anna.id}>" in description and "**Matches:** `annabakes.com`" in description
    assert card.allowed_mentions.get("parse") == []
    click = await world.emu.click(card, label="Approve", user_id=world.cast.manager.id)
    (note,) = await click.wait_followups(1)
    assert note.content == f"Approved `annabakes.com` for <@{anna.id}>.\nDM sent."
    dm = world.emu.dms(anna.id)[-1].content
    assert "is approved for DirectLink" in dm and "`annabakes.com`" in dm
    card = _card(world)
    assert _buttons(card) == []
    assert f"Approved by <@{world.cast.manager.id}>" in card.embeds[0]["description"]
    listed = await _sites(world, anna, "list")
    assert "annabakes.com` · ✅ approved" in listed.content
    world.emu.assert_no_violations()


async def test_non_manager_cannot_decide(world: LocalDiscord) -> None:
    """A member without Manage Server is refused privately; the site still waits."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    carl = world.add_member("carl")
    await _sites(world, anna, "add", url="annabakes.com")
    dms_before = len(world.emu.dms(anna.id))
    click = await world.emu.click(_card(world), label="Approve", user_id=carl.id)
    await click.wait_response()
    assert click.ephemeral and "Only program managers" in click.content
    assert _buttons(_card(world)) == ["Approve", "Reject"]
    assert len(world.emu.dms(anna.id)) == dms_before
    listed = await _sites(world, anna, "list")
    assert "⏳ waiting for a manager" in listed.content


async def test_reject_tells_the_creator(world: LocalDiscord) -> None:
    """Reject: the card says so and the creator is told the site did not count."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    await _sites(world, anna, "add", url="https://anna-fan-page.example/")
    click = await world.emu.click(_card(world), label="Reject", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    assert "was not approved for DirectLink" in world.emu.dms(anna.id)[-1].content
    assert "❌ Rejected by" in _card(world).embeds[0]["description"]


async def test_second_decision_says_who_was_first(world: LocalDiscord) -> None:
    """Two managers clicking at once: one decides, the other is told it was decided."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    other = world.emu.create_user("max-manager")
    world.cast.guild.add_member(other, roles=[], permissions=1 << 5)
    await _sites(world, anna, "add", url="annabakes.com")
    card = _card(world)
    first = await world.emu.click(card, label="Approve", user_id=world.cast.manager.id, wait=False)
    second = await world.emu.click(card, label="Reject", user_id=other.id, wait=False)
    await first.wait_followups(1)
    await second.wait_followups(1)
    texts = [first.followups[-1].content, second.followups[-1].content]
    assert len([t for t in texts if t.startswith("Already ")]) == 1
    assert len([m for m in world.emu.dms(anna.id) if "DirectLink" in m.content]) == 1


async def test_card_buttons_work_after_restart(world: LocalDiscord) -> None:
    """A site card posted before a restart still works after it."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    await _sites(world, anna, "add", url="annabakes.com")
    card = _card(world)
    await world.restart_bot()
    click = await world.emu.click(card, label="Approve", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    assert "is approved for DirectLink" in world.emu.dms(anna.id)[-1].content


async def test_refused_url_changes_nothing(world: LocalDiscord) -> None:
    """A search engine is refused with the reason; no card, no site."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    cards_before = len(world.emu.messages(world.cast.review.id))
    answer = await _sites(world, anna, "add", url="https://www.google.com/search?q=anna")
    assert "is a search engine" in answer.content and "Nothing was registered." in answer.content
    assert len(world.emu.messages(world.cast.review.id)) == cards_before
    assert await world.services.db.fetch_val("SELECT count(*) FROM creator_sites") == 0


async def test_members_who_are_not_creators_are_sent_to_apply(world: LocalDiscord) -> None:
    """/sites add by a member who is not a creator points them to /apply."""
    carl = world.add_member("carl")
    answer = await _sites(world, carl, "add", url="carl.example")
    assert "Apply with /apply" in answer.content


async def test_remove_takes_the_site_back(world: LocalDiscord) -> None:
    """/sites remove by number: the card says it was taken back and the list is empty."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    await _sites(world, anna, "add", url="annabakes.com")
    site_id = await world.services.db.fetch_val("SELECT id FROM creator_sites")
    answer = await _sites(world, anna, "remove", site=str(site_id))
    assert "Removed `annabakes.com`" in answer.content
    assert "Taken back by the creator." in _card(world).embeds[0]["description"]
    assert _buttons(_card(world)) == []
    assert "no DirectLink sites yet" in (await _sites(world, anna, "list")).content


async def test_dutch_creator_gets_dutch(world: LocalDiscord) -> None:
    """A Dutch creator: the reply, the DM and the list are in Dutch."""
    daan = await approve_creator(world, "daan", "daan.kookt", locale="nl")
    answer = await _sites(world, daan, "add", url="https://www.youtube.com/@daankookt")
    assert "is aangemeld voor DirectLink" in answer.content
    assert "`youtube.com/@daankookt`" in answer.content
    click = await world.emu.click(_card(world), label="Approve", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    dm = world.emu.dms(daan.id)[-1].content
    assert "is goedgekeurd voor DirectLink" in dm
    listed = await _sites(world, daan, "list")
    assert "✅ goedgekeurd" in listed.content


async def test_dutch_refusal_is_dutch(world: LocalDiscord) -> None:
    """A platform's root is refused in Dutch, and nothing is registered."""
    daan = await approve_creator(world, "daan", "daan.kookt", locale="nl")
    answer = await _sites(world, daan, "add", url="https://www.instagram.com/")
    assert "telt alleen je eigen profiel" in answer.content
    assert "Er is niets aangemeld." in answer.content
    assert await world.services.db.fetch_val("SELECT count(*) FROM creator_sites") == 0


async def test_dutch_manager_reads_dutch_refusal(world: LocalDiscord) -> None:
    """A Dutch non-manager clicking Approve is refused in Dutch."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    els = world.add_member("els", locale="nl")
    await _sites(world, anna, "add", url="annabakes.com")
    click = await world.emu.click(_card(world), label="Approve", user_id=els.id)
    await click.wait_response()
    assert click.ephemeral and "managers" in click.content
    assert "Only program managers" not in click.content
