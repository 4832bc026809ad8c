"""A changed discount reaches the codes already in the shop, through the real client: after
/setup discount_percent, /campaign codes offers to update them; the button (managers only)
updates each code in the (local) Shopify once, and a failed one on a second press."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from emulators.shopify import ShopifyStore
from tests.e2e._creators import approve_creator
from tests.e2e._shopify import TOKEN, shopify_program

pytestmark = pytest.mark.timeout(90)
UPDATE = "discountCodeBasicUpdate"


@pytest.fixture
def store(clock: FrozenClock) -> ShopifyStore:
    return ShopifyStore(clock, token=TOKEN)


@pytest.fixture
async def world(
    tmp_path: Path, clock: FrozenClock, store: ShopifyStore
) -> AsyncIterator[LocalDiscord]:
    """Anna's and bert's codes live in the local Shopify at 15 %; then the program's
    discount becomes 20 %."""
    async with shopify_program(tmp_path / "update.db", clock, store) as w:
        await approve_creator(w, "anna", "anna.bakes")
        await approve_creator(w, "bert", "bert.grills")
        await w.services.settings.update(
            w.cast.guild.id, w.cast.manager.id, {"discount_percent": "20"}
        )
        yield w


async def _codes(world: LocalDiscord, locale: str = "en-US") -> Any:
    it = await world.emu.invoke(
        world.cast.manager.id, "campaign codes", guild_id=world.cast.guild.id, locale=locale
    )
    await it.wait_response()
    if it.response_type == 5:
        await it.wait_followups(1)
        return it.followups[0]
    return it.message


async def _press(world: LocalDiscord, message: Any, label: str, user_id: int, locale: str) -> Any:
    it = await world.emu.click(message, label=label, user_id=user_id, locale=locale)
    await it.wait_response()
    return it


async def _finished(it: Any, word: str) -> str:
    await it.wait_until(lambda i: (i.content or "").startswith(word), timeout=30)
    return it.content


@pytest.mark.parametrize(
    ("locale", "label", "word"),
    [
        ("en-US", "Update 2 codes to 20 %", "2 codes now give 20 %"),
        ("nl", "Zet 2 codes op 20 %", "2 codes geven nu 20 %"),
    ],
)
async def test_manager_updates_the_codes_in_the_shop(
    world: LocalDiscord, store: ShopifyStore, locale: str, label: str, word: str
) -> None:
    """The button updates both discounts in Shopify to 20 %, once each; afterwards
    /campaign codes offers nothing more."""
    answer = await _codes(world, locale)
    pressed = await _press(world, answer, label, world.cast.manager.id, locale)
    await _finished(pressed, word)
    assert [d.percentage for d in store.discounts.values()] == [0.2, 0.2]
    assert store.calls[UPDATE] == 2
    assert not (await _codes(world, locale)).components
    world.emu.assert_no_violations()


async def test_an_outdated_button_changes_nothing(world: LocalDiscord, store: ShopifyStore) -> None:
    """The discount changed again after /campaign codes: the old button says so and
    updates nothing. (The reply is ephemeral: only the manager who asked sees the button.)"""
    answer = await _codes(world)
    await world.services.settings.update(
        world.cast.guild.id, world.cast.manager.id, {"discount_percent": "25"}
    )
    pressed = await _press(world, answer, "Update 2 codes to 20 %", world.cast.manager.id, "en-US")
    assert pressed.ephemeral and "no longer 20 %" in (pressed.content or "")
    assert store.calls[UPDATE] == 0
    assert [d.percentage for d in store.discounts.values()] == [0.15, 0.15]


async def test_a_shop_failure_is_finished_by_pressing_again(
    world: LocalDiscord, store: ShopifyStore
) -> None:
    """Shopify fails once: one code is updated, one is not; the second press updates only
    the one left."""
    answer = await _codes(world)
    store.fail_next(1, status=500)
    first = await _press(world, answer, "Update 2 codes to 20 %", world.cast.manager.id, "en-US")
    text = await _finished(first, "1 code now gives 20 %")
    assert "1 could not be updated" in text
    again = await _press(world, answer, "Update 2 codes to 20 %", world.cast.manager.id, "en-US")
    await _finished(again, "1 code now gives 20 %")
    assert [d.percentage for d in store.discounts.values()] == [0.2, 0.2]
    assert store.calls[UPDATE] == 2


@pytest.mark.parametrize(
    ("locale", "shown"), [("en-US", "20%, once per customer"), ("nl", "20%, één keer per klant")]
)
async def test_once_per_customer_reaches_new_and_updated_codes(
    world: LocalDiscord, store: ShopifyStore, locale: str, shown: str
) -> None:
    """/setup code_once_per_customer: shown in the settings; a new creator's code is made
    once per customer in Shopify, and updating the older codes brings them the rule too."""
    it = await world.emu.invoke(
        world.cast.manager.id,
        "setup",
        options={"code_once_per_customer": True},
        guild_id=world.cast.guild.id,
        locale=locale,
    )
    await it.wait_response()
    if it.response_type == 5:
        await it.wait_followups(1)
    text = "\n".join(
        [it.content or ""]
        + [e.get("description", "") for e in it.embeds]
        + [m.content or "" for m in it.followups]
        + [e.get("description", "") for m in it.followups for e in m.embeds]
    )
    assert shown in text
    await approve_creator(world, "carl", "carl.cooks")
    newest = list(store.discounts.values())[-1]
    assert (newest.percentage, newest.applies_once_per_customer) == (0.2, True)
    answer = await _codes(world)
    pressed = await _press(world, answer, "Update 2 codes to 20 %", world.cast.manager.id, "en-US")
    await _finished(pressed, "2 codes now give 20 %")
    assert all(d.applies_once_per_customer for d in store.discounts.values())
