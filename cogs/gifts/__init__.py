"""Product seeding: gift offers, the creators' answers, shipping and delivery."""

from cogs.gifts._cog import setup

__all__ = ["setup"]
