"""/conversion info explains an order and /conversion refund corrects a refund, through the
real client, in English and Dutch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from tests.e2e._creators import approve_creator
from tests.e2e.test_money import ORDER, SECRET, _shopify

pytestmark = pytest.mark.timeout(60)
ORDER_ID = str(ORDER["id"])
# A refund that names its line only in the buyer's currency: held, never taken as euros.
FOREIGN_REFUND = {
    "id": 99_002,
    "order_id": ORDER["id"],
    "created_at": "2026-11-24T10:00:00+00:00",
    "refund_line_items": [{"quantity": 1, "subtotal": "43.50", "total_tax": "9.14"}],
    "transactions": [{"amount": "52.64", "currency": "USD", "kind": "refund"}],
}


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    """A program with one approved creator, anna (code ANNABAKES15), and her order #1001."""
    async with LocalDiscord(
        tmp_path / "info.db", clock=clock, CREATORBOT_SHOPIFY_SECRET=SECRET
    ) as w:
        cast = w.cast
        await w.services.settings.update(
            cast.guild.id,
            cast.manager.id,
            {"review_channel": cast.review.id, "shop_url": "https://shop.example.com"},
        )
        await approve_creator(w, "anna", "anna.bakes", platform="instagram")
        assert await _shopify(w, "orders/create", ORDER) == 200
        yield w


async def _run(world: LocalDiscord, user: Any, name: str, locale: str = "en-US", **options: Any):  # type: ignore[no-untyped-def]
    it = await world.emu.invoke(
        user.id, name, options=options, guild_id=world.cast.guild.id, locale=locale
    )
    await it.wait_response()
    return it


async def test_info_explains_net_attribution_and_commission(world: LocalDiscord) -> None:
    """The manager sees how 80.00 net was derived, the code and the pending commission."""
    it = await _run(world, world.cast.manager, "conversion info", order=ORDER_ID)
    assert it.ephemeral
    info = it.embeds[0]["description"]
    assert (
        "**Net revenue:** €80.00: subtotal €94.12 − discounts €14.12 = €80.00 net; "
        "tax €16.80 not counted (from `subtotal_price`, `total_discounts`)"
    ) in info
    anna = world.cast.members["anna"]
    assert f"**Attributed:** by code `ANNABAKES15` to <@{anna.id}>" in info
    assert "**Commission:** €8.00 (Default), pending until 23 Dec 2026" in info


async def test_info_in_dutch(world: LocalDiscord) -> None:
    """The same explanation in Dutch for a Dutch client."""
    it = await _run(world, world.cast.manager, "conversion info", locale="nl", order=ORDER_ID)
    info = it.embeds[0]["description"]
    assert (
        "**Netto-omzet:** €\xa080,00: subtotaal €\xa094,12 − kortingen €\xa014,12 "
        "= €\xa080,00 netto" in info
    )
    assert "btw €\xa016,80 niet meegeteld" in info
    assert "**Commissie:** €\xa08,00 (Default), in de wachttijd tot" in info


async def test_unknown_order_answered_in_dutch(world: LocalDiscord) -> None:
    """An order id the program does not know gets a short Dutch answer."""
    it = await _run(world, world.cast.manager, "conversion info", locale="nl", order="nope")
    assert it.ephemeral and "Geen bestelling `nope`" in it.content


async def test_held_refund_is_shown_then_entered_by_the_manager(world: LocalDiscord) -> None:
    """A USD-only refund is held; the manager enters €40.00 and half the commission goes."""
    assert await _shopify(world, "refunds/create", FOREIGN_REFUND) == 200
    it = await _run(world, world.cast.manager, "conversion info", order=ORDER_ID)
    info = it.embeds[0]["description"]
    assert "• `99002`: €0.00 of net" in info
    assert "**held**: the shop sent US$43.50 only in USD, the sale is in EUR" in info
    it = await _run(world, world.cast.manager, "conversion refund", order=ORDER_ID, amount="40")
    assert it.content.startswith("Refund `99002` of order")
    assert "is now €40.00 of net" in it.content
    info = it.embeds[0]["description"]
    assert "€8.00 (Default), pending until" in info and "€4.00 of it reversed" in info
    earnings = await _run(world, world.cast.members["anna"], "earnings")
    description = earnings.embeds[0]["description"]
    assert "**Pending** (in the hold period): €4.00" in description
    assert f"`{ORDER_ID}`: subtotal €94.12 − discounts €14.12 = €80.00 net" in description
    assert "**€8.00** pending, €4.00 reversed" in description


async def test_refund_larger_than_the_order_is_refused(world: LocalDiscord) -> None:
    """Nothing changes when the amount is more than is left; the answer names the limit."""
    it = await _run(world, world.cast.manager, "conversion refund", order=ORDER_ID, amount="81")
    assert it.ephemeral and "at most €80.00 can be refunded" in it.content
    it = await _run(world, world.cast.manager, "conversion info", order=ORDER_ID)
    assert "Refunds" not in it.embeds[0]["description"]
