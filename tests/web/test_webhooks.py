"""Shop webhooks and the postback over HTTP: real aiohttp app, real services and SQLite."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.app import Services, open_services
from bot.clock import FrozenClock, to_epoch
from bot.config import load_settings
from bot.web.app import create_app
from bot.web.signatures import sign_base64, sign_stripe
from tests.domain.test_clicks import CHROME

PAYLOADS = Path(__file__).resolve().parent / "payloads"
GUILD, MANAGER = 1, 900
SHOPIFY_SECRET = "shpss_0d9c8b7a6f5e4d3c2b1a"
WOO_SECRET = "wc_secret_Zq8y7x6w5v"
STRIPE_SECRET = "whsec_T3stS1gn1ngS3cr3t"
POSTBACK_TOKEN = "pb_8c1f2e3d4c5b6a79"
SHOPIFY_ORDER_ID = "5823041978612345678"
PAYMENT_INTENT = "pi_3QpR7qLkdIwHu7ix1XyZ2wVu"


@pytest.fixture
async def shop(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Services]:
    """Services with every webhook secret set and one approved creator, anna (ANNA15)."""
    config = load_settings(
        CREATORBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'shop.db'}",
        CREATORBOT_HTTP_PORT=0,
        CREATORBOT_SHOPIFY_SECRET=SHOPIFY_SECRET,
        CREATORBOT_WOOCOMMERCE_SECRET=WOO_SECRET,
        CREATORBOT_STRIPE_SECRET=STRIPE_SECRET,
        CREATORBOT_POSTBACK_TOKEN=POSTBACK_TOKEN,
    )
    services = await open_services(config, clock)
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    applied = await services.onboarding.apply(
        GUILD, 501, platform="instagram", handle="anna", followers=8000, niche="fashion"
    )
    await services.onboarding.approve(GUILD, applied.application.id, MANAGER)
    # The code the shop knows: make it the one the payload fixtures carry.
    await services.db.execute("UPDATE discount_codes SET code = 'ANNA15'")
    yield services
    await services.db.close()


@pytest.fixture
async def client(shop: Services, aiohttp_client: Any) -> Any:
    return await aiohttp_client(create_app(shop))


def _payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


async def _conversions(services: Services) -> list[dict[str, Any]]:
    rows = await services.db.fetch_all("SELECT * FROM conversions ORDER BY id")
    return [dict(row) for row in rows]


async def _shopify(
    client: Any,
    body: bytes,
    topic: str = "orders/create",
    signature: str | None = None,
    **headers: str,
) -> Any:
    return await client.post(
        "/webhooks/shopify",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signature or sign_base64(body, SHOPIFY_SECRET),
            "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            "X-Shopify-Shop-Domain": "brand.myshopify.com",
            **headers,
        },
    )


async def _woo(client: Any, body: bytes, signature: str | None = None, **headers: str) -> Any:
    return await client.post(
        "/webhooks/woocommerce",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "updated",
            "X-WC-Webhook-Delivery-ID": "3f9a1c",
            "X-WC-Webhook-Signature": signature or sign_base64(body, WOO_SECRET),
            **headers,
        },
    )


async def _stripe(client: Any, clock: FrozenClock, body: bytes, *, age: int = 5) -> Any:
    signature = sign_stripe(body, STRIPE_SECRET, to_epoch(clock.now()) - age)
    return await client.post(
        "/webhooks/stripe",
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": signature},
    )


# -- Shopify --------------------------------------------------------------------------------


async def test_shopify_order_becomes_a_conversion(client: Any, shop: Services) -> None:
    """A signed orders/create is 200 ``recorded`` and one conversion row for the order."""
    response = await _shopify(client, _payload("shopify_order.json"))
    assert response.status == 200
    assert await response.json() == {"result": "recorded"}
    [row] = await _conversions(shop)
    assert (row["source"], row["order_id"], row["net_minor"], row["currency"]) == (
        "shopify",
        SHOPIFY_ORDER_ID,
        9000,
        "EUR",
    )
    assert (row["attribution"], row["code"]) == ("code", "ANNA15")


async def test_shopify_order_after_a_click_is_attributed_to_the_click(
    client: Any, shop: Services, clock: FrozenClock
) -> None:
    """A visitor clicks anna's link; the order carrying that cb_click is a click conversion."""
    profile = await shop.onboarding.profile(GUILD, 501)
    redirect = await client.get(
        f"/r/{profile.links[0].slug}", headers={"User-Agent": CHROME}, allow_redirects=False
    )
    click_id = parse_qs(urlsplit(redirect.headers["Location"]).query)["cb_click"][0]
    await shop.tracking.flush()
    clock.advance(minutes=10)
    order = json.loads(_payload("shopify_order.json"))
    order["created_at"] = "2026-11-23T11:05:00+01:00"
    order["landing_site"] = f"/products/linen-shirt?cb_click={click_id}"
    order["discount_codes"] = []
    await _shopify(client, json.dumps(order).encode())
    [row] = await _conversions(shop)
    assert (row["attribution"], row["click_id"], row["link_id"]) == (
        "click",
        click_id,
        profile.links[0].id,
    )


