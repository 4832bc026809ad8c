"""Clients of the shops' own APIs (outbound HTTP), and what they can fail with."""

from bot.shops._errors import ShopUnavailable

__all__ = ["ShopUnavailable"]
