"""Errors of the shop API clients."""

from __future__ import annotations

from bot.errors import CreatorbotError


class ShopUnavailable(CreatorbotError):
    """A shop's API could not answer (network, timeout, 5xx, or refused our keys).

    Attributes:
        shop: ``woocommerce``, ``shopify`` or ``stripe``.
        status: the HTTP status, or ``None`` when no answer came.
    """

    key = "errors.shop_unavailable"

    def __init__(self, shop: str, status: int | None, reason: str) -> None:
        super().__init__(shop=shop, status=status, reason=reason)
        self.shop = shop
        self.status = status
        self.reason = reason
