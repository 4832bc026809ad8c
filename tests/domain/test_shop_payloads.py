"""Parsing shop payloads into order events: money, ids, currencies, click ids, statuses."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.domain.derivation import Label, Note
from bot.domain.orders import EventKind, Source
from bot.domain.shop_payloads import (
    MalformedPayload,
    decode_json,
    is_woocommerce_ping,
    net_share,
    postback_event,
    shopify_events,
    stripe_events,
    stripe_minor,
    to_minor,
    woocommerce_events,
)

PAYLOADS = Path(__file__).resolve().parents[1] / "web" / "payloads"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SHOPIFY_ORDER_ID = "5823041978612345678"


def _load(name: str) -> dict[str, Any]:
    return decode_json((PAYLOADS / name).read_bytes())


def _shopify(topic: str = "orders/create", **changes: Any) -> list[Any]:
    order = _load("shopify_order.json")
    order.update(changes)
    return shopify_events(topic, order, received_at=NOW, delivery_id="wh-1")


def _woo(**changes: Any) -> list[Any]:
    order = _load("woocommerce_order.json")
    order.update(changes)
    return woocommerce_events(order, received_at=NOW)


def _stripe(name: str = "stripe_checkout_completed.json", **changes: Any) -> list[Any]:
    event = _load(name)
    event["data"]["object"].update(changes)
    return stripe_events(event, received_at=NOW)


# -- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.34", "EUR", 1234),
        ("90", "EUR", 9000),
        ("0.10", "USD", 10),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("12.345", "EUR", 1235),  # half-up to the currency's minor unit
        ("12.344", "EUR", 1234),
        (" 7.5 ", "EUR", 750),
        (Decimal("19.99"), "EUR", 1999),
        (42, "EUR", 4200),
    ],
)
def test_money_strings_become_minor_units(text: Any, currency: str, minor: int) -> None:
    """Decimal strings become integer minor units at the currency's ISO precision."""
    assert to_minor(text, currency, "amount") == minor


@pytest.mark.parametrize("text", ["", "abc", "NaN", "Infinity", "-1.00", "1e30", True, [], None])
def test_bad_money_is_malformed(text: Any) -> None:
    """Unreadable, negative, absurd or missing amounts are refused with a reason."""
    with pytest.raises(MalformedPayload) as caught:
        to_minor(text, "EUR", "total")
    assert caught.value.reason.endswith(":total")


def test_json_fractions_are_never_floats() -> None:
    """decode_json keeps fractions exact (Decimal) and integers exact."""
    value = decode_json(b'{"a": 0.1, "b": 9007199254740993}')
    assert value == {"a": Decimal("0.1"), "b": 9007199254740993}


@pytest.mark.parametrize("body", [b"{", b"[1, 2]", b'"text"', b"\xff\xfe", b'{"a": NaN}', b""])
def test_decode_json_refuses_non_objects(body: bytes) -> None:
    """Broken JSON, non-objects and NaN are malformed."""
    with pytest.raises(MalformedPayload):
        decode_json(body)


def test_net_share_is_proportional_and_capped() -> None:
    """A gross refund maps to its share of net, rounded half-up, never above net."""
    assert net_share(2178, 10_800, 13_068) == 1800
    assert net_share(1, 1, 3) == 0
    assert net_share(99_999, 10_800, 13_068) == 10_800


# -- Shopify --------------------------------------------------------------------------------


def test_shopify_order_is_a_sale_with_exact_64_bit_id() -> None:
    """orders/create: one SALE whose order id is the 64-bit id as exact text."""
    [sale] = _shopify()
    assert (sale.source, sale.kind, sale.order_id) == (
        Source.SHOPIFY,
        EventKind.SALE,
        SHOPIFY_ORDER_ID,
    )
    assert sale.delivery_id == "wh-1"


def test_shopify_64_bit_id_survives_raw_json() -> None:
    """The id from the raw bytes is exact even beyond 2**53 (no float on the way)."""
    order = decode_json(b'{"id": 9223372036854775807, "currency": "EUR", "subtotal_price": "1.00"}')
    [sale] = shopify_events("orders/paid", order, received_at=NOW)
    assert sale.order_id == "9223372036854775807"


def test_shopify_net_is_subtotal_in_shop_money() -> None:
    """Net is the discounted subtotal in the shop's currency, not the presentment one."""
    [sale] = _shopify()
    assert (sale.net_minor, sale.currency, sale.currency_uncertain) == (9000, "EUR", False)


