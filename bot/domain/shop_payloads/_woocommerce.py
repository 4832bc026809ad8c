"""WooCommerce v3 order webhooks and the creation ping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from bot.domain.clicks import CLICK_PARAM
from bot.domain.derivation import Derivation, Label, Note, add, seen, sub
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.shop_payloads._common import (
    MalformedPayload,
    _attribute,
    _click_id,
    _codes,
    _customer_ids,
    _email,
    _list,
    _order_id,
    _referrer,
    _timestamp,
    currency_code,
    to_minor,
)

WOO_SALE_STATUSES = frozenset({"processing", "completed"})
WOO_CANCEL_STATUSES = frozenset({"cancelled", "failed"})
WOO_REFUNDED = "refunded"
# WooCommerce's order attribution (8.5+) keeps the page the visitor came from in this meta.
WOO_REFERRER = "_wc_order_attribution_referrer"


def is_woocommerce_ping(body: bytes, content_type: str | None) -> bool:
    """Whether this is the form-encoded ``webhook_id=N`` WooCommerce sends when a webhook is
    created or re-activated (unsigned; it carries no order)."""
    if (content_type or "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return False
    try:
        form = parse_qs(body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    values = form.get("webhook_id")
    return set(form) == {"webhook_id"} and len(values or []) == 1 and values[0].isdigit()


def woocommerce_events(
    order: Mapping[str, Any],
    *,
    received_at: datetime,
    delivery_id: str | None = None,
) -> list[OrderEvent]:
    """The events of one WooCommerce order delivery, in the order to apply them."""
    order = _current_names(order)
    order_id = _order_id(order.get("id"))
    status = order.get("status")
    if not isinstance(status, str):
        raise MalformedPayload("missing:status" if status is None else "invalid:status")
    status = status.strip().lower()
    if status not in WOO_SALE_STATUSES | WOO_CANCEL_STATUSES | {WOO_REFUNDED}:
        return []
    changed_at = _timestamp(order.get("date_modified_gmt"), received_at)
    if status in WOO_CANCEL_STATUSES:
        return [
            OrderEvent(
                source=Source.WOOCOMMERCE,
                kind=EventKind.CANCEL,
                order_id=order_id,
                occurred_at=changed_at,
                delivery_id=delivery_id,
            )
        ]

    currency = currency_code(order.get("currency"))
    sale = _woo_net(order, currency)
    net = sale.result
    gross = to_minor(order.get("total"), currency, "total")
    events: list[OrderEvent] = []
    if status in WOO_SALE_STATUSES:
        billing = order.get("billing")
        events.append(
            OrderEvent(
                source=Source.WOOCOMMERCE,
                kind=EventKind.SALE,
                order_id=order_id,
                occurred_at=_timestamp(order.get("date_created_gmt"), received_at),
                currency=currency,
                net_minor=net,
                click_id=_click_id(
                    _attribute(order.get("meta_data"), (CLICK_PARAM, f"_{CLICK_PARAM}"))
                ),
                codes=_codes(
                    line.get("code")
                    for line in _list(order.get("coupon_lines"), "coupon_lines")
                    if isinstance(line, Mapping)
                ),
                customer_email=_email(
                    billing.get("email") if isinstance(billing, Mapping) else None
                ),
                customer_ids=_customer_ids("woocommerce", customer=order.get("customer_id")),
                is_test=_attribute(order.get("meta_data"), ("_wcpay_mode",)) == "test",
                delivery_id=delivery_id,
                extra={"gross_minor": str(gross)},
                derivation=sale,
                referrer=_referrer(_attribute(order.get("meta_data"), (WOO_REFERRER,))),
            )
        )
    items_gross = net + _woo_items_tax(order, currency)
    for refund in _list(order.get("refunds"), "refunds"):
        if not isinstance(refund, Mapping):
            raise MalformedPayload("invalid:refunds")
        refund_gross = abs(to_minor(refund.get("total"), currency, "refunds.total", signed=True))
        if refund_gross == 0:
            continue
        # The order's refunds carry no line detail: the refund is taken as its share of the
        # items with their tax. Exact for items refunded with their tax; not for a refund of
        # shipping or fees, so it is marked estimated for a manager to correct.
        derivation = Derivation(
            (add(Label.REFUND, refund_gross),), ("refunds.total", "line_items.total_tax")
        ).with_note(Note.ESTIMATED)
        derivation = derivation.scaled(net, items_gross)
        events.append(
            OrderEvent(
                source=Source.WOOCOMMERCE,
                kind=EventKind.REFUND,
                order_id=order_id,
                occurred_at=changed_at,
                currency=currency,
                refund_minor=derivation.result,
                refund_id=_order_id(refund.get("id"), "refunds.id"),
                delivery_id=delivery_id,
                extra={"refund_gross_minor": str(refund_gross)},
                derivation=derivation,
            )
        )
    if status == WOO_REFUNDED:
        events.append(
            OrderEvent(
                source=Source.WOOCOMMERCE,
                kind=EventKind.CANCEL,
                order_id=order_id,
                occurred_at=changed_at,
                delivery_id=delivery_id,
            )
        )
    return events


# Webhooks set to the legacy REST API (v3, WooCommerce before 2.6's wc/v1) wrap the order as
# ``{"order": {…}}`` and name some fields differently.
_LEGACY_NAMES = {
    "created_at": "date_created_gmt",
    "updated_at": "date_modified_gmt",
    "total_shipping": "shipping_total",
    "billing_address": "billing",
}


def _current_names(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The order of a delivery in the current (wc/v1–v3) names."""
    legacy = body.get("order")
    if "id" in body or not isinstance(legacy, Mapping):
        return body
    order = dict(legacy)
    for old, new in _LEGACY_NAMES.items():
        if old in order and new not in order:
            order[new] = order[old]
    return order


