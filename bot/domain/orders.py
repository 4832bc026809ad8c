"""Shop events as the program understands them, whatever shop sent them.

Every ingest path (Shopify, WooCommerce and Stripe webhooks, the postback, the CSV import,
manual corrections) turns its input into :class:`OrderEvent` and hands it to the conversion
service, which attributes it and moves the money.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.derivation import Derivation


class EventKind(StrEnum):
    SALE = "sale"  # an order that pays commission (once per order and source)
    LEAD = "lead"  # a sign-up or other non-order conversion (CPL plans)
    REFUND = "refund"  # part or all of an order's net amount was refunded
    CANCEL = "cancel"  # the whole order was cancelled
    # Not money: the sender will name this order by other ids too (``refs``), e.g. Stripe's
    # payment of the first invoice of a subscription sold through Checkout.
    ALIAS = "alias"


class Source(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    STRIPE = "stripe"
    POSTBACK = "postback"
    CSV = "csv"
    MANUAL = "manual"


@dataclass(frozen=True)
class OrderEvent:
    """One thing that happened to an order.

    Amounts are integer minor units of ``currency``. For a SALE or LEAD, ``net_minor`` is the
    subtotal after discounts without shipping and tax. For a REFUND, ``refund_minor`` is the
    refunded part of that net amount and ``refund_id`` identifies the refund so a repeated
    delivery is not counted twice. A CANCEL reverses whatever is left of the order.

    ``refs`` are other ids of the same order that later events may name it by (Stripe: the
    invoice of a subscription's Checkout session, the payment of that invoice). An ALIAS
    carries nothing else: ``order_id`` is an id the order may already be known by, ``refs``
    the new ones.
    """

    source: Source
    kind: EventKind
    order_id: str
    occurred_at: datetime
    currency: str | None = None
    net_minor: int | None = None
    refund_minor: int | None = None
    refund_id: str | None = None
    click_id: str | None = None
    codes: tuple[str, ...] = ()
    customer_email: str | None = None
    # The shop's own ids of the customer, namespaced (``shopify:customer:42``,
    # ``stripe:subscription:sub_…``): hashed with the e-mail into the customer's keys, never
    # stored as they are.
    customer_ids: tuple[str, ...] = ()
    is_test: bool = False
    delivery_id: str | None = None  # the sender's id of this delivery, kept for audit
    # Set when the sender could not give the amount in the shop's own currency (e.g. a
    # Shopify order without shop money in a foreign presentment currency): held, not guessed.
    currency_uncertain: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    refs: tuple[str, ...] = ()
    # How ``net_minor`` or ``refund_minor`` was computed from the payload, for /conversion
    # info. A REFUND's ``currency`` may be ``None``: the amounts are in the sale's own
    # (shop) currency, which the payload does not name.
    derivation: Derivation | None = None
    # The site the customer came from (Shopify's ``referring_site``, WooCommerce's order
    # attribution referrer), for DirectLink: as the shop sent it, never logged.
    referrer: str | None = None


class IngestOutcome(StrEnum):
    """What the conversion service did with an event (answered to the sender as 200)."""

    RECORDED = "recorded"  # a new conversion or adjustment was committed
    DUPLICATE = "duplicate"  # seen before: nothing changed
    IGNORED = "ignored"  # nothing to do (e.g. a topic or status the program does not use)
