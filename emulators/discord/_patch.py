"""Point the installed discord.py at an emulator (or anywhere else)."""

from __future__ import annotations

from bot.discord_endpoints import point_discord_py_at

__all__ = ["point_discord_py_at"]
