"""A signed shop webhook becomes money a creator can see, through the real client."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from tests.e2e._creators import approve_creator, command

pytestmark = pytest.mark.timeout(60)
SECRET = "shpss_test_secret"


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    """A program with shop webhooks on and one approved creator, anna (code ANNABAKES15)."""
    async with LocalDiscord(
        tmp_path / "money.db",
        clock=clock,
        CREATORBOT_SHOPIFY_SECRET=SECRET,
        CREATORBOT_SWEEP_SECONDS=1,
    ) as w:
        cast = w.cast
        await w.services.settings.update(
            cast.guild.id,
            cast.manager.id,
            {"review_channel": cast.review.id, "shop_url": "https://shop.example.com"},
        )
        await approve_creator(w, "anna", "anna.bakes", platform="instagram")
        yield w


async def _shopify(world: LocalDiscord, topic: str, body: dict) -> int:
    raw = json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Webhook-Id": f"wh-{topic}-{len(raw)}",
        "Content-Type": "application/json",
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{world.tracker_url}/webhooks/shopify", data=raw, headers=headers
        ) as r:
            return r.status


ORDER = {
    "id": 5_123_456_789_012_345_678,
    "name": "#1001",
    "email": "customer@example.net",
    "created_at": "2026-11-23T10:00:00+00:00",
    "currency": "EUR",
    "presentment_currency": "EUR",
    "subtotal_price": "80.00",
    "current_subtotal_price": "80.00",
    "total_price": "96.80",
    "total_tax": "16.80",
    "total_discounts": "14.12",
    "test": False,
    "discount_codes": [{"code": "annabakes15", "amount": "14.12", "type": "percentage"}],
    "landing_site": "/products/bread?utm_medium=affiliate",
    "note_attributes": [],
    "line_items": [{"id": 1, "price": "94.12", "quantity": 1, "title": "Sourdough kit"}],
    "shipping_lines": [],
}


async def _command(world: LocalDiscord, user, name: str, **options):  # type: ignore[no-untyped-def]
    it = await command(world, user, name, **options)
    answer = it.followups[-1] if it.response_type == 5 else it
    return answer.embeds[0]["description"]


async def test_order_shows_in_stats_and_refund_in_earnings(world: LocalDiscord) -> None:
    """Order with the creator's code → /stats shows it; a refund → /earnings reflects it."""
    anna = world.cast.members["anna"]
    assert await _shopify(world, "orders/create", ORDER) == 200
    assert await _shopify(world, "orders/paid", ORDER) == 200  # same order: counted once
    stats = await _command(world, anna, "stats")
    assert "**Orders:** 1" in stats and "**Net revenue:** €80.00" in stats
    earnings = await _command(world, anna, "earnings")
    assert "**Pending** (in the hold period): €8.00" in earnings
    refund = {
        "id": 99_001,
        "order_id": ORDER["id"],
        "created_at": "2026-11-24T10:00:00+00:00",
        "refund_line_items": [
            {
                "quantity": 1,
                "subtotal": "40.00",
                "subtotal_set": {
                    "shop_money": {"amount": "40.00", "currency_code": "EUR"},
                    "presentment_money": {"amount": "40.00", "currency_code": "EUR"},
                },
                "total_tax": "8.40",
            }
        ],
        "transactions": [{"amount": "48.40", "kind": "refund", "status": "success"}],
    }
    assert await _shopify(world, "refunds/create", refund) == 200
    earnings = await _command(world, anna, "earnings")
    assert "**Pending** (in the hold period): €4.00" in earnings
    stats = await _command(world, anna, "stats")
    assert "**Net revenue:** €40.00" in stats and "reversed (refunds): €4.00" in stats


async def test_first_sale_dm_once_for_a_burst(world: LocalDiscord, clock: FrozenClock) -> None:
    """Three quick orders bring one "first sale" DM, after a quiet moment, and never again."""
    anna = world.cast.members["anna"]
    for n in range(3):
        order = {**ORDER, "id": ORDER["id"] + n}
        assert await _shopify(world, "orders/create", order) == 200
    welcome_only = len(world.emu.dms(anna.id))
    await world.services.schedule.sweep()  # the burst is still within its quiet period
    assert len(world.emu.dms(anna.id)) == welcome_only
    clock.advance(seconds=31)
    for _ in range(50):
        if len(world.emu.dms(anna.id)) > welcome_only:
            break
        await asyncio.sleep(0.1)
    dms = world.emu.dms(anna.id)
    assert len(dms) == welcome_only + 1
    assert "first sale" in dms[-1].content and "3 orders" in dms[-1].content
    for _ in range(2):  # later sweeps find it sent
        await world.services.schedule.sweep()
    assert len(world.emu.dms(anna.id)) == welcome_only + 1


async def test_creator_info_shows_totals(world: LocalDiscord) -> None:
    """/creator info shows orders, revenue and the balance so far."""
    anna = world.cast.members["anna"]
    await _shopify(world, "orders/create", ORDER)
    description = await _command(world, world.cast.manager, "creator info", member=anna.id)
    assert "**Orders:** 1 · **Net revenue:** €80.00 · **Earned:** €8.00" in description
    assert "**Balance:** €8.00 pending" in description
