"""WooCommerce v3 order webhooks and the creation ping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from bot.domain.clicks import CLICK_PARAM
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.shop_payloads._common import (
    MalformedPayload,
    _attribute,
    _click_id,
    _codes,
    _email,
    _list,
    _order_id,
    _timestamp,
    currency_code,
    net_share,
    to_minor,
)

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