def test_shopify_sale_data() -> None:
    """Codes (upper-cased), click id, e-mail and occurrence time come from the order."""
    [sale] = _shopify()
    assert sale.codes == ("ANNA15",)
    assert sale.click_id == "Qm3xT9vL2pZr8sWk"
    assert sale.customer_email == "jamie.lee@example.org"
    assert sale.occurred_at == datetime(2026, 11, 23, 9, 52, 14, tzinfo=UTC)
    assert not sale.is_test


def test_shopify_foreign_presentment_without_shop_money_is_uncertain() -> None:
    """A foreign presentment currency without a money set is held as uncertain."""
    order = _load("shopify_order.json")
    for key in [k for k in order if k.endswith("_set")]:
        del order[key]
    [sale] = shopify_events("orders/create", order, received_at=NOW)
    assert (sale.net_minor, sale.currency, sale.currency_uncertain) == (9000, "EUR", True)


def test_shopify_same_currency_without_sets_is_certain() -> None:
    """Without money sets but in the shop currency, the subtotal is certain."""
    order = _load("shopify_order.json")
    for key in [k for k in order if k.endswith("_set")]:
        del order[key]
    order["presentment_currency"] = "EUR"
    [sale] = shopify_events("orders/create", order, received_at=NOW)
    assert (sale.net_minor, sale.currency_uncertain) == (9000, False)


def test_shopify_subtotal_preferred_over_current_subtotal() -> None:
    """A later delivery with a refund already in current_subtotal still reports the sale."""
    [sale] = _shopify(
        "orders/paid",
        current_subtotal_price="45.00",
        current_subtotal_price_set={
            "shop_money": {"amount": "45.00", "currency_code": "EUR"},
            "presentment_money": {"amount": "48.78", "currency_code": "USD"},
        },
    )
    assert sale.net_minor == 9000


def test_shopify_tax_inclusive_prices_lose_their_tax() -> None:
    """With taxes_included, the line items' tax is taken off the subtotal."""
    [sale] = _shopify(taxes_included=True)
    assert sale.net_minor == 9000 - 1890


def test_shopify_orders_paid_is_the_same_sale() -> None:
    """orders/paid maps to a SALE of the same order id (the service keeps one)."""
    [created] = _shopify("orders/create")
    [paid] = _shopify("orders/paid")
    assert (paid.kind, paid.order_id) == (EventKind.SALE, created.order_id)


def test_shopify_click_from_absolute_landing_url() -> None:
    """cb_click is found in an absolute landing_site URL too."""
    [sale] = _shopify(landing_site="https://shop.example.com/?cb_click=Abc_def-123&x=1")
    assert sale.click_id == "Abc_def-123"


def test_shopify_click_from_note_attributes() -> None:
    """Without one in the landing URL, the cb_click note attribute is used."""
    [sale] = _shopify(
        landing_site="/collections/all",
        note_attributes=[
            {"name": "gift_wrap", "value": "no"},
            {"name": "cb_click", "value": "N0te"},
        ],
    )
    assert sale.click_id == "N0te"


def test_shopify_click_from_landing_site_ref() -> None:
    """landing_site_ref is the last place a click id is looked for."""
    [sale] = _shopify(landing_site=None, note_attributes=[], landing_site_ref="Ref123")
    assert sale.click_id == "Ref123"


def test_shopify_junk_click_id_is_dropped() -> None:
    """A click id that cannot be one of ours is ignored, not an error."""
    [sale] = _shopify(landing_site="/?cb_click=%3Cscript%3E", landing_site_ref=None)
    assert sale.click_id is None


def test_shopify_test_order() -> None:
    """``test: true`` marks the event as a test order."""
    [sale] = _shopify(test=True)
    assert sale.is_test


def test_shopify_cancel() -> None:
    """orders/cancelled is a CANCEL of the order."""
    [cancel] = _shopify("orders/cancelled", cancelled_at="2026-11-23T10:59:00+01:00")
    assert (cancel.kind, cancel.order_id) == (EventKind.CANCEL, SHOPIFY_ORDER_ID)
    assert cancel.occurred_at == datetime(2026, 11, 23, 9, 59, tzinfo=UTC)


def test_shopify_unknown_topic_gives_nothing() -> None:
    """Topics the program does not use give no events."""
    assert _shopify("products/update") == []
    assert _shopify(None) == []  # type: ignore[arg-type]


def test_shopify_order_without_id_is_malformed() -> None:
    """An order without an id cannot be recorded."""
    order = _load("shopify_order.json")
    del order["id"]
    with pytest.raises(MalformedPayload, match="missing:id"):
        shopify_events("orders/create", order, received_at=NOW)


