"""``/segment create|list|show|delete`` (managers): saved groups of creators that bulk
actions take by name (or ``all``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.domain.applications import Platform
from bot.domain.tiers import Tier
from bot.i18n import render
from bot.interactions import ManagerGroup, lang, name_choices, reply, services
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot


class SegmentGroup(
    ManagerGroup,
    name="segment",
    description=text("segment.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """Manager commands for segments."""

    @app_commands.command(name="create", description=text("segment.create.description"))
    @app_commands.describe(
        name=text("segment.options.name"),
        tier=text("segment.options.tier"),
        platform=text("segment.options.platform"),
        campaign=text("segment.options.campaign"),
        level=text("segment.options.level"),
        niche=text("segment.options.niche"),
        joined_after=text("segment.options.joined_after"),
        joined_before=text("segment.options.joined_before"),
        no_sale_days=text("segment.options.no_sale_days"),
        top_revenue=text("segment.options.top_revenue"),
    )
    @app_commands.choices(
        tier=[app_commands.Choice(name=t.value, value=t.value) for t in Tier],
        platform=[app_commands.Choice(name=p.value, value=p.value) for p in Platform],
    )
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 40],
        tier: app_commands.Choice[str] | None = None,
        platform: app_commands.Choice[str] | None = None,
        campaign: app_commands.Range[str, 1, 80] | None = None,
        level: app_commands.Range[str, 1, 40] | None = None,
        niche: app_commands.Range[str, 1, 200] | None = None,
        joined_after: app_commands.Range[str, 1, 10] | None = None,
        joined_before: app_commands.Range[str, 1, 10] | None = None,
        no_sale_days: app_commands.Range[int, 1, 3650] | None = None,
        top_revenue: app_commands.Range[int, 1, 5000] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await svc.segments.create(
            interaction.guild_id,
            interaction.user.id,
            name,
            tier=tier.value if tier else None,
            platform=platform.value if platform else None,
            campaign=campaign,
            level=level,
            niche=niche,
            joined_after=joined_after,
            joined_before=joined_before,
            no_sale_days=no_sale_days,
            top_revenue=top_revenue,
        )
        preview = await svc.segments.show(interaction.guild_id, view.name)
        content = render("segments.created", lang(interaction), v=view, total=preview.total)
        await reply(interaction, content)

    @app_commands.command(name="list", description=text("segment.list.description"))
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        segments = await services(interaction).segments.list(interaction.guild_id)
        embed = discord.Embed(
            title=render("segments.list_title", lang(interaction)),
            description=render("segments.list", lang(interaction), segments=segments),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)

    @app_commands.command(name="show", description=text("segment.show.description"))
    @app_commands.describe(name=text("segment.options.name"))
    async def show(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 40]
    ) -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await services(interaction).segments.show(interaction.guild_id, name)
        await reply(interaction, render("segments.show", lang(interaction), p=preview))

    @app_commands.command(name="delete", description=text("segment.delete.description"))
    @app_commands.describe(name=text("segment.options.name"))
    async def delete(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 40]
    ) -> None:
        assert interaction.guild_id is not None
        segment = await services(interaction).segments.delete(
            interaction.guild_id, interaction.user.id, name
        )
        await reply(interaction, render("segments.deleted", lang(interaction), name=segment.name))

    @create.autocomplete("campaign")
    async def _campaign(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).campaigns.campaign_names(interaction.guild_id)
        return name_choices(names, current)

    @create.autocomplete("level")
    async def _level(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        overview = await services(interaction).levels.overview(interaction.guild_id)
        return name_choices((level.name for level in overview.levels), current)

    @show.autocomplete("name")
    @delete.autocomplete("name")
    async def _name(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).segments.names(interaction.guild_id)
        return name_choices(names, current)


async def setup(bot: CreatorBot) -> None:
    bot.tree.add_command(SegmentGroup())
