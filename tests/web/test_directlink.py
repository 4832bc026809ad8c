"""DirectLink over HTTP: signed Shopify and WooCommerce orders whose referring site is a
creator's approved site, through the real aiohttp app, services and SQLite.

The payloads are the webhook fixtures of ``test_webhooks.py`` as a visitor from anna's own
site would produce them: ``shopify_order_directlink.json`` has no click id in its landing
site, an automatic (code-less) discount and Shopify's ``referring_site``;
``woocommerce_order_directlink.json`` has a shop-wide coupon that is nobody's code and the
order attribution meta WooCommerce (8.5+) writes for a referral
(``_wc_order_attribution_source_type`` = ``referral``, ``_wc_order_attribution_referrer``,
``_wc_order_attribution_utm_source``, the session entries, the device type).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import Services, open_services
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.domain.shop_payloads import shopify_events, woocommerce_events
from bot.web.app import create_app
from bot.web.signatures import sign_base64

PAYLOADS = Path(__file__).resolve().parent / "payloads"
GUILD, MANAGER, ANNA, BERT = 1, 900, 501, 502
SHOPIFY_SECRET = "shpss_0d9c8b7a6f5e4d3c2b1a"
WOO_SECRET = "wc_secret_Zq8y7x6w5v"


@pytest.fixture
async def shop(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Services]:
    """Webhook secrets set; anna (approved site annabakes.com) and bert (ANNA15 is his
    code, so that the fixtures' code is a creator's)."""
    config = load_settings(
        CREATORBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'shop.db'}",
        CREATORBOT_HTTP_PORT=0,
        CREATORBOT_SHOPIFY_SECRET=SHOPIFY_SECRET,
        CREATORBOT_WOOCOMMERCE_SECRET=WOO_SECRET,
        CREATORBOT_SHOPIFY_STORE="brand.myshopify.com",
    )
    services = await open_services(config, clock)
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    for user_id, handle in ((ANNA, "annabakes"), (BERT, "bert")):
        applied = await services.onboarding.apply(
            GUILD, user_id, platform="instagram", handle=handle, followers=8000, niche="fashion"
        )
        await services.onboarding.approve(GUILD, applied.application.id, MANAGER)
    await services.db.execute("UPDATE discount_codes SET code = 'ANNA15' WHERE code LIKE 'BERT%'")
    site = await services.sites.add(GUILD, ANNA, "https://annabakes.com")
    await services.sites.decide(GUILD, site.id, MANAGER, approve=True)
    yield services
    await services.db.close()


@pytest.fixture
async def client(shop: Services, aiohttp_client: Any) -> Any:
    return await aiohttp_client(create_app(shop))


def _payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


async def _shopify(client: Any, body: bytes) -> Any:
    return await client.post(
        "/webhooks/shopify",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": sign_base64(body, SHOPIFY_SECRET),
            "X-Shopify-Webhook-Id": "0c2f7a52-8d1e-4b8e-9a51-7f1f3c0f5d11",
            "X-Shopify-Shop-Domain": "brand.myshopify.com",
        },
    )


async def _woo(client: Any, body: bytes) -> Any:
    return await client.post(
        "/webhooks/woocommerce",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "updated",
            "X-WC-Webhook-Delivery-ID": "7d21e0",
            "X-WC-Webhook-Signature": sign_base64(body, WOO_SECRET),
        },
    )


async def _conversion(services: Services, order_id: str) -> dict[str, Any]:
    row = await services.db.fetch_one(
        """SELECT c.attribution, c.attribution_reason, c.net_minor, cr.user_id,
                  (SELECT amount_minor FROM commissions WHERE conversion_id = c.id) AS earned
           FROM conversions c LEFT JOIN creators cr ON cr.id = c.creator_id
           WHERE c.order_id = ?""",
        order_id,
    )
    assert row is not None, "no conversion stored"
    return dict(row)


def _site_id(reason: str) -> str:
    return reason.split(",")[0]


def test_shopify_payload_carries_the_referring_site(clock: FrozenClock) -> None:
    """The parsed Shopify sale keeps ``referring_site`` as the order's referrer."""
    order = json.loads(_payload("shopify_order_directlink.json"))
    (event,) = shopify_events("orders/create", order, received_at=clock.now())
    assert event.referrer == "https://www.annabakes.com/recipes/summer-linen?ref=footer"
    assert (event.click_id, event.codes) == (None, ())


def test_woocommerce_payload_carries_the_attribution_referrer(clock: FrozenClock) -> None:
    """The parsed WooCommerce sale keeps ``_wc_order_attribution_referrer``."""
    order = json.loads(_payload("woocommerce_order_directlink.json"))
    sale = woocommerce_events(order, received_at=clock.now())[0]
    assert sale.referrer == "https://annabakes.com/blog/linen-shirt-review/"


async def test_shopify_order_from_the_creators_site_is_hers(client: Any, shop: Services) -> None:
    """A signed order from anna's site, without click or code: 200 and a DirectLink
    conversion for anna, with her 10 % commission."""
    response = await _shopify(client, _payload("shopify_order_directlink.json"))
    assert response.status == 200
    assert (await response.json())["result"] == "recorded"
    row = await _conversion(shop, "5823041978612399001")
    assert (row["attribution"], row["user_id"], row["net_minor"], row["earned"]) == (
        "directlink",
        ANNA,
        9_000,
        900,
    )
    assert _site_id(row["attribution_reason"]).startswith("directlink:site=")


async def test_woocommerce_order_from_the_creators_site_is_hers(
    client: Any, shop: Services
) -> None:
    """A WooCommerce referral from anna's blog with a shop-wide coupon: DirectLink, and the
    reason keeps that the coupon was nobody's code."""
    response = await _woo(client, _payload("woocommerce_order_directlink.json"))
    assert response.status == 200
    row = await _conversion(shop, "4921")
    assert (row["attribution"], row["user_id"]) == ("directlink", ANNA)
    assert row["attribution_reason"].endswith(",code_unknown")


async def test_a_creators_code_beats_the_referring_site(client: Any, shop: Services) -> None:
    """The same Shopify order carrying bert's code is bert's: code before DirectLink."""
    order = json.loads(_payload("shopify_order_directlink.json"))
    order["discount_codes"] = [{"code": "anna15", "amount": "10.00", "type": "percentage"}]
    response = await _shopify(client, json.dumps(order).encode())
    assert response.status == 200
    row = await _conversion(shop, "5823041978612399001")
    assert (row["attribution"], row["user_id"]) == ("code", BERT)


async def test_a_referrer_from_the_shop_itself_credits_nobody(client: Any, shop: Services) -> None:
    """A referring site on the shop's own domain is the shop's: unattributed."""
    order = json.loads(_payload("shopify_order_directlink.json"))
    order["referring_site"] = "https://shop.example.com/collections/linen"
    response = await _shopify(client, json.dumps(order).encode())
    assert response.status == 200
    assert (await _conversion(shop, "5823041978612399001"))["attribution"] == "none"


async def test_repeat_delivery_stores_one_conversion(client: Any, shop: Services) -> None:
    """Delivered twice, the DirectLink order is one conversion and one commission."""
    body = _payload("shopify_order_directlink.json")
    await _shopify(client, body)
    again = await _shopify(client, body)
    assert (await again.json())["result"] == "duplicate"
    assert await shop.db.fetch_val("SELECT count(*) FROM commissions") == 1
