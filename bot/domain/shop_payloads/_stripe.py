"""Stripe Checkout and refund events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from babel.numbers import get_currency_precision

from bot.domain.clicks import CLICK_PARAM
from bot.domain.derivation import Derivation, Label, Note, add, seen, sub
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.shop_payloads._common import (
    MAX_MINOR,
    MalformedPayload,
    _click_id,
    _codes,
    _customer_ids,
    _email,
    _list,
    _object,
    _order_id,
    _round_half_up,
    _text,
    _timestamp,
    currency_code,
)

STRIPE_SALE_TYPES = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
)
STRIPE_REFUND_TYPE = "charge.refunded"
# Payments of invoices: they name the payment that a refund of a subscription's first invoice
# will arrive on. ``invoice_payment.paid`` from API version 2025-03-31 on; before it, the paid
# invoice names its payment intent and charge itself.
STRIPE_INVOICE_TYPES = frozenset(
    {"invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded"}
)
# A paid invoice of a subscription's later period is a sale of its own: it earns when the
# customer's creator is on a recurring plan. (The first invoice's sale is its Checkout
# session; invoices of plan changes and one-off invoices earn nothing.)
RENEWALS = frozenset({"subscription_cycle"})
_STRIPE_TYPES = STRIPE_SALE_TYPES | STRIPE_INVOICE_TYPES | {STRIPE_REFUND_TYPE}
# Stripe's own exponents where they differ from ISO 4217 (https://docs.stripe.com/currencies):
# these are zero-decimal in Stripe's API; ISK is sent as two-decimal for backwards
# compatibility; every other currency uses ISO's exponent (two or three decimals).
_STRIPE_ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()
)
_STRIPE_TWO_DECIMAL = frozenset({"ISK"})


def stripe_minor(value: Any, currency: str, field: str) -> int:
    """A Stripe integer amount in Stripe's unit for ``currency`` → our minor units."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedPayload(f"missing:{field}" if value is None else f"invalid:{field}")
    if not 0 <= value < MAX_MINOR:
        raise MalformedPayload(f"invalid:{field}")
    ours = get_currency_precision(currency)
    if currency in _STRIPE_ZERO_DECIMAL:
        theirs = 0
    elif currency in _STRIPE_TWO_DECIMAL:
        theirs = 2
    else:
        theirs = ours
    if theirs == ours:
        return value
    return _round_half_up(Decimal(value).scaleb(ours - theirs))


def _stripe_id(value: Any, field: str) -> str | None:
    """An id, or the ``id`` of an expanded object."""
    if isinstance(value, Mapping):
        value = value.get("id")
    if value is None:
        return None
    return _order_id(value, field)


def stripe_events(event: Mapping[str, Any], *, received_at: datetime) -> list[OrderEvent]:
    """The events of one Stripe event delivery; an empty list for other event types."""
    kind = event.get("type")
    if not isinstance(kind, str):
        raise MalformedPayload("missing:type")
    if kind not in _STRIPE_TYPES:
        return []
    data = _object(event.get("data"), "data", required=True)
    obj = _object(data.get("object"), "data.object", required=True)
    delivery_id = _text(event.get("id"))
    occurred_at = _timestamp(event.get("created"), received_at)
    is_test = event.get("livemode") is False or obj.get("livemode") is False
    if kind in STRIPE_SALE_TYPES:
        sale = _stripe_sale(obj, occurred_at, is_test, delivery_id)
        return [] if sale is None else [sale]
    if kind in STRIPE_INVOICE_TYPES:
        if obj.get("object") != "invoice_payment" and obj.get("billing_reason") in RENEWALS:
            renewal = _stripe_renewal(obj, occurred_at, is_test, delivery_id)
            return [] if renewal is None else [renewal]
        alias = _stripe_invoice_payment(obj, occurred_at, is_test, delivery_id)
        return [] if alias is None else [alias]
    previous = _object(data.get("previous_attributes"), "data.previous_attributes")
    return _stripe_refunds(obj, previous, occurred_at, is_test, delivery_id)


def _stripe_sale(
    session: Mapping[str, Any], occurred_at: datetime, is_test: bool, delivery_id: str | None
) -> OrderEvent | None:
    if session.get("payment_status") != "paid":
        return None  # unpaid (delayed payment methods) or free: nothing earned yet
    order_id = _stripe_id(session.get("payment_intent"), "payment_intent") or _order_id(
        session.get("id"), "id"
    )
    derivation, currency, paid = _stripe_net(session)
    metadata = _object(session.get("metadata"), "metadata")
    customer = _object(session.get("customer_details"), "customer_details")
    promotion_codes = (
        promo.get("code")
        for item in _list(session.get("discounts"), "discounts")
        if isinstance(item, Mapping)
        for promo in (item.get("promotion_code"),)
        if isinstance(promo, Mapping)
    )
    extra: dict[str, str] = {"checkout_session": str(session.get("id"))}
    # A subscription's session has no payment intent: its first invoice's payment, which a
    # refund names, is linked through the invoice (see _stripe_invoice_payment).
    invoice = _stripe_id(session.get("invoice"), "invoice")
    extra["gross_minor"] = str(paid)
    return OrderEvent(
        source=Source.STRIPE,
        kind=EventKind.SALE,
        order_id=order_id,
        occurred_at=occurred_at,
        currency=currency,
        net_minor=derivation.result,
        click_id=_click_id(metadata.get(CLICK_PARAM))
        or _click_id(session.get("client_reference_id")),
        codes=_codes(
            [
                metadata.get("code"),
                metadata.get("promo_code"),
                metadata.get("cb_code"),
                *promotion_codes,
            ]
        ),
        customer_email=_email(customer.get("email"), session.get("customer_email")),
        customer_ids=_customer_ids(
            "stripe", customer=session.get("customer"), subscription=session.get("subscription")
        ),
        is_test=is_test,
        delivery_id=delivery_id,
        extra=extra,
        refs=(invoice,) if invoice and invoice != order_id else (),
        derivation=derivation,
    )


def _stripe_net(session: Mapping[str, Any]) -> tuple[Derivation, str, int]:
    """The session's net revenue, its currency, and what the customer paid in it.

    Net is ``amount_total − shipping − tax``: right whether prices include tax or not (with
    inclusive prices ``amount_subtotal`` contains the tax; with exclusive ones it does not).
    Shipping is taken without its own tax (``shipping_cost``), which ``amount_tax`` already
    holds. Adaptive Pricing sessions of API versions before 2025-03-31 are in the customer's
    currency and carry the merchant's in ``currency_conversion``: net is converted at the
    session's own rate, ``amount_total`` there over ``amount_total`` here.
    """
    currency = currency_code(session.get("currency"))
    total = stripe_minor(session.get("amount_total"), currency, "amount_total")
    subtotal = stripe_minor(session.get("amount_subtotal"), currency, "amount_subtotal")
    totals = _object(session.get("total_details"), "total_details")
    discount = stripe_minor(
        totals.get("amount_discount") or 0, currency, "total_details.amount_discount"
    )
    tax = stripe_minor(totals.get("amount_tax") or 0, currency, "total_details.amount_tax")
    shipping_field = "total_details.amount_shipping"
    shipping = stripe_minor(totals.get("amount_shipping") or 0, currency, shipping_field)
    cost = _object(session.get("shipping_cost"), "shipping_cost")
    if cost.get("amount_total") is not None and cost.get("amount_tax") is not None:
        shipping_field = "shipping_cost"
        shipping = max(
            0,
            stripe_minor(cost["amount_total"], currency, "shipping_cost.amount_total")
            - stripe_minor(cost["amount_tax"], currency, "shipping_cost.amount_tax"),
        )
    fields = ("amount_total", "total_details.amount_tax", shipping_field)
    net = total - shipping - tax
    if subtotal - discount == net:  # exclusive prices: the tax came on top
        terms = (
            add(Label.SUBTOTAL, subtotal),
            sub(Label.DISCOUNTS, discount),
            seen(Label.TAX, tax),
            seen(Label.SHIPPING, shipping),
        )
    elif subtotal - discount - tax == net:  # inclusive prices: the tax is inside them
        terms = (
            add(Label.SUBTOTAL, subtotal),
            sub(Label.DISCOUNTS, discount),
            sub(Label.TAX_INCLUDED, tax),
            seen(Label.SHIPPING, shipping),
        )
    else:
        terms = (add(Label.TOTAL, total), sub(Label.SHIPPING, shipping), sub(Label.TAX, tax))
    derivation = Derivation(terms, fields)
    conversion = _object(session.get("currency_conversion"), "currency_conversion")
    if not conversion:
        return derivation, currency, total
    source = currency_code(conversion.get("source_currency"), "currency_conversion.source_currency")
    source_total = stripe_minor(
        conversion.get("amount_total"), source, "currency_conversion.amount_total"
    )
    converted = Derivation(
        terms, (*fields, "currency_conversion"), note=Note.CONVERTED, currency=currency
    ).scaled(source_total, total)
    return converted, source, source_total