def test_shopify_order_without_subtotal_is_malformed() -> None:
    """An order without any subtotal is malformed."""
    order = _load("shopify_order.json")
    for key in ("subtotal_price", "subtotal_price_set", "current_subtotal_price"):
        order.pop(key)
    order.pop("current_subtotal_price_set")
    with pytest.raises(MalformedPayload, match="missing:subtotal_price"):
        shopify_events("orders/create", order, received_at=NOW)


def test_shopify_refund_net_from_line_subtotals() -> None:
    """refunds/create: the refund's net is the refunded items' subtotal in shop money."""
    [refund] = shopify_events("refunds/create", _load("shopify_refund.json"), received_at=NOW)
    assert (refund.kind, refund.order_id, refund.refund_id) == (
        EventKind.REFUND,
        SHOPIFY_ORDER_ID,
        "1039876543210987654",
    )
    assert (refund.refund_minor, refund.currency, refund.currency_uncertain) == (4500, "EUR", False)


def test_shopify_refund_without_items_gives_nothing() -> None:
    """A shipping-only refund changes no net revenue: no event."""
    payload = _load("shopify_refund.json")
    payload["refund_line_items"] = []
    assert shopify_events("refunds/create", payload, received_at=NOW) == []


def _legacy_refund() -> dict[str, Any]:
    """A refund line in the shape of older API versions: its line item, no subtotal."""
    payload = _load("shopify_refund.json")
    payload["transactions"][0]["currency"] = "EUR"  # a shop in one currency
    line = payload["refund_line_items"][0]
    for key in ("subtotal", "subtotal_set", "total_tax", "total_tax_set"):
        del line[key]
    line["quantity"] = 1
    line["line_item"] = {
        "id": 14820012345678901,
        "price": "50.00",
        "quantity": 2,
        "discount_allocations": [{"amount": "10.00", "discount_application_index": 0}],
    }
    return payload


def test_shopify_refund_without_subtotal_is_derived_from_its_line_item() -> None:
    """Mistake 1: price 50.00 × 1 refunded, less half the line's 10.00 discount = 45.00."""
    [refund] = shopify_events("refunds/create", _legacy_refund(), received_at=NOW)
    assert (refund.refund_minor, refund.currency) == (4500, "EUR")
    assert refund.derivation.terms == ((Label.SUBTOTAL, 5000, 1), (Label.DISCOUNTS, 500, -1))


def test_shopify_refund_line_item_in_shop_money() -> None:
    """The line item's price_set names the shop currency, whatever the transactions say."""
    payload = _legacy_refund()
    item = payload["refund_line_items"][0]["line_item"]
    item["price_set"] = {
        "shop_money": {"amount": "50.00", "currency_code": "AUD"},
        "presentment_money": {"amount": "34.67", "currency_code": "USD"},
    }
    [refund] = shopify_events("refunds/create", payload, received_at=NOW)
    assert (refund.refund_minor, refund.currency, refund.currency_uncertain) == (
        4500,
        "AUD",
        False,
    )


def test_shopify_refund_only_in_the_buyers_currency_is_marked() -> None:
    """Mistake 2: a subtotal without its set is in the transactions' currency: uncertain."""
    payload = _load("shopify_refund.json")
    line = payload["refund_line_items"][0]
    del line["subtotal_set"], line["line_item"]
    line["subtotal"] = "34.67"
    payload["transactions"][0]["currency"] = "USD"
    [refund] = shopify_events("refunds/create", payload, received_at=NOW)
    assert (refund.refund_minor, refund.currency, refund.currency_uncertain) == (
        3467,
        "USD",
        True,
    )
    assert refund.derivation.note is Note.FOREIGN


def test_shopify_authorized_order_is_not_a_sale_yet() -> None:
    """orders/create of an authorized or pending order gives nothing; orders/paid does."""
    order = _load("shopify_order.json")
    for status in ("authorized", "pending", "partially_paid"):
        order["financial_status"] = status
        assert shopify_events("orders/create", order, received_at=NOW) == []
    [sale] = shopify_events("orders/paid", order, received_at=NOW)
    assert sale.kind is EventKind.SALE


def test_shopify_refund_of_test_order() -> None:
    """A refund paid back by a test transaction is a test event."""
    payload = _load("shopify_refund.json")
    payload["transactions"][0]["test"] = True
    [refund] = shopify_events("refunds/create", payload, received_at=NOW)
    assert refund.is_test


# -- WooCommerce ----------------------------------------------------------------------------


