"""What the shops send, turned into :class:`~bot.domain.orders.OrderEvent`.

Pure functions over decoded JSON (or a form/query mapping): no I/O, no clock of their own —
callers pass ``received_at``, the time the delivery arrived. A payload the program cannot
read raises :class:`MalformedPayload` with a short reason; a payload that is fine but means
nothing to the program (another topic, an order still pending) gives an empty list.

Decisions that move money, per shop:

Shopify (REST order webhooks)
    ``orders/create`` and ``orders/paid`` are both a SALE of the same order id; the conversion
    service keeps the first (idempotent on source and order id). Net revenue is
    ``subtotal_price`` (after discounts, before shipping and tax), read from
    ``subtotal_price_set.shop_money`` whenever the ``*_set`` is there, so a foreign-currency
    checkout is counted in the shop's own currency. ``current_subtotal_price`` is only a
    fallback: it already has refunds taken off, and refunds arrive as their own
    ``refunds/create`` deliveries, so using it could count a refund twice. In a shop whose
    prices include tax (``taxes_included``) the subtotal contains the line items' tax, which is
    taken off again. ``refunds/create`` is a REFUND whose net is the sum of
    ``refund_line_items[].subtotal_set.shop_money`` — the refunded items after discounts,
    nothing else subtracted (shipping and duty refunds are not revenue; a refund without line
    items, e.g. shipping only or a free amount, changes no commission and gives no event).

WooCommerce (REST API v3 order JSON)
    ``processing``/``completed`` → SALE, plus one REFUND per entry of ``refunds[]``;
    ``cancelled``/``failed`` → CANCEL; ``refunded`` → the REFUNDs it lists, then a CANCEL for
    whatever is left; ``pending``, ``on-hold`` and everything else → nothing yet. Net is
    ``total − shipping_total − total_tax`` (``total`` already has the discounts off). Woo's
    refund totals are negative and include the tax of what was refunded, so each refund is
    mapped to its share of net as ``|refund| × net / (net + the items' tax)``, rounded
    half-up, never more than the net — exact for the usual refund of items with their tax; a
    refund that also returns shipping reverses a little more than its net share. (A full
    refund turns the order ``refunded``, whose CANCEL is exact.)

Stripe (events)
    ``checkout.session.completed`` (and ``checkout.session.async_payment_succeeded``, which
    completes delayed payment methods such as SEPA debit) with ``payment_status == "paid"`` →
    SALE. Its order id is the session's ``payment_intent`` when there is one — refunds arrive
    on the charge, which names the payment intent, not the session — else the session id
    (subscription and setup sessions; their refunds cannot be matched). Net is
    ``amount_subtotal − total_details.amount_discount``. Codes come from ``metadata.code``,
    ``metadata.promo_code`` or ``metadata.cb_code``: a session does not carry the customer's
    promotion code text, only a ``promo_…`` id that can never match a creator's code, so brands
    that want code attribution put the code into the session's metadata (an expanded
    ``discounts[].promotion_code`` object with a ``code`` is used too). ``charge.refunded``:
    a fully refunded charge is a CANCEL (exact, whatever tax and shipping were). A partial
    refund is one REFUND per refund in ``refunds.data`` (older API versions; each with its own
    id), else one REFUND for the increase over ``previous_attributes.amount_refunded`` with
    id ``{charge}:{amount_refunded}``. A charge does not say how much of it was net revenue,
    so a partial refund is passed on gross — ``refund_minor`` is the refunded amount, with
    ``extra["gross_minor"]`` (the charge amount) and ``extra["refund_basis"] = "gross"`` — and
    the sale carries its own ``extra["gross_minor"]`` (what the customer paid), from which the
    conversion service takes the net share ``refund × sale net / sale gross``.

Postback
    ``order_id``, ``amount`` (a decimal string, the net amount), ``currency``, ``event``
    (``sale`` by default, ``lead``, ``refund``), ``click_id`` and/or ``code``, optional
    ``refund_id`` (default ``{order_id}:{amount}``), ``email`` and ``test``.

Money arrives as decimal strings (or Stripe's integer minor units) and becomes integer minor
units of the currency's ISO precision with :class:`~decimal.Decimal`, rounded half-up; a float
is never involved (:func:`decode_json` parses JSON numbers with a fraction as ``Decimal``;
integers, including 64-bit order ids, stay exact).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from babel.numbers import get_currency_precision, list_currencies

from bot.domain.clicks import CLICK_PARAM
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.errors import CreatorbotError

MAX_MINOR = 10**15  # far above any real order; refuses "1e30" before it reaches the ledger
_CLICK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ORDER_ID = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces
_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class MalformedPayload(CreatorbotError):
    """A shop sent something the program cannot read as an order.

    Attributes:
        reason: a short machine-readable reason, e.g. ``"missing:id"`` or ``"json"``; answered
            to the sender and logged, never containing values from the payload.
    """

    key = "webhooks.malformed"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)
        self.reason = reason


# -- shared helpers -------------------------------------------------------------------------


def decode_json(body: bytes) -> dict[str, Any]:
    """The JSON object in ``body``; fractions become ``Decimal``, integers stay exact."""
    try:
        value = json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        raise MalformedPayload("json") from None
    if not isinstance(value, dict):
        raise MalformedPayload("json_object_expected")
    return value


def _refuse_constant(_name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON numbers")


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_code(value: Any, field: str = "currency") -> str:
    """An ISO 4217 code, upper-cased (Stripe sends ``"eur"``)."""
    if not isinstance(value, str):
        raise MalformedPayload(f"missing:{field}" if value is None else f"invalid:{field}")
    code = value.strip().upper()
    if code not in _currencies():
        raise MalformedPayload(f"invalid:{field}")
    return code


def _decimal(value: Any, field: str) -> Decimal:
    if value is None:
        raise MalformedPayload(f"missing:{field}")
    if isinstance(value, bool):
        raise MalformedPayload(f"invalid:{field}")
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest text of the float, not its binary value
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 32:
            raise MalformedPayload(f"invalid:{field}")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise MalformedPayload(f"invalid:{field}") from None
    else:
        raise MalformedPayload(f"invalid:{field}")
    if not number.is_finite():
        raise MalformedPayload(f"invalid:{field}")
    return number


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_minor(value: Any, currency: str, field: str, *, signed: bool = False) -> int:
    """A decimal amount (``"12.34"``) → integer minor units of ``currency``, rounded half-up.

    Negative amounts are refused unless ``signed``.
    """
    number = _decimal(value, field) * (10 ** get_currency_precision(currency))
    if abs(number) >= MAX_MINOR or (number < 0 and not signed):
        raise MalformedPayload(f"invalid:{field}")
    return _round_half_up(number)


def net_share(refund_gross: int, net: int, gross: int) -> int:
    """The part of a gross refund that was net revenue: ``refund × net / gross``, rounded
    half-up and never more than ``net``."""
    if gross <= 0:
        return min(refund_gross, net)
    share = Decimal(refund_gross) * Decimal(net) / Decimal(gross)
    return max(0, min(net, _round_half_up(share)))


def _object(value: Any, field: str, *, required: bool = False) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if value is None and not required:
        return {}
    raise MalformedPayload(f"missing:{field}" if value is None else f"invalid:{field}")


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload(f"invalid:{field}")
    return value


def _order_id(value: Any, field: str = "id") -> str:
    """An id as exact text: JSON integers (64-bit Shopify ids) or strings."""
    if isinstance(value, bool) or value is None:
        raise MalformedPayload(f"missing:{field}" if value is None else f"invalid:{field}")
    if isinstance(value, int):
        if value <= 0:
            raise MalformedPayload(f"invalid:{field}")
        return str(value)
    if isinstance(value, str) and _ORDER_ID.fullmatch(value.strip()):
        return value.strip()
    raise MalformedPayload(f"invalid:{field}")


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _click_id(value: Any) -> str | None:
    """A click id if ``value`` has the shape of one; junk is dropped, not an error (the order
    then falls back to its discount code)."""
    text = _text(value)
    return text if text is not None and _CLICK_ID.fullmatch(text) else None


def _codes(values: Iterable[Any]) -> tuple[str, ...]:
    codes: dict[str, None] = {}
    for value in values:
        text = _text(value)
        if text is not None and _CODE.fullmatch(text):
            codes.setdefault(text.upper(), None)
    return tuple(codes)


def _email(*values: Any) -> str | None:
    for value in values:
        text = _text(value)
        if text is not None and "@" in text and len(text) <= 320:
            return text
    return None


def _timestamp(value: Any, received_at: datetime) -> datetime:
    """When the shop says it happened — an ISO 8601 text (naive means UTC, as Woo's
    ``*_gmt`` fields) or epoch seconds — never later than ``received_at``; the receipt time
    when the shop gives none or an unreadable one."""
    when: datetime | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            when = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            when = None
    elif isinstance(value, str) and value.strip():
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            when = None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    if when is None:
        return received_at
    return min(when.astimezone(UTC), received_at)


def _click_from_url(url: Any) -> str | None:
    text = _text(url)
    if text is None:
        return None
    try:
        query = urlsplit(text).query
    except ValueError:
        return None
    values = parse_qs(query).get(CLICK_PARAM)
    return _click_id(values[-1]) if values else None


def _attribute(items: Any, names: Iterable[str]) -> str | None:
    """The value of the first ``{name|key: …, value: …}`` entry named one of ``names``."""
    wanted = set(names)
    if not isinstance(items, list):
        return None
    for item in items:
        if not isinstance(item, Mapping):
            continue
        name = item.get("name", item.get("key"))
        if name in wanted:
            value = _text(item.get("value"))
            if value is not None:
                return value
    return None


# -- Shopify --------------------------------------------------------------------------------

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
    if order.get("taxes_included") is True:
        net = max(0, net - _shopify_tax_in_lines(order, currency))
    customer = order.get("customer")
    extra: dict[str, str] = {}
    gross = _shopify_money(order, "total_price", shop_currency, presentment)
    if gross is not None and gross[1] == currency:
        extra["gross_minor"] = str(gross[0])
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
    )


# -- WooCommerce ----------------------------------------------------------------------------

WOO_SALE_STATUSES = frozenset({"processing", "completed"})
WOO_CANCEL_STATUSES = frozenset({"cancelled", "failed"})
WOO_REFUNDED = "refunded"


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
    gross = to_minor(order.get("total"), currency, "total")
    shipping = to_minor(order.get("shipping_total") or "0", currency, "shipping_total")
    tax = to_minor(order.get("total_tax") or "0", currency, "total_tax")
    net = max(0, gross - shipping - tax)
    shipping_tax = to_minor(order.get("shipping_tax") or "0", currency, "shipping_tax")
    items_gross = max(0, gross - shipping - shipping_tax)  # net plus the items' tax
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
                delivery_id=delivery_id,
                extra={"gross_minor": str(gross)},
            )
        )
    for refund in _list(order.get("refunds"), "refunds"):
        if not isinstance(refund, Mapping):
            raise MalformedPayload("invalid:refunds")
        refund_gross = abs(to_minor(refund.get("total"), currency, "refunds.total", signed=True))
        if refund_gross == 0:
            continue
        events.append(
            OrderEvent(
                source=Source.WOOCOMMERCE,
                kind=EventKind.REFUND,
                order_id=order_id,
                occurred_at=changed_at,
                currency=currency,
                refund_minor=net_share(refund_gross, net, items_gross),
                refund_id=_order_id(refund.get("id"), "refunds.id"),
                delivery_id=delivery_id,
                extra={"refund_gross_minor": str(refund_gross)},
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


# -- Stripe ---------------------------------------------------------------------------------

STRIPE_SALE_TYPES = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
)
STRIPE_REFUND_TYPE = "charge.refunded"
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
    if kind not in STRIPE_SALE_TYPES and kind != STRIPE_REFUND_TYPE:
        return []
    data = _object(event.get("data"), "data", required=True)
    obj = _object(data.get("object"), "data.object", required=True)
    delivery_id = _text(event.get("id"))
    occurred_at = _timestamp(event.get("created"), received_at)
    is_test = event.get("livemode") is False or obj.get("livemode") is False
    if kind in STRIPE_SALE_TYPES:
        sale = _stripe_sale(obj, occurred_at, is_test, delivery_id)
        return [] if sale is None else [sale]
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
    currency = currency_code(session.get("currency"))
    subtotal = stripe_minor(session.get("amount_subtotal"), currency, "amount_subtotal")
    totals = _object(session.get("total_details"), "total_details")
    discount = stripe_minor(
        totals.get("amount_discount", 0), currency, "total_details.amount_discount"
    )
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
    if session.get("amount_total") is not None:
        extra["gross_minor"] = str(
            stripe_minor(session.get("amount_total"), currency, "amount_total")
        )
    return OrderEvent(
        source=Source.STRIPE,
        kind=EventKind.SALE,
        order_id=order_id,
        occurred_at=occurred_at,
        currency=currency,
        net_minor=max(0, subtotal - discount),
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
        is_test=is_test,
        delivery_id=delivery_id,
        extra=extra,
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
    currency = currency_code(charge.get("currency"))
    amount = stripe_minor(charge.get("amount"), currency, "amount")
    refunded = stripe_minor(charge.get("amount_refunded"), currency, "amount_refunded")
    if refunded <= 0:
        return []
    if refunded >= amount:
        return [
            OrderEvent(
                source=Source.STRIPE,
                kind=EventKind.CANCEL,
                order_id=order_id,
                occurred_at=occurred_at,
                currency=currency,
                is_test=is_test,
                delivery_id=delivery_id,
            )
        ]
    extra = {"gross_minor": str(amount), "refund_basis": "gross", "charge": charge_id}

    def refund(refund_id: str, minor: int, when: datetime) -> OrderEvent:
        return OrderEvent(
            source=Source.STRIPE,
            kind=EventKind.REFUND,
            order_id=order_id,
            occurred_at=when,
            currency=currency,
            refund_minor=minor,
            refund_id=refund_id,
            is_test=is_test,
            delivery_id=delivery_id,
            extra=dict(extra),
        )

    listed = charge.get("refunds")
    if isinstance(listed, Mapping) and isinstance(listed.get("data"), list):
        events = []
        for item in listed["data"]:
            if not isinstance(item, Mapping):
                raise MalformedPayload("invalid:refunds.data")
            if item.get("status") in ("failed", "canceled"):
                continue
            minor = stripe_minor(item.get("amount"), currency, "refunds.data.amount")
            if minor > 0:
                when = _timestamp(item.get("created"), occurred_at)
                events.append(refund(_order_id(item.get("id"), "refunds.data.id"), minor, when))
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
    return [refund(f"{charge_id}:{refunded}", increase, occurred_at)]


# -- postback -------------------------------------------------------------------------------

POSTBACK_EVENTS = {"sale": EventKind.SALE, "lead": EventKind.LEAD, "refund": EventKind.REFUND}
_TRUE = frozenset({"1", "true", "yes", "on"})


def _param(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list):  # parse_qs style
        value = value[-1] if value else None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = str(value)
    return _text(value)


def postback_event(params: Mapping[str, Any], *, received_at: datetime) -> OrderEvent:
    """The event of one server-to-server postback (query string, form or JSON fields)."""
    event_name = (_param(params, "event") or "sale").lower()
    kind = POSTBACK_EVENTS.get(event_name)
    if kind is None:
        raise MalformedPayload("invalid:event")
    order_id = _order_id(_param(params, "order_id"), "order_id")
    amount_text = _param(params, "amount")
    currency: str | None = None
    amount: int | None = None
    if amount_text is not None or kind is not EventKind.LEAD:
        currency = currency_code(_param(params, "currency"))
        amount = to_minor(amount_text, currency, "amount")
    elif _param(params, "currency") is not None:
        currency = currency_code(_param(params, "currency"))
    refund_id = None
    if kind is EventKind.REFUND:
        refund_id = _param(params, "refund_id") or f"{order_id}:{amount_text}"
        refund_id = _order_id(refund_id, "refund_id")
    code = _param(params, "code")
    return OrderEvent(
        source=Source.POSTBACK,
        kind=kind,
        order_id=order_id,
        occurred_at=received_at,
        currency=currency,
        net_minor=amount if kind is not EventKind.REFUND else None,
        refund_minor=amount if kind is EventKind.REFUND else None,
        refund_id=refund_id,
        click_id=_click_id(_param(params, "click_id") or _param(params, CLICK_PARAM)),
        codes=_codes([code]) if code else (),
        customer_email=_email(_param(params, "email")),
        is_test=(_param(params, "test") or "").lower() in _TRUE,
    )
