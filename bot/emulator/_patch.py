"""Point the installed discord.py at an emulator (or anywhere else)."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["point_discord_py_at"]


def point_discord_py_at(api_base: str, gateway_url: str) -> Callable[[], None]:
    """Make discord.py use ``api_base`` for REST and ``gateway_url`` for the gateway.

    Sets ``discord.http.Route.BASE`` and
    ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (process-wide).
    Returns a callable that restores the previous values.
    """
    import discord.gateway
    import discord.http
    import yarl

    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def restore() -> None:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore
