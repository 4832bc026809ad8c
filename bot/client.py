"""The discord.py client of creatorbot."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
import yarl
from discord.ext import commands

from bot.interactions import NO_MENTIONS, CreatorTree
from bot.translator import TemplateTranslator
from cogs import EXTENSIONS

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


def point_discord_py_at(api_base: str | None, gateway_url: str | None) -> Callable[[], None]:
    """Send discord.py's REST calls and gateway connection to another server.

    Used for a proxy or the local emulator. Returns a function that restores the defaults.
    """
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


def intents() -> discord.Intents:
    """Only the non-privileged guilds intent: interactions carry the member data we need."""
    return discord.Intents(guilds=True)


class CreatorBot(commands.Bot):
    """Loads the cogs, installs the translator and syncs the slash commands on start."""

    def __init__(self, services: Services, *, sync_commands: bool = True) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            tree_cls=CreatorTree,
            help_command=None,
            allowed_mentions=NO_MENTIONS,
        )
        self.services = services
        self.sync_commands = sync_commands

    async def setup_hook(self) -> None:
        await self.tree.set_translator(TemplateTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.sync_commands:
            synced = await self.tree.sync()
            log.info("synced %d application commands", len(synced))

    async def on_ready(self) -> None:
        log.info("connected as %s to %d servers", self.user, len(self.guilds))