def test_woo_processing_order_is_sale_then_refunds() -> None:
    """A processing order with a refund gives the SALE, then one REFUND per refund id."""
    sale, refund = _woo()
    assert (sale.kind, sale.order_id, sale.net_minor, sale.currency) == (
        EventKind.SALE,
        "4821",
        10_800,
        "EUR",
    )
    assert (refund.kind, refund.order_id, refund.refund_id) == (EventKind.REFUND, "4821", "4830")


def test_woo_net_is_the_line_items_after_discounts() -> None:
    """Net = Σ line_items.total (after discounts, without tax); a fee line is not revenue."""
    fee = {"id": 9, "name": "Gift wrap", "total": "5.00", "total_tax": "1.05"}
    [plain] = _woo(refunds=[])
    [sale] = _woo(refunds=[], fee_lines=[fee], total="130.00")
    assert sale.net_minor == plain.net_minor == 10_800
    assert (Label.FEES, 500, 0) in sale.derivation.terms


def test_woo_without_line_items_falls_back_to_total_less_shipping_tax_and_fees() -> None:
    """A payload without line items: total − shipping_total − total_tax − fees."""
    fee = {"total": "4.00"}
    [sale] = _woo(
        refunds=[],
        line_items=[],
        fee_lines=[fee],
        total="100.00",
        shipping_total="5.00",
        total_tax="15.00",
    )
    assert sale.net_minor == 7600


def test_woo_negative_refund_total_maps_to_net_share() -> None:
    """A refund of "-21.78" (an item with its 21 % tax) reverses 18.00 of net."""
    _sale, refund = _woo()
    assert refund.refund_minor == 1800
    assert refund.extra["refund_gross_minor"] == "2178"


def test_woo_sale_data() -> None:
    """Coupon codes, the _cb_click meta value and the billing e-mail are carried."""
    [sale] = _woo(refunds=[])
    assert sale.codes == ("ANNA15",)
    assert sale.click_id == "Wn7cR2xP9kLm4QaZ"
    assert sale.customer_email == "sanne@example.net"
    assert sale.occurred_at == datetime(2026, 11, 23, 9, 40, tzinfo=UTC)


def test_woo_completed_is_a_sale() -> None:
    """``completed`` is a sale like ``processing``."""
    events = _woo(status="completed", refunds=[])
    assert [e.kind for e in events] == [EventKind.SALE]


@pytest.mark.parametrize("status", ["cancelled", "failed"])
def test_woo_cancelled_or_failed_is_cancel(status: str) -> None:
    """Cancelled and failed orders reverse the conversion."""
    [cancel] = _woo(status=status)
    assert (cancel.kind, cancel.order_id) == (EventKind.CANCEL, "4821")


def test_woo_refunded_is_refunds_then_cancel() -> None:
    """A refunded order: its listed refunds, then a CANCEL for what is left."""
    events = _woo(
        status="refunded",
        refunds=[{"id": 4830, "total": "-21.78"}, {"id": 4840, "total": "-115.00"}],
    )
    assert [(e.kind, e.refund_id) for e in events] == [
        (EventKind.REFUND, "4830"),
        (EventKind.REFUND, "4840"),
        (EventKind.CANCEL, None),
    ]


@pytest.mark.parametrize("status", ["pending", "on-hold", "checkout-draft", "trash"])
def test_woo_unpaid_statuses_give_nothing(status: str) -> None:
    """Orders not paid yet give no events."""
    assert _woo(status=status) == []


def test_woo_meta_without_underscore() -> None:
    """The click id may also be stored under the meta key ``cb_click``."""
    [sale] = _woo(refunds=[], meta_data=[{"id": 1, "key": "cb_click", "value": "Plain1"}])
    assert sale.click_id == "Plain1"


def test_woo_missing_total_is_malformed() -> None:
    """A sale without a total is malformed."""
    order = _load("woocommerce_order.json")
    del order["total"]
    with pytest.raises(MalformedPayload, match="missing:total"):
        woocommerce_events(order, received_at=NOW)


def test_woo_missing_status_is_malformed() -> None:
    """An order without a status is malformed."""
    order = _load("woocommerce_order.json")
    del order["status"]
    with pytest.raises(MalformedPayload, match="missing:status"):
        woocommerce_events(order, received_at=NOW)


