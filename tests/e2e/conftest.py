"""End-to-end fixtures: the real bot against the local Discord emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord


@pytest.fixture
async def discord_world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    world = LocalDiscord(tmp_path / "e2e.db", clock=clock)
    await world.start()
    try:
        yield world
    finally:
        await world.stop()


async def approved_creator(
    world: LocalDiscord, name: str, handle: str, platform: str = "instagram", followers: int = 8200
):  # type: ignore[no-untyped-def]
    """A member applies with /apply and a manager clicks Approve on the card."""
    member = world.add_member(name)
    it = await world.emu.invoke(
        member.id,
        "apply",
        options={"platform": platform, "handle": handle, "followers": followers, "niche": "baking"},
        guild_id=world.cast.guild.id,
    )
    await it.wait_followups(1)
    card = world.emu.messages(world.cast.review.id)[-1]
    click = await world.emu.click(card, label="Approve", user_id=world.cast.manager.id)
    await click.wait_followups(1)
    return member
