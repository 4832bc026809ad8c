"""Creator codes in a connected shop through the real client: an approval creates the code in
the (local) Shopify before the welcome says it works; a pause deactivates it there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from emulators.shopify import ShopifyStore
from tests.e2e._creators import approve_creator
from tests.e2e._shopify import TOKEN, shopify_program

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def store(clock: FrozenClock) -> ShopifyStore:
    return ShopifyStore(clock, token=TOKEN)


@pytest.fixture
async def world(
    tmp_path: Path, clock: FrozenClock, store: ShopifyStore
) -> AsyncIterator[LocalDiscord]:
    """A program whose Shopify store is connected (the local stand-in)."""
    async with shopify_program(tmp_path / "codes.db", clock, store) as w:
        yield w


@pytest.mark.parametrize(
    ("locale", "works"),
    [("en-US", "It works at the checkout now."), ("nl", "Hij werkt nu bij het afrekenen.")],
)
async def test_approval_puts_the_code_in_the_shop_first(
    world: LocalDiscord, store: ShopifyStore, clock: FrozenClock, locale: str, works: str
) -> None:
    """The shop holds ANNABAKES15 at 15 % when the welcome DM says the code works."""
    anna = await approve_creator(world, "anna", "anna.bakes", locale=locale)
    held = store.find("ANNABAKES15")
    assert held is not None and held.percentage == 0.15
    assert held.status(clock.now()) == "ACTIVE"
    [welcome] = world.emu.dms(anna.id)
    assert "**ANNABAKES15**" in welcome.content and works in welcome.content


async def test_a_taken_code_gives_a_variant_and_tells_the_manager(
    world: LocalDiscord, store: ShopifyStore
) -> None:
    """Someone made ANNABAKES15 in Shopify: it stays; anna's welcome gives ANNABAKES15B and
    the manager's answer says why."""
    store.add_code("ANNABAKES15")
    cast = world.cast
    anna = world.add_member("anna")
    it = await world.emu.invoke(
        anna.id,
        "apply",
        options={"platform": "instagram", "handle": "anna.bakes", "followers": 8200, "niche": "x"},
        guild_id=cast.guild.id,
    )
    await it.wait_followups(1)
    card = world.emu.messages(cast.review.id)[-1]
    click = await world.emu.click(card, label="Approve", user_id=cast.manager.id)
    await click.wait_followups(1)
    answer = click.followups[-1].content
    assert "Code **ANNABAKES15** already exists in Shopify" in answer
    assert "**ANNABAKES15B**" in answer
    [welcome] = world.emu.dms(anna.id)
    assert "**ANNABAKES15B**" in welcome.content
    assert store.find("ANNABAKES15B") is not None


async def test_a_shop_that_is_down_says_shortly_then_tells_once(
    world: LocalDiscord, store: ShopifyStore, clock: FrozenClock
) -> None:
    """Shopify answers 500 at approval: the welcome says "shortly"; the sweep after the
    retry time creates the code and DMs anna once that it works."""
    store.fail_next(1, status=500)
    anna = await approve_creator(world, "anna", "anna.bakes")
    [welcome] = world.emu.dms(anna.id)
    assert "It will work at the checkout shortly" in welcome.content
    assert store.find("ANNABAKES15") is None
    clock.advance(minutes=2)
    for _ in range(2):
        await world.services.schedule.sweep()
    assert store.find("ANNABAKES15") is not None
    dms = world.emu.dms(anna.id)
    assert len(dms) == 2 and "**ANNABAKES15** now works at the checkout" in dms[-1].content


async def test_pause_deactivates_the_code_in_the_shop(
    world: LocalDiscord, store: ShopifyStore, clock: FrozenClock
) -> None:
    """/creator pause takes the code out of Shopify; /creator approve brings it back."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    cast = world.cast
    for command, status in (("creator pause", "EXPIRED"), ("creator approve", "ACTIVE")):
        it = await world.emu.invoke(
            cast.manager.id, command, options={"member": anna.id}, guild_id=cast.guild.id
        )
        await it.wait_followups(1)
        held = store.find("ANNABAKES15")
        assert held is not None and held.status(clock.now()) == status, command