def test_woo_ping_is_recognised() -> None:
    """The creation ping is the form body ``webhook_id=N``; order JSON is not a ping."""
    form = "application/x-www-form-urlencoded"
    assert is_woocommerce_ping(b"webhook_id=17", form)
    assert is_woocommerce_ping(b"webhook_id=17", form + "; charset=UTF-8")
    assert not is_woocommerce_ping(b"webhook_id=17", "application/json")
    assert not is_woocommerce_ping(b"webhook_id=17&id=4", form)
    assert not is_woocommerce_ping(b"webhook_id=x", form)


# -- Stripe ---------------------------------------------------------------------------------


def test_stripe_paid_session_is_sale_on_payment_intent() -> None:
    """A paid checkout session is a SALE whose order id is its payment intent."""
    [sale] = _stripe()
    assert (sale.source, sale.kind, sale.order_id) == (
        Source.STRIPE,
        EventKind.SALE,
        "pi_3QpR7qLkdIwHu7ix1XyZ2wVu",
    )
    assert (sale.net_minor, sale.currency) == (9000, "EUR")
    assert sale.extra["gross_minor"] == "10890"


def test_stripe_session_without_payment_intent_uses_session_id() -> None:
    """Without a payment intent (subscriptions) the session id is the order id."""
    [sale] = _stripe(payment_intent=None)
    assert sale.order_id == "cs_live_a1Zq9Xw4Tn7Pb2Lm5Kc8Rd3Vf6Hg0Js1Yu4Ei7Ow"


def test_stripe_sale_data() -> None:
    """Code from metadata, click id from client_reference_id, e-mail from customer details."""
    [sale] = _stripe()
    assert sale.codes == ("ANNA15",)
    assert sale.click_id == "Qm3xT9vL2pZr8sWk"
    assert sale.customer_email == "robin@example.com"
    assert sale.delivery_id == "evt_1QpR7sLkdIwHu7ix" + "W3f2Kc9a"
    assert not sale.is_test


def test_stripe_metadata_click_beats_client_reference() -> None:
    """metadata.cb_click is explicit and wins over client_reference_id."""
    [sale] = _stripe(metadata={"cb_click": "Meta1"}, client_reference_id="user_881")
    assert (sale.click_id, sale.codes) == ("Meta1", ())


def test_stripe_promo_code_from_metadata_key() -> None:
    """metadata.promo_code is read as a code; bare promo_… ids are not codes."""
    [sale] = _stripe(metadata={"promo_code": "bert15"})
    assert sale.codes == ("BERT15",)


def test_stripe_test_mode_is_a_test_order() -> None:
    """``livemode: false`` marks a test order."""
    event = _load("stripe_checkout_completed.json")
    event["livemode"] = False
    event["data"]["object"]["livemode"] = False
    [sale] = stripe_events(event, received_at=NOW)
    assert sale.is_test


@pytest.mark.parametrize("status", ["unpaid", "no_payment_required"])
def test_stripe_unpaid_session_gives_nothing(status: str) -> None:
    """Sessions not paid (yet) give no events."""
    assert _stripe(payment_status=status) == []


def test_stripe_async_payment_success_is_a_sale() -> None:
    """A delayed payment that succeeds later is the sale."""
    event = _load("stripe_checkout_completed.json")
    event["type"] = "checkout.session.async_payment_succeeded"
    [sale] = stripe_events(event, received_at=NOW)
    assert sale.kind is EventKind.SALE


def test_stripe_zero_decimal_currency() -> None:
    """JPY amounts are whole yen in Stripe and here."""
    [sale] = _stripe(
        currency="jpy",
        amount_subtotal=12_000,
        amount_total=10_800,
        total_details={"amount_discount": 1200},
    )
    assert (sale.net_minor, sale.currency) == (10_800, "JPY")


def test_stripe_amount_units() -> None:
    """Stripe's ISK is two-decimal on the wire; ours is ISO's zero decimals."""
    assert stripe_minor(150_000, "ISK", "amount") == 1500
    assert stripe_minor(1234, "KWD", "amount") == 1234
    assert stripe_minor(999, "EUR", "amount") == 999


def test_stripe_partial_refund_per_listed_refund() -> None:
    """charge.refunded with a refund list: one REFUND per refund, on the payment intent."""
    [refund] = stripe_events(_load("stripe_charge_refunded.json"), received_at=NOW)
    assert (refund.kind, refund.order_id, refund.refund_id, refund.refund_minor) == (
        EventKind.REFUND,
        "pi_3QpR7qLkdIwHu7ix1XyZ2wVu",
        "re_3QpR7qLkdIwHu7ix1St6Uv7W",
        5445,
    )
    assert refund.extra["refund_basis"] == "gross"


