"""/privacy through the real client: a JSON export, and erasing behind a confirm button."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from tests.e2e._creators import approve_creator, command, sell

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    """anna and bert are creators (with the creator role); anna sold once and uses PayPal."""
    async with LocalDiscord(tmp_path / "privacy.db", clock=clock) as w:
        cast = w.cast
        await w.services.settings.update(
            cast.guild.id,
            cast.manager.id,
            {
                "review_channel": cast.review.id,
                "shop_url": "https://shop.example.com",
                "creator_role": cast.creator_role.id,
                "hold_days": 0,
            },
        )
        anna = await approve_creator(w, "anna", "anna.bakes")
        await approve_creator(w, "bert", "bert.grills")
        await sell(w, clock, "1001", 80_000, "annabakes15")
        await command(w, anna, "payout-method", method="paypal", details="anna@example.com")
        yield w


async def _ask_to_delete(world: LocalDiscord):  # type: ignore[no-untyped-def]
    anna = world.cast.members["anna"]
    it = await command(world, anna, "privacy", action="delete")
    assert it.ephemeral and "cannot be undone" in it.content
    return it


async def test_export_is_a_private_json_file_of_own_data(world: LocalDiscord) -> None:
    """/privacy export answers privately with a JSON file of the member's data only."""
    it = await command(world, world.cast.members["anna"], "privacy", action="export")
    assert it.ephemeral
    [attachment] = it.followups[0].attachments
    assert attachment.filename == "creatorbot-my-data-2026-11-23.json"
    data = json.loads(attachment.content)
    assert data["creator"]["handle"] == "anna.bakes"
    assert [c["order_id"] for c in data["conversions"]] == ["1001"]
    assert data["payout_method"]["details"] == "a***@example.com"
    assert b"bert" not in attachment.content


async def test_delete_after_confirm_erases_the_member(world: LocalDiscord) -> None:
    """Confirm → personal data gone, role removed, review card blanked, /code says no."""
    cast = world.cast
    anna = cast.members["anna"]
    creator = await world.services.onboarding.creator_by_member(cast.guild.id, anna.id)
    assert creator is not None
    assert cast.creator_role.id in world.emu.member_roles(cast.guild.id, anna.id)
    prompt = await _ask_to_delete(world)
    assert "€80.00" in prompt.content  # earned, not paid out yet: the prompt warns
    click = await world.emu.click(prompt.message, label="Erase my data", user_id=anna.id)
    await click.wait_until(lambda it: "Done" in (it.message.content if it.message else ""))
    assert click.message.components == []
    row = await world.services.db.fetch_one(
        "SELECT handle, email, user_id, status FROM creators WHERE id = ?", creator.id
    )
    assert tuple(row) == (None, None, None, "removed")
    assert await world.services.db.fetch_val("SELECT COUNT(*) FROM payout_methods") == 0
    assert cast.creator_role.id not in world.emu.member_roles(cast.guild.id, anna.id)
    card = next(m for m in world.emu.messages(cast.review.id) if "Application #1" in str(m.embeds))
    assert "anna" not in str(card.embeds) and card.components == []
    code = await command(world, anna, "code")
    assert "not a creator" in code.content
    info = await command(world, cast.manager, "creator info", member=anna.id)
    assert "not a creator" in (info.content or "")


async def test_cancel_keeps_everything(world: LocalDiscord) -> None:
    """Cancel erases nothing."""
    prompt = await _ask_to_delete(world)
    anna = world.cast.members["anna"]
    click = await world.emu.click(prompt.message, label="Cancel", user_id=anna.id)
    assert "Nothing was erased" in click.message.content
    creator = await world.services.onboarding.creator_by_member(world.cast.guild.id, anna.id)
    assert creator is not None and creator.handle == "anna.bakes"


async def test_expired_confirmation_erases_nothing(world: LocalDiscord, clock: FrozenClock) -> None:
    """A confirm button clicked after 15 minutes only says it expired."""
    prompt = await _ask_to_delete(world)
    clock.advance(minutes=16)
    anna = world.cast.members["anna"]
    click = await world.emu.click(prompt.message, label="Erase my data", user_id=anna.id)
    assert "expired" in click.message.content
    assert await world.services.onboarding.creator_by_member(world.cast.guild.id, anna.id)


async def test_confirmation_still_works_after_a_restart(world: LocalDiscord) -> None:
    """A confirmation asked for before a restart of the bot still erases after it."""
    prompt = await _ask_to_delete(world)
    await world.restart_bot()
    anna = world.cast.members["anna"]
    click = await world.emu.click(prompt.message, label="Erase my data", user_id=anna.id)
    await click.wait_until(lambda it: "Done" in (it.message.content if it.message else ""))
    assert await world.services.onboarding.creator_by_member(world.cast.guild.id, anna.id) is None
