"""Subscription renewals through the signed Stripe webhook: a renewal of a subscription a
creator sold earns on a recurring plan, its refund reverses its own commission, and the
same renewals earn nothing on a first-order-only plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.app import Services
from bot.clock import FrozenClock
from bot.web.signatures import sign_base64
from tests.web import test_webhooks as hooks
from tests.web.test_webhooks import GUILD, MANAGER, _payload, _shopify, _stripe

# The signed-webhook program of test_webhooks: anna (ANNA15) and every webhook secret.
shop = hooks.shop
client = hooks.client

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shops" / "stripe"
CUSTOMER = "cus_Q1b0Yi7UkcAh2A"
SUBSCRIPTION = "sub_1PBXo5RxqlZt79sD3kdxoDVi"
RENEWAL = "in_1PMdQ0RxqlZt79sDc5Rn2QvB"
RENEWAL_PAYMENT = "pi_3PMdQ1RxqlZt79sD0n9Kc4Rt"


def _checkout() -> bytes:
    """The anna (ANNA15) Checkout sale as a subscription for the renewal's customer."""
    event = json.loads(_payload("stripe_checkout_completed.json"))
    event["data"]["object"].update(
        mode="subscription",
        payment_intent=None,
        invoice="in_1PBXo5RxqlZt79sDAbGhMpyk",
        customer=CUSTOMER,
        subscription=SUBSCRIPTION,
    )
    return json.dumps(event).encode()


def _renewal() -> bytes:
    """The next month's invoice.paid (subscription_cycle) of that subscription, live and in
    the program's currency (the recorded one is a USD test-mode event)."""
    event = json.loads(
        (FIXTURES / "invoice-paid-2023-10-16-subscription-cycle-variant.json").read_text()
    )
    event["livemode"] = True
    event["data"]["object"].update(livemode=True, currency="eur")
    return json.dumps(event).encode()


def _renewal_refund() -> bytes:
    """A full refund of the renewal's payment."""
    event = json.loads(_payload("stripe_charge_refunded.json"))
    event["id"] = "evt_3PNe7kRxqlZt79sD1q2W3e4R"
    event["data"]["object"].update(
        id="ch_3PMdQ1RxqlZt79sD0hX2Lm7q",
        payment_intent=RENEWAL_PAYMENT,
        amount=70_000,
        amount_refunded=70_000,
        refunds=None,
    )
    return json.dumps(event).encode()


async def _renewal_row(shop: Services) -> dict[str, Any]:
    row = await shop.db.fetch_one(
        "SELECT v.attribution, v.status, m.amount_minor, m.reversed_minor"
        " FROM conversions v LEFT JOIN commissions m ON m.conversion_id = v.id"
        " WHERE v.order_id = ?",
        RENEWAL,
    )
    assert row is not None
    return dict(row)


async def _lifetime_plan(shop: Services) -> None:
    await shop.plans.create(
        GUILD, MANAGER, name="Subscribers", kind="revenue_share", rate="20", recurring="lifetime"
    )
    await shop.plans.assign(GUILD, MANAGER, 501, "Subscribers")


async def test_renewal_earns_on_a_lifetime_plan_and_its_refund_reverses_it(
    client: Any, shop: Services, clock: FrozenClock
) -> None:
    """Checkout with anna's code, then a renewal a month later: 20 % of its 700.00 net is
    anna's (recurring); refunding the renewal's payment reverses exactly that commission
    and leaves the first sale's alone."""
    await _lifetime_plan(shop)
    for body in (_checkout(), _renewal()):
        response = await _stripe(client, clock, body)
        assert await response.json() == {"result": "recorded"}
    renewal = await _renewal_row(shop)
    assert (renewal["attribution"], renewal["amount_minor"]) == ("recurring", 14_000)
    response = await _stripe(client, clock, _renewal_refund())
    assert await response.json() == {"result": "recorded"}
    renewal = await _renewal_row(shop)
    assert (renewal["status"], renewal["reversed_minor"]) == ("cancelled", 14_000)
    first = await shop.db.fetch_val(
        "SELECT reversed_minor FROM commissions m JOIN conversions v ON v.id = m.conversion_id"
        " WHERE v.attribution = 'code'"
    )
    assert first == 0
    again = await _stripe(client, clock, _renewal())
    assert await again.json() == {"result": "duplicate"}


async def test_renewal_earns_nothing_on_a_first_order_plan(
    client: Any, shop: Services, clock: FrozenClock
) -> None:
    """On the default plan the renewal is kept, unattributed, with the reason."""
    for body in (_checkout(), _renewal()):
        await _stripe(client, clock, body)
    renewal = await _renewal_row(shop)
    assert (renewal["attribution"], renewal["amount_minor"]) == ("none", None)
    reason = await shop.db.fetch_val(
        "SELECT attribution_reason FROM conversions WHERE order_id = ?", RENEWAL
    )
    assert "returning_customer:first_order_only" in reason


async def test_renewal_of_a_stranger_subscription_is_nobodys(
    client: Any, shop: Services, clock: FrozenClock
) -> None:
    """A renewal whose customer no creator brought is recorded for audit and pays nobody."""
    await _lifetime_plan(shop)
    response = await _stripe(client, clock, _renewal())
    assert await response.json() == {"result": "recorded"}
    assert (await _renewal_row(shop))["attribution"] == "none"
    assert await shop.db.fetch_val("SELECT COUNT(*) FROM commissions") == 0


def _redact(customer: dict[str, Any]) -> bytes:
    """Shopify's customers/redact body, in the shape its privacy docs give."""
    body = {
        "shop_id": 954889,
        "shop_domain": "brand.myshopify.com",
        "customer": customer,
        "orders_to_redact": [5823041978612345678],
    }
    return json.dumps(body).encode()


async def test_shopify_customer_redact_forgets_the_customer(client: Any, shop: Services) -> None:
    """A signed customers/redact erases the keys of the customer of anna's order; a forged
    one is 401 and erases nothing; a request naming nobody is 400."""
    response = await _shopify(client, _payload("shopify_order.json"))
    assert await response.json() == {"result": "recorded"}
    assert await shop.db.fetch_val("SELECT COUNT(*) FROM customers") == 2
    body = _redact({"id": 7390123456789012345, "email": "jamie.lee@example.org"})
    forged = await _shopify(
        client, body, "customers/redact", signature=sign_base64(body, "not-the-secret")
    )
    assert forged.status == 401
    assert await shop.db.fetch_val("SELECT COUNT(*) FROM customers") == 2
    nobody = await _shopify(client, _redact({"phone": "555-625-1199"}), "customers/redact")
    assert nobody.status == 400
    response = await _shopify(client, body, "customers/redact")
    assert response.status == 200
    assert await shop.db.fetch_val("SELECT COUNT(*) FROM customers") == 0
    assert await shop.db.fetch_val("SELECT COUNT(customer_key) FROM conversions") == 0
