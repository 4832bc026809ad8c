"""What the shops send, turned into :class:`~bot.domain.orders.OrderEvent`.

Pure functions over decoded JSON (or a form/query mapping): no I/O, no clock of their own —
callers pass ``received_at``, the time the delivery arrived. A payload the program cannot
read raises :class:`MalformedPayload` with a short reason; a payload that is fine but means
nothing to the program (another topic, an order still pending) gives an empty list.

Decisions that move money, per shop. Every SALE and REFUND also carries a
:class:`~bot.domain.derivation.Derivation`: the terms its amount was computed from and the
payload fields read, stored with the conversion and shown by ``/conversion info``. The public
payloads in ``tests/fixtures/shops/`` check each rule.

Shopify (REST order webhooks)
    ``orders/create`` and ``orders/paid`` are both a SALE of the same order id; the conversion
    service keeps the first (idempotent on source and order id). An order is only a sale once
    paid: ``orders/create`` with ``financial_status`` ``pending``, ``authorized``,
    ``partially_paid``, ``expired`` or ``voided`` gives nothing, and the ``orders/paid`` sent at
    capture is the sale. Net revenue is ``subtotal_price`` (after discounts, before shipping
    and tax), read from ``subtotal_price_set.shop_money`` whenever the ``*_set`` is there, so a
    foreign-currency checkout is counted in the shop's own currency. ``current_subtotal_price``
    is only a fallback: it already has refunds taken off, and refunds arrive as their own
    ``refunds/create`` deliveries. In a shop whose prices include tax (``taxes_included``) the
    subtotal contains the line items' tax, which is taken off again. ``refunds/create`` is a
    REFUND whose net is the sum of ``refund_line_items[].subtotal_set.shop_money``; older
    payloads without it are derived from each line's ``line_item``: price × refunded quantity
    less that quantity's share of the line's ``discount_allocations`` (shop money). Only when
    neither is there is the plain ``subtotal`` used, in the currency the transactions name (the
    buyer's): the service holds such a refund for a manager when that is not the sale's
    currency. Shipping and duty refunds are not revenue; a refund without line items changes no
    commission and gives no event. In a tax-inclusive shop refunded amounts contain tax, so the
    sale keeps its subtotal with tax as ``extra["gross_minor"]`` and every refund is sent with
    ``refund_basis = "gross"``: the service takes the refund's share of net.

WooCommerce (REST API order JSON; legacy v3 ``{"order": …}`` bodies are unwrapped)
    ``processing``/``completed`` → SALE, plus one REFUND per entry of ``refunds[]``;
    ``cancelled``/``failed`` → CANCEL; ``refunded`` → the REFUNDs it lists, then a CANCEL for
    whatever is left; ``pending``, ``on-hold`` and everything else → nothing yet. Net is the sum
    of ``line_items[].total`` (after discounts; Woo keeps line totals without tax whether or
    not prices include it): shipping, tax and ``fee_lines`` (gift wrap, payment surcharges) are
    not product revenue. The order's ``refunds[]`` carry only a total (negative, with tax), so
    each refund is estimated as its share of the items with their tax,
    ``|refund| × net / (net + the items' tax)``, and marked estimated: exact for items refunded
    with their tax, too much for a refund of shipping or fees, which a manager corrects with
    ``/conversion refund``. A WooPayments test payment (``_wcpay_mode = test``) is a test order.

Stripe (events)
    ``checkout.session.completed`` (and ``checkout.session.async_payment_succeeded``, which
    completes delayed payment methods such as SEPA debit) with ``payment_status == "paid"`` →
    SALE. Its order id is the session's ``payment_intent`` when there is one — refunds arrive
    on the charge, which names the payment intent, not the session — else the session id
    (subscriptions), with the session's ``invoice`` in ``refs``. The payment of that invoice is
    linked to it by ``invoice_payment.paid`` (API versions from 2025-03-31) or
    ``invoice.paid``/``invoice.payment_succeeded`` (before; the invoice names its
    ``payment_intent`` and ``charge``): an ALIAS event, so the refund of a subscription's
    first payment reaches the session's conversion. A paid invoice with ``billing_reason``
    ``subscription_cycle`` is a renewal: a SALE of its own under the invoice id (net
    ``total_excluding_tax``; the ids it was paid with in ``refs``), which earns when the
    customer's creator is on a recurring plan; its refund reaches it like any other. Net is
    ``amount_total − shipping − total_details.amount_tax``, right for tax-inclusive and
    tax-exclusive prices alike; shipping is ``shipping_cost`` without its own tax, else
    ``total_details.amount_shipping``. An Adaptive Pricing session of an API version before
    2025-03-31 is in the buyer's currency with ``currency_conversion`` giving the merchant's:
    the sale is in ``source_currency``, its net converted at the session's own rate. Codes come
    from ``metadata.code``, ``metadata.promo_code`` or ``metadata.cb_code``: a session does not
    carry the customer's promotion code text, only a ``promo_…`` id that can never match a
    creator's code, so brands that want code attribution put the code into the session's
    metadata (an expanded ``discounts[].promotion_code`` object with a ``code`` is used too).
    ``charge.refunded`` (its ``invoice``, where the API version still sends it, in ``refs``):
    a fully refunded charge is a CANCEL (exact, whatever tax and shipping were). A partial
    refund is one REFUND per refund in ``refunds.data`` (older API versions; each with its own
    id), else — no list, or an empty one — one REFUND for the increase of ``amount_refunded``
    over ``previous_attributes.amount_refunded`` with id ``{charge}:{amount_refunded}``. A
    charge does not say how much of it was net revenue, so a partial refund is passed on gross
    (``refund_basis = "gross"``, with the charge amount as ``extra["gross_minor"]``): the
    service takes ``refund × sale net / amount paid``, which holds in any currency.

The customer
    Every SALE names its customer for returning-customer commissions: ``customer_email`` and
    ``customer_ids``, the shop's own ids namespaced (``shopify:customer:…``,
    ``woocommerce:customer:…`` unless 0, a guest; ``stripe:customer:…`` and
    ``stripe:subscription:…``). The service stores keyed hashes of them, never the values.
    Shopify's ``customers/redact`` privacy webhook names a customer to forget.

Postback
    ``order_id``, ``amount`` (a decimal string, the net amount), ``currency``, ``event``
    (``sale`` by default, ``lead``, ``refund``), ``click_id`` and/or ``code``, optional
    ``refund_id`` (default ``{order_id}:{amount}``), ``email`` and ``test``.

Money arrives as decimal strings (or Stripe's integer minor units) and becomes integer minor
units of the currency's ISO precision with :class:`~decimal.Decimal`, rounded half-up; a float
is never involved (:func:`decode_json` parses JSON numbers with a fraction as ``Decimal``;
integers, including 64-bit order ids, stay exact).
"""

