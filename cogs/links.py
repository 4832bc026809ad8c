"""``/link`` and ``/code``: a creator's own tracking links and discount code."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import render
from bot.interactions import lang, name_choices, reply, services
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot


class LinksCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    @app_commands.command(name="link", description=text("link.description"))
    @app_commands.guild_only()
    @app_commands.describe(campaign=text("link.options.campaign"))
    async def link(
        self,
        interaction: discord.Interaction,
        campaign: app_commands.Range[str, 1, 80] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        links = await svc.campaigns.links(interaction.guild_id, interaction.user.id, campaign)
        public_url = svc.config.public_url
        await reply(
            interaction,
            render(
                "campaigns.links",
                lang(interaction),
                links=[(link.campaign_name, link.url(public_url)) for link in links],
            ),
        )

    @link.autocomplete("campaign")
    async def _campaign(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).campaigns.campaign_names(interaction.guild_id)
        return name_choices(names, current)

    @app_commands.command(name="code", description=text("code.description"))
    @app_commands.guild_only()
    async def code(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        code = await svc.campaigns.code(interaction.guild_id, interaction.user.id)
        await reply(interaction, render("campaigns.code", lang(interaction), code=code))


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(LinksCog(bot))
