"""What creatorbot asks of a shop about discount codes: the one interface every shop client
(Shopify, WooCommerce, Stripe) implements, so code sync never knows which shop it talks to.

A creator's code becomes a percent-off code in the shop. The shop's own id for it is kept
(:class:`ShopCode`) so that pausing, resuming and removing act on exactly that code, and a
code created earlier by creatorbot is recognised instead of created twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ShopKind(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    STRIPE = "stripe"


@dataclass(frozen=True)
class CodeSpec:
    """The code to create: ``code`` (e.g. ``ANNABAKES15``) for ``percent`` off everything,
    for all customers; ``once_per_customer`` limits each customer to one use. ``title`` names
    the creator and the program (the shop's admin shows it). ``idempotency_key`` is stable
    for one creator's code in one shop, so a retried create never makes two."""

    code: str
    percent: int
    title: str
    once_per_customer: bool
    idempotency_key: str


@dataclass(frozen=True)
class ShopCode:
    """A code as the shop holds it: the shop's id (Shopify's discount node gid, WooCommerce's
    coupon id, Stripe's promotion code id) and whether it is active."""

    shop: ShopKind
    shop_id: str
    code: str
    active: bool


class CodeTaken(Exception):
    """The shop already has this code and it is not one creatorbot created (Shopify's
    ``userErrors`` "must be unique", WooCommerce's
    ``woocommerce_rest_coupon_code_already_exists``, Stripe's ``resource_already_exists``
    for another coupon): never overwritten or adopted; the caller tries the next variant."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class CodeShop(Protocol):
    """One shop's discount codes. Every method raises
    :class:`~bot.shops._errors.ShopUnavailable` when the shop cannot answer (network, 5xx,
    keys refused, still throttled after backing off as the shop asks)."""

    kind: ShopKind

    async def create_code(self, spec: CodeSpec) -> ShopCode:
        """Create the code; :class:`CodeTaken` if the shop has it already (not ours)."""
        ...

    async def set_active(self, code: ShopCode, active: bool) -> ShopCode:
        """Activate or deactivate exactly this code (pause, resume, remove)."""
        ...

    async def find_code(self, code: str) -> ShopCode | None:
        """The shop's code with this text, if any (to recognise one we made before)."""
        ...

    async def update_code(self, code: ShopCode, spec: CodeSpec) -> ShopCode:
        """Give the existing code ``spec``'s percentage and once-per-customer rule, keeping
        its text and whether it is active. Safe to repeat: a code already on those terms
        is left as it is. The result may have a new ``shop_id`` (a shop whose discounts
        cannot be changed in place)."""
        ...