from bot.domain.shop_payloads._common import (
    MAX_MINOR,
    MalformedPayload,
    currency_code,
    decode_json,
    net_share,
    to_minor,
)
from bot.domain.shop_payloads._postback import POSTBACK_EVENTS, postback_event
from bot.domain.shop_payloads._shopify import (
    GIFT_ORDER_TAG,
    SHOPIFY_CUSTOMER_REDACT,
    SHOPIFY_FULFILMENT_TOPICS,
    SHOPIFY_SALE_TOPICS,
    SHOPIFY_TOPICS,
    GiftShipment,
    is_gift_order,
    shopify_events,
    shopify_gift_shipment,
    shopify_redacted_customer,
)
from bot.domain.shop_payloads._stripe import (
    STRIPE_REFUND_TYPE,
    STRIPE_SALE_TYPES,
    stripe_events,
    stripe_minor,
)
from bot.domain.shop_payloads._woocommerce import (
    WOO_CANCEL_STATUSES,
    WOO_REFUNDED,
    WOO_SALE_STATUSES,
    is_woocommerce_ping,
    woocommerce_events,
    woocommerce_refund_net,
)

__all__ = [
    "GIFT_ORDER_TAG",
    "MAX_MINOR",
    "POSTBACK_EVENTS",
    "SHOPIFY_CUSTOMER_REDACT",
    "SHOPIFY_FULFILMENT_TOPICS",
    "SHOPIFY_SALE_TOPICS",
    "SHOPIFY_TOPICS",
    "STRIPE_REFUND_TYPE",
    "STRIPE_SALE_TYPES",
    "WOO_CANCEL_STATUSES",
    "WOO_REFUNDED",
    "WOO_SALE_STATUSES",
    "GiftShipment",
    "MalformedPayload",
    "currency_code",
    "decode_json",
    "is_gift_order",
    "is_woocommerce_ping",
    "net_share",
    "postback_event",
    "shopify_events",
    "shopify_gift_shipment",
    "shopify_redacted_customer",
    "stripe_events",
    "stripe_minor",
    "to_minor",
    "woocommerce_events",
    "woocommerce_refund_net",
]