def test_stripe_refund_without_list_uses_previous_amount() -> None:
    """Without a refund list the increase over previous_attributes is the refund."""
    event = _load("stripe_charge_refunded.json")
    charge = event["data"]["object"]
    del charge["refunds"]
    charge["amount_refunded"] = 8000
    event["data"]["previous_attributes"] = {"amount_refunded": 5445}
    [refund] = stripe_events(event, received_at=NOW)
    assert (refund.refund_id, refund.refund_minor) == ("ch_3QpR7qLkdIwHu7ix1Ab2Cd3E:8000", 2555)


def test_stripe_empty_refund_list_uses_amount_refunded() -> None:
    """Mistake 7: a refund list present but empty falls back to amount_refunded."""
    event = _load("stripe_charge_refunded.json")
    charge = event["data"]["object"]
    charge["refunds"]["data"] = []
    charge["amount_refunded"] = 300
    [refund] = stripe_events(event, received_at=NOW)
    assert (refund.refund_id, refund.refund_minor) == ("ch_3QpR7qLkdIwHu7ix1Ab2Cd3E:300", 300)


def test_stripe_tax_exclusive_and_inclusive_give_the_same_net() -> None:
    """Mistake 5: 100.00 of goods less 10.00 discount is 90.00 net, tax on top or inside."""
    exclusive = {"amount_discount": 1000, "amount_shipping": 0, "amount_tax": 1890}
    [sale] = _stripe(amount_subtotal=10_000, amount_total=10_890, total_details=exclusive)
    inclusive = {"amount_discount": 1000, "amount_shipping": 495, "amount_tax": 1562}
    [vat] = _stripe(amount_subtotal=10_890, amount_total=10_385, total_details=inclusive)
    assert sale.net_minor == 9000
    assert vat.net_minor == 10_385 - 495 - 1562 == 8328
    assert (Label.TAX_INCLUDED, 1562, -1) in vat.derivation.terms


def test_stripe_shipping_without_its_own_tax() -> None:
    """Shipping is taken out without its tax, which amount_tax already holds."""
    totals = {"amount_discount": 0, "amount_shipping": 1000, "amount_tax": 2310}
    cost = {"amount_subtotal": 1000, "amount_tax": 210, "amount_total": 1210}
    [sale] = _stripe(
        amount_subtotal=10_000, amount_total=13_310, total_details=totals, shipping_cost=cost
    )
    assert sale.net_minor == 10_000


def test_stripe_adaptive_pricing_before_basil_counts_in_the_merchants_currency() -> None:
    """Mistake 6: a session shown in USD for a EUR merchant is a EUR sale, converted at the
    session's own rate."""
    conversion = {
        "amount_subtotal": 10_000,
        "amount_total": 9_000,
        "fx_rate": "1.0845",
        "source_currency": "eur",
    }
    [sale] = _stripe(
        currency="usd",
        amount_subtotal=10_845,
        amount_total=9_761,
        total_details={"amount_discount": 1_084, "amount_shipping": 0, "amount_tax": 0},
        currency_conversion=conversion,
    )
    assert (sale.currency, sale.net_minor, sale.currency_uncertain) == ("EUR", 9_000, False)
    assert sale.extra["gross_minor"] == "9000"
    assert sale.derivation.note is Note.CONVERTED and sale.derivation.currency == "USD"


def test_stripe_full_refund_is_cancel() -> None:
    """A fully refunded charge cancels the order, whatever tax and shipping were."""
    event = _load("stripe_charge_refunded.json")
    event["data"]["object"]["amount_refunded"] = 10_890
    [cancel] = stripe_events(event, received_at=NOW)
    assert (cancel.kind, cancel.order_id) == (EventKind.CANCEL, "pi_3QpR7qLkdIwHu7ix1XyZ2wVu")


SUB_SESSION = dict(
    mode="subscription",
    payment_intent=None,
    invoice="in_1QsU2YLkdIwHu7ixK2mQv7Bn",
    subscription="sub_1QsU2YLkdIwHu7ixW5eRt6Yu",
)


def test_stripe_subscription_session_names_its_invoice() -> None:
    """A subscription's session is the order; its first invoice is another id of it."""
    [sale] = _stripe(**SUB_SESSION)
    assert (sale.kind, sale.order_id) == (
        EventKind.SALE,
        "cs_live_a1Zq9Xw4Tn7Pb2Lm5Kc8Rd3Vf6Hg0Js1Yu4Ei7Ow",
    )
    assert sale.refs == ("in_1QsU2YLkdIwHu7ixK2mQv7Bn",)
    [one_time] = _stripe()
    assert one_time.refs == ()


