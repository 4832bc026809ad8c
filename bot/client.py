"""The discord.py client of creatorbot."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.interactions import NO_MENTIONS, CreatorTree
from bot.translator import TemplateTranslator
from cogs import EXTENSIONS

if TYPE_CHECKING:
    from bot.registry import Services

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Only the non-privileged guilds intent: interactions carry the member data we need."""
    return discord.Intents(guilds=True)


class CreatorBot(commands.Bot):
    """Loads the cogs, installs the translator and syncs the slash commands on start."""

    def __init__(
        self,
        services: Services,
        *,
        sync_commands: bool = True,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        # The bot never joins voice; discord.py would warn about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            tree_cls=CreatorTree,
            help_command=None,
            allowed_mentions=NO_MENTIONS,
            guild_ready_timeout=guild_ready_timeout,
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