def _stripe_renewal(
    invoice: Mapping[str, Any], occurred_at: datetime, is_test: bool, delivery_id: str | None
) -> OrderEvent | None:
    """A paid renewal invoice as a SALE of its own (order id: the invoice), named also by the
    payment it was paid with where the API version still puts it on the invoice; ``None``
    for a renewal that cost nothing (a trial, a 100 % discount)."""
    invoice_id = _order_id(invoice.get("id"), "id")
    currency = currency_code(invoice.get("currency"))
    paid = stripe_minor(invoice.get("amount_paid"), currency, "amount_paid")
    if paid == 0:
        return None
    total = stripe_minor(invoice.get("total"), currency, "total")
    if invoice.get("total_excluding_tax") is not None:
        net = stripe_minor(invoice.get("total_excluding_tax"), currency, "total_excluding_tax")
        fields: tuple[str, ...] = ("total", "total_excluding_tax")
    else:
        taxes = [t for t in _list(invoice.get("total_taxes"), "total_taxes") if t]
        tax = sum(
            stripe_minor(t.get("amount"), currency, "total_taxes.amount")
            for t in taxes
            if isinstance(t, Mapping)
        ) or stripe_minor(invoice.get("tax") or 0, currency, "tax")
        net = total - tax
        fields = ("total", "total_taxes" if taxes else "tax")
    if not 0 <= net <= total:
        raise MalformedPayload("invalid:total_excluding_tax")
    derivation = Derivation((add(Label.TOTAL, total), sub(Label.TAX, total - net)), fields)
    parent = _object(invoice.get("parent"), "parent")
    details = _object(parent.get("subscription_details"), "parent.subscription_details")
    subscription = invoice.get("subscription") or details.get("subscription")
    paid_with = (
        _stripe_id(invoice.get("payment_intent"), "payment_intent"),
        _stripe_id(invoice.get("charge"), "charge"),
    )
    return OrderEvent(
        source=Source.STRIPE,
        kind=EventKind.SALE,
        order_id=invoice_id,
        occurred_at=occurred_at,
        currency=currency,
        net_minor=derivation.result,
        customer_email=_email(invoice.get("customer_email")),
        customer_ids=_customer_ids(
            "stripe", customer=invoice.get("customer"), subscription=subscription
        ),
        is_test=is_test,
        delivery_id=delivery_id,
        extra={"gross_minor": str(paid), "billing_reason": "subscription_cycle"},
        refs=tuple(ref for ref in paid_with if ref and ref != invoice_id),
        derivation=derivation,
    )