def test_stripe_invoice_payment_links_invoice_and_payment() -> None:
    """invoice_payment.paid (API 2025-03-31 on) is an ALIAS: the invoice and its payment."""
    [alias] = stripe_events(_load("stripe_invoice_payment_paid.json"), received_at=NOW)
    assert (alias.source, alias.kind, alias.order_id, alias.refs) == (
        Source.STRIPE,
        EventKind.ALIAS,
        "in_1QsU2YLkdIwHu7ixK2mQv7Bn",
        ("pi_3QsU2ZLkdIwHu7ix0Gt5Hs8D",),
    )
    assert alias.net_minor is None and alias.refund_minor is None


def test_stripe_paid_invoice_of_older_api_links_its_payment() -> None:
    """Before 2025-03-31 the paid invoice names its payment intent and charge; from then on
    it names neither, and the invoice event gives nothing."""
    invoice = {
        "id": "in_1QsU2YLkdIwHu7ixK2mQv7Bn",
        "object": "invoice",
        "payment_intent": "pi_3QsU2ZLkdIwHu7ix0Gt5Hs8D",
        "charge": "ch_3QsU2ZLkdIwHu7ix0Lm2Np4Q",
        "livemode": True,
    }
    event = {"id": "evt_2", "type": "invoice.paid", "created": 1, "data": {"object": invoice}}
    [alias] = stripe_events(event, received_at=NOW)
    assert (alias.kind, alias.order_id) == (EventKind.ALIAS, invoice["id"])
    assert alias.refs == ("pi_3QsU2ZLkdIwHu7ix0Gt5Hs8D", "ch_3QsU2ZLkdIwHu7ix0Lm2Np4Q")
    del invoice["payment_intent"], invoice["charge"]
    assert stripe_events(event, received_at=NOW) == []


def test_stripe_refund_names_the_charges_invoice() -> None:
    """A charge of an invoice (older API versions) gives its refund the invoice as a ref."""
    event = _load("stripe_charge_refunded.json")
    event["data"]["object"]["invoice"] = "in_1QsU2YLkdIwHu7ixK2mQv7Bn"
    [refund] = stripe_events(event, received_at=NOW)
    assert (refund.order_id, refund.refs) == (
        "pi_3QpR7qLkdIwHu7ix1XyZ2wVu",
        ("in_1QsU2YLkdIwHu7ixK2mQv7Bn",),
    )


def test_stripe_other_events_give_nothing() -> None:
    """Event types the program does not use give no events."""
    event = copy.deepcopy(_load("stripe_checkout_completed.json"))
    event["type"] = "customer.created"
    assert stripe_events(event, received_at=NOW) == []


def test_stripe_event_without_object_is_malformed() -> None:
    """A sale event without data.object is malformed."""
    with pytest.raises(MalformedPayload, match="missing:data"):
        stripe_events({"type": "checkout.session.completed"}, received_at=NOW)


# -- postback -------------------------------------------------------------------------------


def test_postback_sale() -> None:
    """A postback sale: order id, amount in minor units, currency, click id and code."""
    event = postback_event(
        {
            "order_id": "A-77",
            "amount": "49.90",
            "currency": "eur",
            "event": "sale",
            "click_id": "Qm3xT9vL2pZr8sWk",
            "code": "anna15",
        },
        received_at=NOW,
    )
    assert (event.source, event.kind, event.order_id) == (Source.POSTBACK, EventKind.SALE, "A-77")
    assert (event.net_minor, event.currency, event.click_id, event.codes) == (
        4990,
        "EUR",
        "Qm3xT9vL2pZr8sWk",
        ("ANNA15",),
    )
    assert event.occurred_at == NOW


def test_postback_refund_default_id() -> None:
    """A refund without refund_id is keyed ``order_id:amount``."""
    event = postback_event(
        {"order_id": "A-77", "amount": "10.00", "currency": "EUR", "event": "refund"},
        received_at=NOW,
    )
    assert (event.kind, event.refund_minor, event.refund_id) == (
        EventKind.REFUND,
        1000,
        "A-77:10.00",
    )


def test_postback_lead_needs_no_amount() -> None:
    """A lead may come without an amount."""
    event = postback_event({"order_id": "L-1", "event": "lead", "code": "ANNA15"}, received_at=NOW)
    assert (event.kind, event.net_minor, event.currency) == (EventKind.LEAD, None, None)