def _money_sum(order: Mapping[str, Any], lines: str, name: str, currency: str) -> int:
    total = 0
    for line in _list(order.get(lines), lines):
        if not isinstance(line, Mapping):
            raise MalformedPayload(f"invalid:{lines}")
        total += to_minor(line.get(name) or "0", currency, f"{lines}.{name}", signed=True)
    return total


def _woo_net(order: Mapping[str, Any], currency: str) -> Derivation:
    """Net revenue: the line items after their discounts, without tax (Woo stores line
    totals without tax, whether the shop's prices include it or not). Shipping, tax and fee
    lines (gift wrap, payment surcharges) are not product revenue."""
    shipping = to_minor(order.get("shipping_total") or "0", currency, "shipping_total")
    tax = to_minor(order.get("total_tax") or "0", currency, "total_tax")
    fees = _money_sum(order, "fee_lines", "total", currency)
    left_out = (seen(Label.TAX, tax), seen(Label.SHIPPING, shipping), seen(Label.FEES, fees))
    if order.get("line_items"):
        items = _money_sum(order, "line_items", "total", currency)
        subtotal = _money_sum(order, "line_items", "subtotal", currency)
        if subtotal > items:
            terms = (add(Label.SUBTOTAL, subtotal), sub(Label.DISCOUNTS, subtotal - items))
            fields = ("line_items.subtotal", "line_items.total")
        else:
            terms, fields = (add(Label.ITEMS, items),), ("line_items.total",)
        return Derivation(terms + left_out, fields)
    # No line items (a trimmed payload): what was paid less everything that is not revenue.
    total = to_minor(order.get("total"), currency, "total")
    terms = (add(Label.TOTAL, total), sub(Label.SHIPPING, shipping), sub(Label.TAX, tax))
    if fees:
        terms += (sub(Label.FEES, fees),)
    return Derivation(terms, ("total", "shipping_total", "total_tax", "fee_lines.total"))


def _woo_items_tax(order: Mapping[str, Any], currency: str) -> int:
    if order.get("line_items"):
        return _money_sum(order, "line_items", "total_tax", currency)
    tax = to_minor(order.get("total_tax") or "0", currency, "total_tax")
    return max(0, tax - to_minor(order.get("shipping_tax") or "0", currency, "shipping_tax"))


def woocommerce_refund_net(refund: Mapping[str, Any], currency: str) -> Derivation:
    """The product revenue of one refund as the REST API returns it
    (``GET /wp-json/wc/v3/orders/<id>/refunds/<refund_id>``): its line items' totals
    (negative, after discounts, without tax). A refund of shipping or fees alone has no line
    items and takes nothing."""
    if not isinstance(refund, Mapping):
        raise MalformedPayload("json_object_expected")
    items = abs(_money_sum(refund, "line_items", "total", currency))
    tax = abs(_money_sum(refund, "line_items", "total_tax", currency))
    shipping = abs(_money_sum(refund, "shipping_lines", "total", currency))
    fees = abs(_money_sum(refund, "fee_lines", "total", currency))
    amount = to_minor(refund.get("amount") or "0", currency, "amount", signed=True)
    terms = (
        add(Label.REFUNDED_ITEMS, items),
        seen(Label.TAX, tax),
        seen(Label.SHIPPING, shipping),
        seen(Label.FEES, fees),
        seen(Label.REFUND, abs(amount)),
    )
    return Derivation(terms, ("refund.line_items.total",))


# -- Stripe ---------------------------------------------------------------------------------