def _stripe_invoice_payment(
    obj: Mapping[str, Any], occurred_at: datetime, is_test: bool, delivery_id: str | None
) -> OrderEvent | None:
    """The ids an invoice was paid with (payment intent, or a charge without one), as an
    ALIAS of the invoice; ``None`` when the object names no payment (API versions from
    2025-03-31 leave it out of the invoice, and send ``invoice_payment.paid`` for it)."""
    if obj.get("object") == "invoice_payment":
        invoice = _stripe_id(obj.get("invoice"), "invoice")
        payment = _object(obj.get("payment"), "payment")
        paid_with = [
            _stripe_id(payment.get("payment_intent"), "payment.payment_intent"),
            _stripe_id(payment.get("charge"), "payment.charge"),
        ]
    else:
        invoice = _order_id(obj.get("id"), "id")
        paid_with = [
            _stripe_id(obj.get("payment_intent"), "payment_intent"),
            _stripe_id(obj.get("charge"), "charge"),
        ]
    refs = tuple(ref for ref in paid_with if ref)
    if invoice is None or not refs:
        return None
    return OrderEvent(
        Source.STRIPE,
        EventKind.ALIAS,
        invoice,
        occurred_at,
        is_test=is_test,
        delivery_id=delivery_id,
        refs=refs,
    )


def _stripe_refunds(
    charge: Mapping[str, Any],
    previous: Mapping[str, Any],
    occurred_at: datetime,
    is_test: bool,
    delivery_id: str | None,
) -> list[OrderEvent]:
    charge_id = _order_id(charge.get("id"), "id")
    order_id = _stripe_id(charge.get("payment_intent"), "payment_intent") or charge_id
    # API versions before 2025-03-31 name the charge's invoice: a subscription's first invoice
    # is linked to its Checkout session, so the refund is found even without invoice events.
    invoice = _stripe_id(charge.get("invoice"), "invoice")
    refs = (invoice,) if invoice else ()
    currency = currency_code(charge.get("currency"))
    amount = stripe_minor(charge.get("amount"), currency, "amount")
    refunded = stripe_minor(charge.get("amount_refunded"), currency, "amount_refunded")
    if refunded <= 0:
        return []
    event = partial(
        OrderEvent,
        source=Source.STRIPE,
        order_id=order_id,
        currency=currency,
        is_test=is_test,
        delivery_id=delivery_id,
        refs=refs,
    )
    if refunded >= amount:
        return [event(kind=EventKind.CANCEL, occurred_at=occurred_at)]
    extra = {"gross_minor": str(amount), "refund_basis": "gross", "charge": charge_id}

    def refund(refund_id: str, minor: int, when: datetime, field: str) -> OrderEvent:
        return event(
            kind=EventKind.REFUND,
            occurred_at=when,
            refund_minor=minor,
            refund_id=refund_id,
            extra=dict(extra),
            derivation=Derivation((add(Label.REFUND, minor),), (field, "amount")),
        )

    listed = charge.get("refunds")
    # An empty list (as some API versions send) says nothing: amount_refunded still does.
    if isinstance(listed, Mapping) and isinstance(listed.get("data"), list) and listed["data"]:
        events = []
        for item in listed["data"]:
            if not isinstance(item, Mapping):
                raise MalformedPayload("invalid:refunds.data")
            if item.get("status") in ("failed", "canceled"):
                continue
            minor = stripe_minor(item.get("amount"), currency, "refunds.data.amount")
            if minor > 0:
                when = _timestamp(item.get("created"), occurred_at)
                refund_id = _order_id(item.get("id"), "refunds.data.id")
                events.append(refund(refund_id, minor, when, "refunds.data.amount"))
        # Stripe lists the newest first; apply them in the order they happened.
        return events[::-1]
    # Newer API versions leave the refund list out; the event's previous_attributes still say
    # how much had been refunded before. Without either, the whole refunded total is the best
    # figure there is (exact unless an earlier partial refund went unseen).
    increase = refunded
    before = previous.get("amount_refunded")
    if before is not None:
        earlier = stripe_minor(before, currency, "previous_attributes.amount_refunded")
        if earlier < refunded:
            increase = refunded - earlier
    # The refunded total after this refund only ever grows, so it names this refund.
    return [refund(f"{charge_id}:{refunded}", increase, occurred_at, "amount_refunded")]


# -- postback -------------------------------------------------------------------------------
