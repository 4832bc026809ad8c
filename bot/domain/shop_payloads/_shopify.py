"""Shopify order and refund webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.domain.clicks import CLICK_PARAM
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.shop_payloads._common import (
    MalformedPayload,
    _attribute,
    _click_from_url,
    _click_id,
    _codes,
    _email,
    _list,
    _object,
    _order_id,
    _timestamp,
    currency_code,
    to_minor,
)

SHOPIFY_SALE_TOPICS = frozenset({"orders/create", "orders/paid"})
SHOPIFY_TOPICS = SHOPIFY_SALE_TOPICS | {"orders/cancelled", "refunds/create"}


def _shopify_money(
    order: Mapping[str, Any], name: str, shop_currency: str, presentment: str | None
) -> tuple[int, str, bool] | None:
    """``name`` of ``order`` as (minor units, currency, currency uncertain), from its
    ``{name}_set.shop_money`` when present; ``None`` when the order has neither."""
    money_set = order.get(f"{name}_set")
    if isinstance(money_set, Mapping):
        shop = _object(money_set.get("shop_money"), f"{name}_set.shop_money", required=True)
        currency = currency_code(shop.get("currency_code"), f"{name}_set.shop_money.currency_code")
        return (
            to_minor(shop.get("amount"), currency, f"{name}_set.shop_money.amount"),
            currency,
            False,
        )
    if order.get(name) is None:
        return None
    uncertain = presentment is not None and presentment != shop_currency
    return to_minor(order.get(name), shop_currency, name), shop_currency, uncertain


def _shopify_tax_in_lines(order: Mapping[str, Any], currency: str) -> int:
    """The tax contained in the line items of a tax-inclusive order, in shop money."""
    total = 0
    for line in _list(order.get("line_items"), "line_items"):
        if not isinstance(line, Mapping):
            raise MalformedPayload("invalid:line_items")
        for tax in _list(line.get("tax_lines"), "line_items.tax_lines"):
            if not isinstance(tax, Mapping):
                raise MalformedPayload("invalid:line_items.tax_lines")
            price_set = tax.get("price_set")
            if isinstance(price_set, Mapping):
                shop = _object(price_set.get("shop_money"), "tax_lines.price_set.shop_money")
                total += to_minor(shop.get("amount"), currency, "tax_lines.price_set")
            else:
                total += to_minor(tax.get("price"), currency, "tax_lines.price")
    return total


def _shopify_click(order: Mapping[str, Any]) -> str | None:
    return (
        _click_from_url(order.get("landing_site"))
        or _click_id(_attribute(order.get("note_attributes"), (CLICK_PARAM,)))
        or _click_id(order.get("landing_site_ref"))
    )


def shopify_events(
    topic: str | None,
    payload: Mapping[str, Any],
    *,
    received_at: datetime,
    delivery_id: str | None = None,
) -> list[OrderEvent]:
    """The events of one Shopify delivery (``X-Shopify-Topic`` and its JSON body); an empty
    list for topics the program does not use."""
    if topic in SHOPIFY_SALE_TOPICS:
        return [_shopify_sale(payload, received_at, delivery_id)]
    if topic == "orders/cancelled":
        return [_shopify_cancel(payload, received_at, delivery_id)]
    if topic == "refunds/create":
        refund = _shopify_refund(payload, received_at, delivery_id)
        return [] if refund is None else [refund]
    return []


def _shopify_sale(
    order: Mapping[str, Any], received_at: datetime, delivery_id: str | None
) -> OrderEvent:
    order_id = _order_id(order.get("id"))
    shop_currency = currency_code(order.get("currency"))
    presentment = order.get("presentment_currency")
    presentment = currency_code(presentment, "presentment_currency") if presentment else None
    money = _shopify_money(order, "subtotal_price", shop_currency, presentment)
    if money is None:
        money = _shopify_money(order, "current_subtotal_price", shop_currency, presentment)
    if money is None:
        raise MalformedPayload("missing:subtotal_price")
    net, currency, uncertain = money
    extra: dict[str, str] = {}
    if order.get("taxes_included") is True:
        # Refund line subtotals of a tax-inclusive shop include the tax; keeping the
        # subtotal with tax lets the service turn a refund into its share of net.
        extra["gross_minor"] = str(net)
        net = max(0, net - _shopify_tax_in_lines(order, currency))
    customer = order.get("customer")
    return OrderEvent(
        source=Source.SHOPIFY,
        kind=EventKind.SALE,
        order_id=order_id,
        occurred_at=_timestamp(order.get("created_at") or order.get("processed_at"), received_at),
        currency=currency,
        net_minor=net,
        click_id=_shopify_click(order),
        codes=_codes(
            code.get("code")
            for code in _list(order.get("discount_codes"), "discount_codes")
            if isinstance(code, Mapping)
        ),
        customer_email=_email(
            order.get("email"),
            order.get("contact_email"),
            customer.get("email") if isinstance(customer, Mapping) else None,
        ),
        is_test=order.get("test") is True,
        delivery_id=delivery_id,
        currency_uncertain=uncertain,
        extra=extra,
    )


def _shopify_cancel(
    order: Mapping[str, Any], received_at: datetime, delivery_id: str | None
) -> OrderEvent:
    return OrderEvent(
        source=Source.SHOPIFY,
        kind=EventKind.CANCEL,
        order_id=_order_id(order.get("id")),
        occurred_at=_timestamp(order.get("cancelled_at"), received_at),
        is_test=order.get("test") is True,
        delivery_id=delivery_id,
    )


def _shopify_refund(
    refund: Mapping[str, Any], received_at: datetime, delivery_id: str | None
) -> OrderEvent | None:
    order_id = _order_id(refund.get("order_id"), "order_id")
    refund_id = _order_id(refund.get("id"))
    transactions = [
        t for t in _list(refund.get("transactions"), "transactions") if isinstance(t, Mapping)
    ]
    net = 0
    currency: str | None = None
    uncertain = False
    lines = _list(refund.get("refund_line_items"), "refund_line_items")
    for line in lines:
        if not isinstance(line, Mapping):
            raise MalformedPayload("invalid:refund_line_items")
        subtotal_set = line.get("subtotal_set")
        if isinstance(subtotal_set, Mapping):
            shop = _object(
                subtotal_set.get("shop_money"),
                "refund_line_items.subtotal_set.shop_money",
                required=True,
            )
            line_currency = currency_code(
                shop.get("currency_code"), "refund_line_items.subtotal_set.shop_money.currency_code"
            )
            amount = shop.get("amount")
        else:
            # Without the money set only the transactions name a currency, and that is the
            # presentment currency: counted, but held as uncertain.
            line_currency = currency_code(
                next((t.get("currency") for t in transactions if t.get("currency")), None),
                "transactions.currency",
            )
            amount = line.get("subtotal")
            uncertain = True
        if currency is not None and line_currency != currency:
            raise MalformedPayload("invalid:refund_line_items.currency")
        currency = line_currency
        net += to_minor(amount, line_currency, "refund_line_items.subtotal")
    if not lines or net == 0:
        return None
    return OrderEvent(
        source=Source.SHOPIFY,
        kind=EventKind.REFUND,
        order_id=order_id,
        occurred_at=_timestamp(refund.get("processed_at") or refund.get("created_at"), received_at),
        currency=currency,
        refund_minor=net,
        refund_id=refund_id,
        is_test=any(t.get("test") is True for t in transactions),
        delivery_id=delivery_id,
        currency_uncertain=uncertain,
        # Scaled to net by the service when the sale was tax-inclusive (it then stored the
        # subtotal with tax as gross); taken as it is otherwise.
        extra={"refund_basis": "gross"},
    )


# -- WooCommerce ----------------------------------------------------------------------------
