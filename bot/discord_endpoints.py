"""Where discord.py sends its REST calls and opens its gateway connection."""

from __future__ import annotations

from collections.abc import Callable


def point_discord_py_at(api_base: str | None, gateway_url: str | None) -> Callable[[], None]:
    """Send discord.py's REST calls and/or gateway connection elsewhere (proxy, emulator).

    Sets ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` process-wide;
    ``None`` leaves that one alone. Returns a function that restores the previous values.
    """
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    if api_base:
        Route.BASE = api_base.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def restore() -> None:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore
