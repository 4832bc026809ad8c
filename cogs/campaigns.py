"""``/campaign create|list|codes``: destinations of creators' links, and how creators'
codes stand in the connected shops (managers)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import render
from bot.interactions import ManagerGroup, lang, name_choices, reply, services
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot


class CampaignGroup(
    ManagerGroup,
    name="campaign",
    description=text("campaign.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """Manager commands for campaigns."""

    @app_commands.command(name="create", description=text("campaign.create.description"))
    @app_commands.describe(
        name=text("campaign.options.name"),
        url=text("campaign.options.url"),
        plan=text("campaign.options.plan"),
    )
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 2, 80],
        url: app_commands.Range[str, 8, 500],
        plan: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        created = await svc.campaigns.create(
            interaction.guild_id, interaction.user.id, name, url, plan
        )
        await reply(
            interaction,
            render(
                "campaigns.created",
                lang(interaction),
                campaign=created.campaign,
                links=created.links_created,
            ),
        )

    @create.autocomplete("plan")
    async def _plan(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).campaigns.plan_names(interaction.guild_id)
        return name_choices(names, current)

    @app_commands.command(name="list", description=text("campaign.list.description"))
    async def list_(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        overview = await svc.campaigns.overview(interaction.guild_id)
        embed = discord.Embed(
            title=render("campaigns.list_title", lang(interaction)),
            description=render("campaigns.list", lang(interaction), campaigns=overview),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)

    @app_commands.command(name="codes", description=text("campaign.codes.description"))
    async def codes(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        language = lang(interaction)
        settings = await svc.settings.get(interaction.guild_id)
        percent = settings.discount_percent
        tally = await svc.code_sync.tally(interaction.guild_id, percent)
        state = render(
            "campaigns.codes_state",
            language,
            shops=[(kind.value, t) for kind, t in tally.items()],
            other=sum(t.other_percent for t in tally.values()),
            percent=percent,
        )
        body, count = await svc.campaigns.export_codes_csv(interaction.guild_id)
        attachment = discord.File(io.BytesIO(body.encode()), filename="discount-codes.csv")
        export = render("campaigns.codes_export", language, count=count)
        await reply(interaction, f"{state}\n\n{export}", files=[attachment])


class CampaignsCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(CampaignsCog(bot))
    bot.tree.add_command(CampaignGroup())
