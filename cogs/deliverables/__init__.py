"""Contracts, deliverables and reminders."""

from cogs.deliverables._cog import setup

__all__ = ["setup"]