async def test_shopify_conversion_earns_default_commission(client: Any, shop: Services) -> None:
    """The attributed order earns 10 % of its 90.00 net for anna, pending."""
    await _shopify(client, _payload("shopify_order.json"))
    [commission] = await shop.db.fetch_all("SELECT amount_minor, state FROM commissions")
    assert (commission["amount_minor"], commission["state"]) == (900, "pending")


async def test_shopify_bad_signature_is_401(client: Any, shop: Services) -> None:
    """A wrong signature is 401 and nothing is stored."""
    body = _payload("shopify_order.json")
    response = await _shopify(client, body, signature=sign_base64(body, "not-the-secret"))
    assert response.status == 401
    assert (await response.json())["error"] == "unauthorized"
    assert await _conversions(shop) == []


async def test_shopify_missing_signature_is_401(client: Any, shop: Services) -> None:
    """A delivery without the signature header is 401."""
    response = await client.post(
        "/webhooks/shopify",
        data=_payload("shopify_order.json"),
        headers={"X-Shopify-Topic": "orders/create"},
    )
    assert response.status == 401
    assert await _conversions(shop) == []


async def test_shopify_tampered_body_is_401(client: Any, shop: Services) -> None:
    """A body changed after signing (a bigger subtotal) is 401 and nothing is stored."""
    body = _payload("shopify_order.json")
    tampered = body.replace(b'"subtotal_price": "90.00"', b'"subtotal_price": "900.00"')
    assert tampered != body
    response = await _shopify(client, tampered, signature=sign_base64(body, SHOPIFY_SECRET))
    assert response.status == 401
    assert await _conversions(shop) == []


async def test_shopify_malformed_json_is_400(client: Any, shop: Services) -> None:
    """Signed but broken JSON is 400 with a reason and nothing is stored."""
    response = await _shopify(client, b'{"id": 1, "currency": ')
    assert response.status == 400
    assert await response.json() == {"error": "malformed", "reason": "json"}
    assert await _conversions(shop) == []


async def test_shopify_missing_fields_is_400(client: Any, shop: Services) -> None:
    """An order without an id is 400 naming the field, and nothing is stored."""
    order = json.loads(_payload("shopify_order.json"))
    del order["id"]
    response = await _shopify(client, json.dumps(order).encode())
    assert response.status == 400
    assert await response.json() == {"error": "malformed", "reason": "missing:id"}
    assert await _conversions(shop) == []


async def test_shopify_unknown_topic_is_ignored(client: Any, shop: Services) -> None:
    """A topic the program does not use is 200 ``ignored``."""
    response = await _shopify(client, b'{"id": 1, "title": "Linen shirt"}', topic="products/update")
    assert response.status == 200
    assert await response.json() == {"result": "ignored"}
    assert await _conversions(shop) == []


async def test_shopify_duplicate_delivery_is_one_conversion(client: Any, shop: Services) -> None:
    """The same order delivered again is 200 ``duplicate``; still one conversion."""
    body = _payload("shopify_order.json")
    first = await _shopify(client, body)
    second = await _shopify(client, body)
    assert (first.status, second.status) == (200, 200)
    assert await second.json() == {"result": "duplicate"}
    assert len(await _conversions(shop)) == 1