def test_postback_parse_qs_lists() -> None:
    """Fields given as lists (parsed query strings) use the last value."""
    event = postback_event(
        {"order_id": ["A-78"], "amount": ["5", "6"], "currency": ["EUR"]}, received_at=NOW
    )
    assert (event.order_id, event.net_minor) == ("A-78", 600)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"amount": "1", "currency": "EUR"}, "missing:order_id"),
        ({"order_id": "A", "currency": "EUR"}, "missing:amount"),
        ({"order_id": "A", "amount": "1"}, "missing:currency"),
        ({"order_id": "A", "amount": "1", "currency": "EURO"}, "invalid:currency"),
        ({"order_id": "A", "amount": "1", "currency": "EUR", "event": "bonus"}, "invalid:event"),
        ({"order_id": "A B", "amount": "1", "currency": "EUR"}, "invalid:order_id"),
    ],
)
def test_postback_missing_fields_are_malformed(params: dict[str, str], reason: str) -> None:
    """Missing or invalid postback fields are refused with the field's name."""
    with pytest.raises(MalformedPayload) as caught:
        postback_event(params, received_at=NOW)
    assert caught.value.reason == reason


def test_payload_fixtures_are_valid_json() -> None:
    """The fixture files parse with the standard library too (no custom syntax)."""
    paths = sorted(PAYLOADS.glob("*.json"))
    assert len(paths) >= 6, "the payload fixtures are missing"
    for path in paths:
        json.loads(path.read_text())


# -- the customer, for returning customers ----------------------------------------------------

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "shops"


def _corpus(path: str) -> dict[str, Any]:
    return decode_json((CORPUS / path).read_bytes())


def test_shopify_sale_names_its_customer() -> None:
    """A Shopify order's customer.id becomes a namespaced id beside the e-mail."""
    order = _corpus("shopify/order-api-js-1073459981-fake30-paid.json")
    [sale] = shopify_events("orders/paid", order, received_at=NOW)
    assert sale.customer_ids == ("shopify:customer:1073339467",)


def test_woocommerce_guest_has_no_customer_id() -> None:
    """WooCommerce's customer_id 0 is a guest checkout: only the e-mail can recognise them;
    a registered customer's id counts."""
    guest = _corpus("woocommerce/order-v2-docs-727-completed.json")
    assert woocommerce_events(guest, received_at=NOW)[0].customer_ids == ()
    member = _corpus("woocommerce/order-ios-963-coupon-fee-processing.json")
    assert woocommerce_events(member, received_at=NOW)[0].customer_ids == (
        "woocommerce:customer:11",
    )


@pytest.mark.parametrize(
    ("name", "invoice", "net", "customer", "subscription"),
    [
        (
            "invoice-paid-2023-10-16-subscription-cycle-variant.json",
            "in_1PMdQ0RxqlZt79sDc5Rn2QvB",
            70_000,
            "cus_Q1b0Yi7UkcAh2A",
            "sub_1PBXo5RxqlZt79sD3kdxoDVi",
        ),
        (
            "invoice-paid-basil-subscription-cycle-variant.json",
            "in_1SgP3xHOQNg4XnOMwR7t2KbZ",
            2_990,
            "cus_TS6KX04w045BN9",
            "sub_1SVC89HOQNg4XnOMoa93kOB2",
        ),
    ],
)
def test_stripe_renewal_is_a_sale_of_its_own(
    name: str, invoice: str, net: int, customer: str, subscription: str
) -> None:
    """invoice.paid for billing_reason subscription_cycle is a SALE under the invoice id,
    with the customer and the subscription (top level before 2025-03-31, under
    parent.subscription_details from basil on)."""
    [sale] = stripe_events(_corpus(f"stripe/{name}"), received_at=NOW)
    assert (sale.kind, sale.order_id, sale.net_minor) == (EventKind.SALE, invoice, net)
    assert sale.customer_ids == (
        f"stripe:customer:{customer}",
        f"stripe:subscription:{subscription}",
    )


def test_stripe_first_invoice_stays_an_alias() -> None:
    """The first invoice of a subscription (subscription_create) only links ids: its sale is
    the Checkout session."""
    event = _corpus("stripe/invoice-paid-2023-10-16-subscription-create.json")
    [alias] = stripe_events(event, received_at=NOW)
    assert alias.kind is EventKind.ALIAS


def test_stripe_free_renewal_earns_nothing() -> None:
    """A renewal that cost nothing (a trial, a full discount) is no sale."""
    event = _corpus("stripe/invoice-paid-basil-subscription-cycle-variant.json")
    event["data"]["object"].update(amount_paid=0, total=0, total_excluding_tax=0)
    assert stripe_events(event, received_at=NOW) == []
