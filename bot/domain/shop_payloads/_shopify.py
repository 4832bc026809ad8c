"""Shopify order and refund webhooks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.domain.clicks import CLICK_PARAM
from bot.domain.derivation import Derivation, Label, Note, Term, add, seen, sub
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.recurring import customer_identifiers
from bot.domain.shop_payloads._common import (
    MalformedPayload,
    _attribute,
    _click_from_url,
    _click_id,
    _codes,
    _customer_ids,
    _email,
    _list,
    _object,
    _order_id,
    _referrer,
    _round_half_up,
    _timestamp,
    currency_code,
    to_minor,
)

SHOPIFY_SALE_TOPICS = frozenset({"orders/create", "orders/paid"})
SHOPIFY_TOPICS = SHOPIFY_SALE_TOPICS | {"orders/cancelled", "refunds/create"}
# ``financial_status`` of an order whose payment is not captured: nothing is earned yet; the
# ``orders/paid`` delivery that follows the capture is the sale. A voided authorization was
# never paid, so it never earned; its ``orders/cancelled`` cancels whatever was recorded.
SHOPIFY_UNPAID = frozenset({"pending", "authorized", "partially_paid", "expired", "voided"})


def _shop_money(container: Mapping[str, Any], name: str, field: str) -> tuple[int, str] | None:
    """``{name}_set.shop_money`` of ``container`` as (minor units, currency), if present."""
    money_set = container.get(f"{name}_set")
    if not isinstance(money_set, Mapping):
        return None
    shop = _object(money_set.get("shop_money"), f"{field}_set.shop_money", required=True)
    currency = currency_code(shop.get("currency_code"), f"{field}_set.shop_money.currency_code")
    return to_minor(shop.get("amount"), currency, f"{field}_set.shop_money.amount"), currency


def _shopify_money(
    order: Mapping[str, Any], name: str, shop_currency: str, presentment: str | None
) -> tuple[int, str, bool] | None:
    """``name`` of ``order`` as (minor units, currency, currency uncertain), from its
    ``{name}_set.shop_money`` when present; ``None`` when the order has neither."""
    money = _shop_money(order, name, name)
    if money is not None:
        return money[0], money[1], False
    if order.get(name) is None:
        return None
    uncertain = presentment is not None and presentment != shop_currency
    return to_minor(order.get(name), shop_currency, name), shop_currency, uncertain


def _amount(item: Mapping[str, Any], name: str, currency: str, field: str) -> int:
    """An amount of a line, discount or tax: ``{name}_set.shop_money`` when present, else the
    plain field in ``currency``."""
    money = _shop_money(item, name, field)
    if money is not None:
        return money[0]
    return to_minor(item.get(name) or "0", currency, field)


def _shopify_tax_in_lines(order: Mapping[str, Any], currency: str) -> int:
    """The tax contained in the line items of a tax-inclusive order, in shop money."""
    total = 0
    for line in _list(order.get("line_items"), "line_items"):
        if not isinstance(line, Mapping):
            raise MalformedPayload("invalid:line_items")
        for tax in _list(line.get("tax_lines"), "line_items.tax_lines"):
            if not isinstance(tax, Mapping):
                raise MalformedPayload("invalid:line_items.tax_lines")
            total += _amount(tax, "price", currency, "tax_lines.price")
    return total


def _shopify_click(order: Mapping[str, Any]) -> str | None:
    return (
        _click_from_url(order.get("landing_site"))
        or _click_id(_attribute(order.get("note_attributes"), (CLICK_PARAM,)))
        or _click_id(order.get("landing_site_ref"))
    )


# A gift to a creator, made as a draft order by creatorbot: the order the manager completes
# carries the draft's tags. Such an order is not a sale; its fulfilment ships the gift.
GIFT_ORDER_TAG = "creator-gift"
_GIFT_KEY = re.compile(r"creatorbot-gift-([0-9]{1,18})")
SHOPIFY_FULFILMENT_TOPICS = frozenset({"orders/fulfilled", "orders/updated"})


@dataclass(frozen=True)
class GiftShipment:
    """Gifts (claim ids) whose Shopify order was fulfilled, or delivered."""

    claim_ids: tuple[int, ...]
    delivered: bool


def _tags(order: Mapping[str, Any]) -> list[str]:
    tags = order.get("tags")
    if isinstance(tags, str):
        return [t.strip() for t in tags.split(",") if t.strip()]
    if isinstance(tags, list):
        return [str(t).strip() for t in tags if str(t).strip()]
    return []


def is_gift_order(order: Mapping[str, Any]) -> bool:
    return GIFT_ORDER_TAG in _tags(order)


def shopify_gift_shipment(order: Mapping[str, Any]) -> GiftShipment | None:
    """From an ``orders/fulfilled`` or ``orders/updated`` delivery: the gifts the order
    carries (its ``creatorbot-gift-<claim>`` tags), delivered when a fulfilment's
    ``shipment_status`` says so, shipped when the order is fulfilled; ``None`` otherwise."""
    ids = tuple(int(m[1]) for t in _tags(order) if (m := _GIFT_KEY.fullmatch(t)))
    if not ids:
        return None
    fulfillments = [
        f for f in _list(order.get("fulfillments"), "fulfillments") if isinstance(f, Mapping)
    ]
    if any(f.get("shipment_status") == "delivered" for f in fulfillments):
        return GiftShipment(ids, delivered=True)
    shipped = order.get("fulfillment_status") in ("fulfilled", "partial") or any(
        f.get("status") == "success" for f in fulfillments
    )
    return GiftShipment(ids, delivered=False) if shipped else None


# Shopify's mandatory privacy webhook: erase what is kept about one of the shop's customers.
SHOPIFY_CUSTOMER_REDACT = "customers/redact"


def shopify_redacted_customer(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """The identifiers of the customer a ``customers/redact`` request names (its id and
    e-mail, as an order of theirs would give them)."""
    customer = _object(payload.get("customer"), "customer", required=True)
    ids = _customer_ids("shopify", customer=customer)
    email = _email(customer.get("email"))
    if not ids and email is None:
        raise MalformedPayload("missing:customer.id")
    return customer_identifiers(ids, email)


def shopify_events(
    topic: str | None,
    payload: Mapping[str, Any],
    *,
    received_at: datetime,
    delivery_id: str | None = None,
) -> list[OrderEvent]:
    """The events of one Shopify delivery (``X-Shopify-Topic`` and its JSON body); an empty
    list for topics the program does not use and for orders not paid yet."""
    if topic in SHOPIFY_SALE_TOPICS:
        # orders/paid is sent when the payment is captured, whatever else the order says.
        if topic == "orders/create" and payload.get("financial_status") in SHOPIFY_UNPAID:
            return []
        if is_gift_order(payload):
            return []  # a creator's gift, 100 % off: not a sale
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
    field = "subtotal_price"
    money = _shopify_money(order, field, shop_currency, presentment)
    if money is None:
        field = "current_subtotal_price"
        money = _shopify_money(order, field, shop_currency, presentment)
    if money is None:
        raise MalformedPayload("missing:subtotal_price")
    subtotal, currency, uncertain = money
    fields = [f"{field}_set.shop_money" if order.get(f"{field}_set") else field]
    terms: list[Term] = []
    line_items = _shopify_money(order, "total_line_items_price", shop_currency, presentment)
    if line_items is not None and line_items[1] == currency and line_items[0] > subtotal:
        fields.append("total_line_items_price")
        discounts = line_items[0] - subtotal
        terms += [add(Label.SUBTOTAL, line_items[0]), sub(Label.DISCOUNTS, discounts)]
    else:
        discounts = _shopify_money(order, "total_discounts", shop_currency, presentment)
        if discounts is not None and discounts[1] == currency and discounts[0] > 0:
            fields.append("total_discounts")
            terms += [
                add(Label.SUBTOTAL, subtotal + discounts[0]),
                sub(Label.DISCOUNTS, discounts[0]),
            ]
        else:
            terms.append(add(Label.SUBTOTAL, subtotal))
    extra: dict[str, str] = {}
    if order.get("taxes_included") is True:
        # Refund line subtotals of a tax-inclusive shop include the tax; keeping the
        # subtotal with tax lets the service turn a refund into its share of net.
        extra["gross_minor"] = str(subtotal)
        terms.append(sub(Label.TAX_INCLUDED, min(subtotal, _shopify_tax_in_lines(order, currency))))
        fields.append("line_items.tax_lines")
    else:
        tax = _shopify_money(order, "total_tax", shop_currency, presentment)
        if tax is not None:
            terms.append(seen(Label.TAX, tax[0]))
    shipping = _shop_money(order, "total_shipping_price", "total_shipping_price")
    if shipping is not None:
        terms.append(seen(Label.SHIPPING, shipping[0]))
    derivation = Derivation(tuple(terms), tuple(fields))
    customer = order.get("customer")
    return OrderEvent(
        source=Source.SHOPIFY,
        kind=EventKind.SALE,
        order_id=order_id,
        occurred_at=_timestamp(order.get("created_at") or order.get("processed_at"), received_at),
        currency=currency,
        net_minor=derivation.result,
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
        customer_ids=_customer_ids("shopify", customer=customer),
        is_test=order.get("test") is True,
        delivery_id=delivery_id,
        currency_uncertain=uncertain,
        extra=extra,
        derivation=derivation,
        referrer=_referrer(order.get("referring_site")),
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


class _RefundLines:
    """The refunded line items of one refund, in shop money where the payload has it."""

    def __init__(self) -> None:
        self.currency: str | None = None
        self.foreign = False  # the currency is the one the transactions name, not shop money
        self.items = 0  # refunded items after their discounts (subtotal_set)
        self.subtotal = 0  # price × quantity, for lines derived from their line item
        self.discounts = 0
        self.tax = 0
        self.fields: dict[str, None] = {}

    def use_currency(self, currency: str | None) -> None:
        if currency is None:
            return
        if self.currency is not None and self.currency != currency:
            raise MalformedPayload("invalid:refund_line_items.currency")
        self.currency = currency

    def add(self, line: Mapping[str, Any], presentment: str | None) -> None:
        money = _shop_money(line, "subtotal", "refund_line_items.subtotal")
        item = line.get("line_item")
        if money is not None:
            self.use_currency(money[1])
            self.items += money[0]
            self.fields["refund_line_items.subtotal_set.shop_money"] = None
        elif line.get("subtotal") is not None:
            # Only the presentment amount: counted in the currency the transactions name,
            # and the service refuses to apply it to a sale in another currency.
            currency = currency_code(presentment, "transactions.currency")
            self.use_currency(currency)
            self.foreign = True
            self.items += to_minor(line.get("subtotal"), currency, "refund_line_items.subtotal")
            self.fields["refund_line_items.subtotal"] = None
        elif isinstance(item, Mapping) and item.get("price") is not None:
            self._from_line_item(line, item, presentment)
        else:
            raise MalformedPayload("missing:refund_line_items.subtotal")
        tax = _shop_money(line, "total_tax", "refund_line_items.total_tax")
        if tax is not None:
            self.tax += tax[0]

    def _from_line_item(
        self, line: Mapping[str, Any], item: Mapping[str, Any], presentment: str | None
    ) -> None:
        """Older payloads: the refunded quantity of the line item at its price, less the
        refunded quantity's share of the line's discounts."""
        price = _shop_money(item, "price", "refund_line_items.line_item.price")
        if price is not None:
            currency = price[1]
        else:
            # A shop without other currencies: the transactions name its own.
            currency = currency_code(presentment, "transactions.currency")
            self.foreign = True
        self.use_currency(currency)
        unit = price[0] if price is not None else _amount(item, "price", currency, "price")
        quantity = _quantity(line.get("quantity"), "refund_line_items.quantity")
        ordered = _quantity(item.get("quantity"), "refund_line_items.line_item.quantity")
        allocations = _list(item.get("discount_allocations"), "line_item.discount_allocations")
        if allocations:
            discount = sum(
                _amount(a, "amount", currency, "discount_allocations.amount")
                for a in allocations
                if isinstance(a, Mapping)
            )
            self.fields["refund_line_items.line_item.discount_allocations"] = None
        else:
            discount = _amount(item, "total_discount", currency, "line_item.total_discount")
        self.subtotal += unit * quantity
        if ordered > 0:
            share = _round_half_up(Decimal(discount * quantity) / ordered)
            self.discounts += min(unit * quantity, share)
        self.fields["refund_line_items.line_item.price"] = None
        self.fields["refund_line_items.quantity"] = None

    def derivation(self) -> Derivation:
        terms = []
        if self.items:
            terms.append(add(Label.REFUNDED_ITEMS, self.items))
        if self.subtotal:
            terms.append(add(Label.SUBTOTAL, self.subtotal))
            if self.discounts:
                terms.append(sub(Label.DISCOUNTS, self.discounts))
        if self.tax:
            terms.append(seen(Label.TAX, self.tax))
        return Derivation(
            tuple(terms), tuple(self.fields), note=Note.FOREIGN if self.foreign else None
        )


def _quantity(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedPayload(f"missing:{field}" if value is None else f"invalid:{field}")
    return value


def _shopify_refund(
    refund: Mapping[str, Any], received_at: datetime, delivery_id: str | None
) -> OrderEvent | None:
    order_id = _order_id(refund.get("order_id"), "order_id")
    refund_id = _order_id(refund.get("id"))
    transactions = [
        t for t in _list(refund.get("transactions"), "transactions") if isinstance(t, Mapping)
    ]
    presentment = next((t.get("currency") for t in transactions if t.get("currency")), None)
    lines = _RefundLines()
    for line in _list(refund.get("refund_line_items"), "refund_line_items"):
        if not isinstance(line, Mapping):
            raise MalformedPayload("invalid:refund_line_items")
        lines.add(line, presentment)
    derivation = lines.derivation()
    if derivation.result == 0:
        return None  # shipping only, or an adjustment: no product revenue was refunded
    return OrderEvent(
        source=Source.SHOPIFY,
        kind=EventKind.REFUND,
        order_id=order_id,
        occurred_at=_timestamp(refund.get("processed_at") or refund.get("created_at"), received_at),
        currency=lines.currency,
        refund_minor=derivation.result,
        refund_id=refund_id,
        is_test=any(t.get("test") is True for t in transactions),
        delivery_id=delivery_id,
        currency_uncertain=lines.foreign,
        # Scaled to net by the service when the sale was tax-inclusive (it then stored the
        # subtotal with tax as gross); taken as it is otherwise.
        extra={"refund_basis": "gross"},
        derivation=derivation,
    )