async def test_shopify_orders_paid_after_create_is_duplicate(client: Any, shop: Services) -> None:
    """orders/paid for an order already created adds nothing."""
    body = _payload("shopify_order.json")
    await _shopify(client, body, topic="orders/create")
    response = await _shopify(client, body, topic="orders/paid")
    assert await response.json() == {"result": "duplicate"}
    assert len(await _conversions(shop)) == 1


async def test_shopify_refund_reduces_the_conversion(client: Any, shop: Services) -> None:
    """refunds/create records the refunded net on the order's conversion, once."""
    await _shopify(client, _payload("shopify_order.json"))
    refund = _payload("shopify_refund.json")
    first = await _shopify(client, refund, topic="refunds/create")
    again = await _shopify(client, refund, topic="refunds/create")
    assert await first.json() == {"result": "recorded"}
    assert await again.json() == {"result": "duplicate"}
    [row] = await _conversions(shop)
    assert row["refunded_minor"] == 4500


async def test_shopify_refund_before_its_order_is_kept(client: Any, shop: Services) -> None:
    """A refund delivered before its order is acknowledged and applied when the order comes."""
    refund = await _shopify(client, _payload("shopify_refund.json"), topic="refunds/create")
    assert (refund.status, await refund.json()) == (200, {"result": "recorded"})
    assert await _conversions(shop) == []
    await _shopify(client, _payload("shopify_order.json"))
    [row] = await _conversions(shop)
    assert row["refunded_minor"] == 4500


async def test_shopify_cancel_reverses_the_conversion(client: Any, shop: Services) -> None:
    """orders/cancelled marks the conversion cancelled."""
    body = _payload("shopify_order.json")
    await _shopify(client, body)
    response = await _shopify(client, body, topic="orders/cancelled")
    assert await response.json() == {"result": "recorded"}
    [row] = await _conversions(shop)
    assert row["status"] == "cancelled"


async def test_body_over_one_mib_is_413(client: Any, shop: Services) -> None:
    """A body over 1 MiB is 413, even correctly signed, and nothing is stored."""
    order = json.loads(_payload("shopify_order.json"))
    order["note"] = "x" * (1024 * 1024)
    response = await _shopify(client, json.dumps(order).encode())
    assert response.status == 413
    assert (await response.json())["error"] == "too_large"
    assert await _conversions(shop) == []


async def test_unset_secret_is_404(services: Services, aiohttp_client: Any) -> None:
    """Without configured secrets every webhook endpoint and the postback answer 404."""
    client = await aiohttp_client(create_app(services))
    body = _payload("shopify_order.json")
    for path in ("/webhooks/shopify", "/webhooks/woocommerce", "/webhooks/stripe", "/postback"):
        response = await client.post(path, data=body, headers={"Content-Type": "application/json"})
        assert response.status == 404, path
    assert (await client.get("/postback?token=x&order_id=1")).status == 404


async def test_rejections_are_counted(client: Any) -> None:
    """Each delivery's result is counted in creatorbot_webhooks by source and result."""
    body = _payload("shopify_order.json")
    await _shopify(client, body, signature=sign_base64(body, "wrong"))
    await _shopify(client, body)
    metrics = await (await client.get("/metrics")).text()
    assert 'creatorbot_webhooks_total{result="unauthorized",source="shopify"} 1.0' in metrics
    assert 'creatorbot_webhooks_total{result="recorded",source="shopify"} 1.0' in metrics


