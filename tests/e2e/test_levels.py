"""Levels through the real client: /level commands, a promotion's role, DM and rate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from emulators.discord import EmulatorError
from tests.e2e._creators import approve_creator, sell

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    """A program whose creators get 10 % by default."""
    async with LocalDiscord(tmp_path / "levels.db", clock=clock) as w:
        await w.services.settings.update(
            w.cast.guild.id,
            w.cast.manager.id,
            {"review_channel": w.cast.review.id, "shop_url": "https://shop.example.com"},
        )
        yield w


async def command(world: LocalDiscord, user: Any, path: str, **options: Any):  # type: ignore[no-untyped-def]
    """Invoke ``/path`` with ``options`` (which may include ``name``) and wait for its answer."""
    it = await world.emu.invoke(user.id, path, options=options, guild_id=world.cast.guild.id)
    await it.wait_response()
    return it


async def _create_levels(world: LocalDiscord) -> int:
    """Bronze from €100 and Silver from €500 (12 %, with a role), via /level create."""
    silver_role = world.cast.guild.create_role("Silver creators")
    manager = world.cast.manager
    it = await command(
        world, manager, "level create", name="Bronze", basis="revenue30", threshold="100", rate="10"
    )
    assert "Level **Bronze** created" in it.content
    it = await command(
        world,
        manager,
        "level create",
        name="Silver",
        basis="revenue30",
        threshold="500",
        rate="12",
        role=silver_role.id,
    )
    assert "Level **Silver** created: 12% from €500.00" in it.content
    return int(silver_role.id)


async def _commission(world: LocalDiscord, order: str) -> int:
    query = """
        SELECT m.amount_minor FROM commissions m JOIN conversions v ON v.id = m.conversion_id
        WHERE v.order_id = ?
    """
    return int(await world.services.db.fetch_val(query, order))


async def _until(condition, seconds: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)


async def test_level_list_and_delete(world: LocalDiscord) -> None:
    """/level list shows the levels; /level delete removes one; an unknown name is named."""
    await _create_levels(world)
    manager = world.cast.manager
    listing = (await command(world, manager, "level list")).embeds[0]["description"]
    assert "**Bronze**: 10% from €100.00" in listing and "**Silver**: 12%" in listing
    assert "keep it (demotion off)" in listing
    it = await command(world, manager, "level delete", name="Bronze")
    assert "Level **Bronze** deleted" in it.content
    it = await command(world, manager, "level delete", name="Bronze")
    assert "There is no level called “Bronze”" in it.content


async def test_level_commands_are_for_managers(world: LocalDiscord) -> None:
    """Discord hides /level from members without Manage Server."""
    anna = world.add_member("anna")
    with pytest.raises(EmulatorError, match="hidden"):
        await command(
            world, anna, "level create", name="X", basis="orders30", threshold="1", rate="1"
        )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "You reached Silver: 12% from now on"),
        ("nl", "Je hebt Silver bereikt: 12% vanaf nu"),
    ],
)
async def test_promotion_gives_role_one_dm_and_the_new_rate(
    world: LocalDiscord, clock: FrozenClock, locale: str, expected: str
) -> None:
    """Orders over €500 → the sweep gives the Silver role and one DM; the next order earns 12 %."""
    silver_role = await _create_levels(world)
    anna = await approve_creator(world, "anna", "anna.bakes", locale=locale)
    profile = await world.services.onboarding.profile(world.cast.guild.id, anna.id)
    assert profile.code is not None
    code = profile.code.code
    await sell(world, clock, "A-1", 30_000, code)
    await sell(world, clock, "A-2", 30_000, code)
    assert await _commission(world, "A-2") == 3_000  # still the default 10 %
    before = len(world.emu.dms(anna.id))

    await world.services.schedule.sweep()
    await _until(lambda: len(world.emu.dms(anna.id)) > before)
    assert silver_role in world.emu.member_roles(world.cast.guild.id, anna.id)
    dms = world.emu.dms(anna.id)
    assert len(dms) == before + 1 and expected in dms[-1].content

    for _ in range(2):  # later sweeps, and a restart, change nothing
        await world.services.schedule.sweep()
    await world.restart_bot()
    await world.services.schedule.sweep()
    await asyncio.sleep(0.2)
    assert len(world.emu.dms(anna.id)) == before + 1

    await sell(world, clock, "A-3", 10_000, code)
    assert await _commission(world, "A-3") == 1_200
