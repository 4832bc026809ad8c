"""Use case: a WooCommerce refund is measured by its own line items when the store's REST
keys are configured.

An order webhook lists its refunds with a total only, which the parser can only estimate
(a refund of shipping or fees alone would count as products). With the keys, each refund
not recorded yet is read from ``GET /wp-json/wc/v3/orders/<id>/refunds/<refund_id>`` and its
net is the refunded line items. When the store cannot answer, the estimate stands, marked
as such for a manager to correct; the webhook is never failed for it (WooCommerce disables a
webhook after repeated failures).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.db.adjustments_repo import AdjustmentRepository
from bot.db.connection import Database
from bot.domain.derivation import Note
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.shop_payloads import MalformedPayload, woocommerce_refund_net
from bot.shops import ShopUnavailable
from bot.shops.woocommerce import WooCommerceAPI

log = logging.getLogger(__name__)


class RefundLines:
    def __init__(
        self, db: Database, adjustments: AdjustmentRepository, woocommerce: WooCommerceAPI | None
    ):
        self._db = db
        self._adjustments = adjustments
        self._woocommerce = woocommerce

    async def exact(self, events: list[OrderEvent]) -> list[OrderEvent]:
        """``events`` with each estimated WooCommerce refund replaced by its real lines,
        where the store can say."""
        if self._woocommerce is None:
            return events
        return [await self._exact(event) for event in events]

    async def _exact(self, event: OrderEvent) -> OrderEvent:
        derivation = event.derivation
        if (
            event.source is not Source.WOOCOMMERCE
            or event.kind is not EventKind.REFUND
            or derivation is None
            or derivation.note is not Note.ESTIMATED
            or event.refund_id is None
            or event.currency is None
        ):
            return event
        source = event.source.value
        if await self._adjustments.refund_known(self._db, source, event.order_id, event.refund_id):
            return event  # a repeat of the order: recorded already, nothing to read again
        assert self._woocommerce is not None
        try:
            refund = await self._woocommerce.refund(event.order_id, event.refund_id)
            if refund is None:
                log.warning("WooCommerce has no refund %s of an order", event.refund_id)
                return event
            exact = woocommerce_refund_net(refund, event.currency)
        except (ShopUnavailable, MalformedPayload) as exc:
            log.warning("WooCommerce refund lines unavailable (%s); kept the estimate", exc.key)
            return event
        return replace(event, refund_minor=exact.result, derivation=exact)
