"""With Shopify connected, accepted gifts become draft orders in the (local) Shopify through
/gift export, through the real client: 100 % off, the creator's address, tagged, once each."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from bot.web.signatures import sign_base64
from emulators.shopify import ShopifyStore
from tests.e2e._creators import approved_creators
from tests.e2e._shopify import TOKEN, shopify_program
from tests.e2e.test_gifts import _accept, _answer, _gift, _offer

pytestmark = pytest.mark.timeout(120)
SECRET = "shpss_gift0123456789"


@pytest.fixture
def store(clock: FrozenClock) -> ShopifyStore:
    return ShopifyStore(clock, token=TOKEN)


@pytest.fixture
async def world(
    tmp_path: Path, clock: FrozenClock, store: ShopifyStore
) -> AsyncIterator[LocalDiscord]:
    async with shopify_program(
        tmp_path / "drafts.db", clock, store, CREATORBOT_SHOPIFY_SECRET=SECRET
    ) as w:
        yield w


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en-US", "2 new draft orders"), ("nl", "2 nieuwe conceptbestellingen")],
)
async def test_accepted_gifts_become_draft_orders_once(
    world: LocalDiscord, store: ShopifyStore, locale: str, said: str
) -> None:
    """Two of three creators accept; /gift export makes their two drafts in Shopify (the
    variant at the unit cost, 100 % off, the address); a second export makes none."""
    members = await approved_creators(world, 3, prefix="seed")
    offer_id = await _offer(world)
    await _accept(world, members[0], "M")
    await _accept(world, members[1], "L", name="Bram de Vries", postcode="1015 CJ")
    first = await _gift(world, "export", locale=locale, offer=str(offer_id))
    assert said in _answer(first)
    assert not first.followups[0].attachments
    drafts = store.drafts
    assert [d.lines[0].title for d in drafts] == ["Winter hoodie — M", "Winter hoodie — L"]
    assert [str(d.lines[0].unit_price) for d in drafts] == ["24.95", "24.95"]
    assert all(d.lines[0].discount["value"] == 100.0 for d in drafts)
    assert all("creator-gift" in d.tags for d in drafts)
    assert drafts[1].address == {
        "firstName": "Bram de",
        "lastName": "Vries",
        "address1": "Oudegracht 12",
        "zip": "1015 CJ",
        "city": "Utrecht",
        "countryCode": "NL",
    }
    again = await _gift(world, "export", offer=str(offer_id))
    assert "0 new draft orders, 2 made before" in _answer(again)
    assert store.calls["draftOrderCreate"] == 2


async def test_a_shop_failure_is_retried_by_exporting_again(
    world: LocalDiscord, store: ShopifyStore
) -> None:
    """Shopify fails once: that gift is counted, and the next export makes only it."""
    members = await approved_creators(world, 2, prefix="seed")
    offer_id = await _offer(world)
    await _accept(world, members[0], "M")
    await _accept(world, members[1], "S")
    store.fail_next(1, status=500)
    first = await _gift(world, "export", offer=str(offer_id))
    assert "1 new draft order" in _answer(first) and "1 could not be made" in _answer(first)
    again = await _gift(world, "export", offer=str(offer_id))
    assert "1 new draft order, 1 made before" in _answer(again)
    assert len(store.drafts) == 2


async def _webhook(world: LocalDiscord, topic: str, order: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(order).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign_base64(body, SECRET),
        "X-Shopify-Webhook-Id": f"gift-{topic}-{len(body)}",
    }
    async with aiohttp.ClientSession() as session:
        url = f"{world.tracker_url}/webhooks/shopify"
        async with session.post(url, data=body, headers=headers) as response:
            assert response.status == 200
            return await response.json()


def _gift_order(claim_id: int, **changes: Any) -> dict[str, Any]:
    """The order a completed gift draft becomes, as Shopify's order webhooks send it (the
    draft's tags carried over, 100 % off)."""
    order: dict[str, Any] = {
        "id": 5_930_000_000_000 + claim_id,
        "name": "#1001",
        "created_at": "2026-11-23T10:00:00+00:00",
        "currency": "EUR",
        "subtotal_price": "0.00",
        "total_discounts": "24.95",
        "financial_status": "paid",
        "fulfillment_status": None,
        "tags": f"creator-gift, creatorbot-gift-{claim_id}",
        "discount_codes": [],
        "line_items": [],
        "fulfillments": [],
    }
    order.update(changes)
    return order


async def test_shopify_fulfilment_ships_and_delivers_the_gift(
    world: LocalDiscord, store: ShopifyStore
) -> None:
    """The completed gift order is no sale; its fulfilment marks the gift shipped, the
    carrier's "delivered" marks it delivered, the content is planned and the creator is told
    once, however often Shopify repeats itself."""
    [member] = await approved_creators(world, 1, prefix="seed")
    offer_id = await _offer(
        world, content_platform="instagram", content_kind="reel", content_days=14
    )
    await _accept(world, member, "M")
    await _gift(world, "export", offer=str(offer_id))
    claim_id = int(await world.services.db.fetch_val("SELECT id FROM gift_claims"))
    assert (await _webhook(world, "orders/create", _gift_order(claim_id)))["result"] == "ignored"
    assert await world.services.db.fetch_val("SELECT COUNT(*) FROM conversions") == 0
    shipped = _gift_order(
        claim_id,
        fulfillment_status="fulfilled",
        fulfillments=[{"id": 1, "status": "success", "shipment_status": None}],
    )
    await _webhook(world, "orders/fulfilled", shipped)
    state = "SELECT state FROM gift_claims"
    assert await world.services.db.fetch_val(state) == "shipped"
    delivered = _gift_order(
        claim_id,
        fulfillment_status="fulfilled",
        fulfillments=[{"id": 1, "status": "success", "shipment_status": "delivered"}],
    )
    for _ in range(2):
        await _webhook(world, "orders/updated", delivered)
    assert await world.services.db.fetch_val(state) == "delivered"
    assert await world.services.db.fetch_val("SELECT COUNT(*) FROM deliverables") == 1
    await world.services.schedule.sweep()
    await world.services.schedule.sweep()
    arrived = [m for m in world.emu.dms(member.id) if "Your gift arrived" in (m.content or "")]
    assert len(arrived) == 1 and "Reel is due on" in arrived[0].content