async def test_rejection_log_has_no_body_or_email(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A rejected delivery logs one line with source and reason, never payload data."""
    order = json.loads(_payload("shopify_order.json"))
    del order["currency"]
    with caplog.at_level(logging.INFO, logger="bot.web.webhooks"):
        response = await _shopify(client, json.dumps(order).encode())
    assert response.status == 400
    [record] = [r for r in caplog.records if r.name == "bot.web.webhooks"]
    message = record.getMessage()
    assert "shopify" in message and "missing:currency" in message
    assert "@" not in message and SHOPIFY_ORDER_ID not in message and SHOPIFY_SECRET not in message


async def test_database_failure_is_500(client: Any, shop: Services) -> None:
    """When the store fails the answer is 500, so the shop delivers again later."""
    await shop.db.close()
    response = await _shopify(client, _payload("shopify_order.json"))
    assert response.status == 500
    assert await response.json() == {"error": "internal"}


# -- WooCommerce ----------------------------------------------------------------------------


async def test_woo_order_with_refund(client: Any, shop: Services) -> None:
    """A processing order with one refund: one conversion with its net share refunded."""
    response = await _woo(client, _payload("woocommerce_order.json"))
    assert response.status == 200
    assert await response.json() == {"result": "recorded"}
    [row] = await _conversions(shop)
    assert (row["source"], row["order_id"], row["net_minor"], row["refunded_minor"]) == (
        "woocommerce",
        "4821",
        10_800,
        1800,
    )


async def test_woo_repeat_delivery_is_duplicate(client: Any, shop: Services) -> None:
    """The same order and refund delivered again change nothing."""
    body = _payload("woocommerce_order.json")
    await _woo(client, body)
    response = await _woo(client, body)
    assert await response.json() == {"result": "duplicate"}
    [row] = await _conversions(shop)
    assert row["refunded_minor"] == 1800


async def test_woo_ping_is_200_and_stores_nothing(client: Any, shop: Services) -> None:
    """The unsigned creation ping ``webhook_id=N`` is answered 200 with nothing stored."""
    response = await client.post(
        "/webhooks/woocommerce",
        data=b"webhook_id=17",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    assert await _conversions(shop) == []


async def test_woo_pending_order_is_ignored(client: Any, shop: Services) -> None:
    """An order still pending payment is 200 ``ignored``."""
    order = json.loads(_payload("woocommerce_order.json"))
    order["status"] = "pending"
    response = await _woo(client, json.dumps(order).encode())
    assert await response.json() == {"result": "ignored"}
    assert await _conversions(shop) == []


async def test_woo_bad_signature_is_401(client: Any, shop: Services) -> None:
    """A WooCommerce delivery signed with another secret is 401."""
    body = _payload("woocommerce_order.json")
    response = await _woo(client, body, signature=sign_base64(body, "other"))
    assert response.status == 401
    assert await _conversions(shop) == []


async def test_woo_cancelled_order_cancels(client: Any, shop: Services) -> None:
    """A later ``cancelled`` delivery cancels the conversion."""
    order = json.loads(_payload("woocommerce_order.json"))
    await _woo(client, json.dumps(order).encode())
    order["status"] = "cancelled"
    response = await _woo(client, json.dumps(order).encode())
    assert await response.json() == {"result": "recorded"}
    [row] = await _conversions(shop)
    assert row["status"] == "cancelled"


# -- Stripe ---------------------------------------------------------------------------------


async def test_stripe_checkout_becomes_a_conversion(
    client: Any, shop: Services, clock: FrozenClock
) -> None:
    """A signed checkout.session.completed is a conversion on the payment intent."""
    response = await _stripe(client, clock, _payload("stripe_checkout_completed.json"))
    assert response.status == 200
    assert await response.json() == {"result": "recorded"}
    [row] = await _conversions(shop)
    assert (row["source"], row["order_id"], row["net_minor"]) == ("stripe", PAYMENT_INTENT, 9000)


async def test_stripe_stale_signature_is_401(
    client: Any, shop: Services, clock: FrozenClock
) -> None:
    """A correctly signed event older than five minutes is 401 and nothing is stored."""
    response = await _stripe(client, clock, _payload("stripe_checkout_completed.json"), age=301)
    assert response.status == 401
    assert await _conversions(shop) == []


async def test_stripe_refund_is_recorded(client: Any, shop: Services, clock: FrozenClock) -> None:
    """charge.refunded records the refund's net share on the payment intent's conversion."""
    await _stripe(client, clock, _payload("stripe_checkout_completed.json"))
    response = await _stripe(client, clock, _payload("stripe_charge_refunded.json"))
    assert await response.json() == {"result": "recorded"}
    [row] = await _conversions(shop)
    # Half of what the customer paid (54.45 of 108.90) is half of the 90.00 net.
    assert row["refunded_minor"] == 4500


async def test_stripe_subscription_refund_reverses_the_checkout_sale(
    client: Any, shop: Services, clock: FrozenClock
) -> None:
    """A subscription bought through Checkout, the payment of its first invoice, and a full
    refund of that payment: the sale recorded under the session is cancelled."""
    checkout = json.loads(_payload("stripe_checkout_completed.json"))
    checkout["data"]["object"].update(
        mode="subscription", payment_intent=None, invoice="in_1QsU2YLkdIwHu7ixK2mQv7Bn"
    )
    refund = json.loads(_payload("stripe_charge_refunded.json"))
    refund["data"]["object"].update(
        payment_intent="pi_3QsU2ZLkdIwHu7ix0Gt5Hs8D", amount_refunded=10_890
    )
    for body in (
        json.dumps(checkout).encode(),
        _payload("stripe_invoice_payment_paid.json"),
        json.dumps(refund).encode(),
    ):
        response = await _stripe(client, clock, body)
        assert await response.json() == {"result": "recorded"}
    [row] = await _conversions(shop)
    assert (row["order_id"], row["status"]) == (checkout["data"]["object"]["id"], "cancelled")
    commission = await shop.db.fetch_one("SELECT amount_minor, reversed_minor FROM commissions")
    assert commission["reversed_minor"] == commission["amount_minor"] > 0
    again = await _stripe(client, clock, _payload("stripe_invoice_payment_paid.json"))
    assert await again.json() == {"result": "duplicate"}


async def test_stripe_other_event_is_ignored(
    client: Any, shop: Services, clock: FrozenClock
) -> None:
    """An event type the program does not use is 200 ``ignored``."""
    body = json.dumps({"id": "evt_1", "type": "customer.created", "data": {"object": {}}})
    response = await _stripe(client, clock, body.encode())
    assert await response.json() == {"result": "ignored"}


# -- postback -------------------------------------------------------------------------------


async def test_postback_get_records_a_sale(client: Any, shop: Services) -> None:
    """GET /postback with the token records a conversion."""
    response = await client.get(
        "/postback",
        params={
            "token": POSTBACK_TOKEN,
            "order_id": "PB-1001",
            "amount": "49.90",
            "currency": "EUR",
            "event": "sale",
            "code": "ANNA15",
        },
    )
    assert response.status == 200
    assert await response.json() == {"result": "recorded"}
    [row] = await _conversions(shop)
    assert (row["source"], row["order_id"], row["net_minor"]) == ("postback", "PB-1001", 4990)


async def test_postback_post_form_and_json(client: Any, shop: Services) -> None:
    """POST /postback accepts a form body and a JSON body."""
    form = await client.post(
        "/postback",
        data={"token": POSTBACK_TOKEN, "order_id": "PB-1", "amount": "10", "currency": "EUR"},
    )
    payload = {"token": POSTBACK_TOKEN, "order_id": "PB-2", "amount": 12.5, "currency": "EUR"}
    as_json = await client.post("/postback", json=payload)
    assert (form.status, as_json.status) == (200, 200)
    rows = await _conversions(shop)
    assert [(r["order_id"], r["net_minor"]) for r in rows] == [("PB-1", 1000), ("PB-2", 1250)]


async def test_postback_wrong_token_is_401(client: Any, shop: Services) -> None:
    """A wrong or missing token is 401 and nothing is stored."""
    params = {"order_id": "PB-1", "amount": "10", "currency": "EUR"}
    wrong = await client.get("/postback", params={**params, "token": "guess"})
    missing = await client.get("/postback", params=params)
    assert (wrong.status, missing.status) == (401, 401)
    assert await _conversions(shop) == []


async def test_postback_missing_amount_is_400(client: Any, shop: Services) -> None:
    """A sale postback without an amount is 400 naming the field."""
    response = await client.get(
        "/postback", params={"token": POSTBACK_TOKEN, "order_id": "PB-1", "currency": "EUR"}
    )
    assert response.status == 400
    assert await response.json() == {"error": "malformed", "reason": "missing:amount"}


async def test_postback_head_records_nothing(client: Any, shop: Services) -> None:
    """HEAD /postback is not a way to record a conversion."""
    response = await client.head(
        "/postback",
        params={"token": POSTBACK_TOKEN, "order_id": "PB-9", "amount": "1", "currency": "EUR"},
    )
    assert response.status == 405
    assert await _conversions(shop) == []
