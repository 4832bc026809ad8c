"""``/bounty create|list|close`` (managers) and ``/bounty list|submit`` (creators)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.i18n import render
from bot.interactions import (
    NotManagerFailure,
    is_manager,
    lang,
    reply,
    segment_choices,
    services,
)
from bot.progress import job_progress
from bot.services.notifications import Delivery
from bot.translator import text
from cogs.bounties._card import post_card
from cogs.bounties._posts import announce, job_text

log = logging.getLogger(__name__)


# --- the commands ---------------------------------------------------------------------------


async def _is_manager(interaction: discord.Interaction) -> bool:
    try:
        return await is_manager(interaction)
    except NotManagerFailure:
        return False


class BountyGroup(
    app_commands.Group,
    name="bounty",
    description=text("bounty.description"),
    guild_only=True,
):
    """Open challenges: managers create and close them, creators take them."""

    @app_commands.command(name="create", description=text("bounty.create.description"))
    @app_commands.check(is_manager)
    @app_commands.describe(
        title=text("bounty.options.title"),
        brief=text("bounty.options.brief"),
        kind=text("bounty.options.kind"),
        reward=text("bounty.options.reward"),
        ends=text("bounty.options.ends"),
        segment=text("bounty.options.segment"),
        max_winners=text("bounty.options.max_winners"),
        goal_orders=text("bounty.options.goal_orders"),
        goal_revenue=text("bounty.options.goal_revenue"),
        channel=text("bounty.options.channel"),
    )
    @app_commands.choices(
        kind=[
            app_commands.Choice(name=text("bounty.choices.submission"), value="submission"),
            app_commands.Choice(name=text("bounty.choices.performance"), value="performance"),
        ]
    )
    async def create(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 100],
        brief: app_commands.Range[str, 1, 1000],
        kind: str,
        reward: app_commands.Range[str, 1, 20],
        ends: app_commands.Range[str, 1, 40],
        segment: app_commands.Range[str, 1, 40],
        max_winners: app_commands.Range[int, 0, 1000],
        goal_orders: app_commands.Range[int, 1, 100_000] | None = None,
        goal_revenue: app_commands.Range[str, 1, 20] | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        bounty, job = await svc.bounties.create(
            interaction.guild_id,
            interaction.user.id,
            title=title,
            brief=brief,
            kind=kind,
            reward=reward,
            ends=ends,
            segment=segment,
            max_winners=max_winners,
            goal_orders=goal_orders,
            goal_revenue=goal_revenue,
            channel_id=channel.id if channel else None,
        )
        progress = await job_progress(interaction, job, job_text)
        posted = await announce(interaction.client, svc, bounty)
        settings = await svc.settings.get(interaction.guild_id)
        note = render(
            "bounties.created",
            language,
            b=bounty,
            posted=posted is Delivery.SENT,
            tz=settings.timezone,
        )
        await reply(interaction, note + "\n" + job_text(job, language))
        svc.jobs.start(job, progress)

    @app_commands.command(name="list", description=text("bounty.list.description"))
    async def list_(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        settings = await svc.settings.get(interaction.guild_id)
        manager = await _is_manager(interaction)
        standings = await svc.bounties.standings(
            interaction.guild_id, None if manager else interaction.user.id
        )
        await reply(
            interaction,
            render(
                "bounties.list",
                lang(interaction),
                standings=standings,
                manager=manager,
                now=svc.clock.now(),
                tz=settings.timezone,
            )[:2000],
        )

    @app_commands.command(name="close", description=text("bounty.close.description"))
    @app_commands.check(is_manager)
    @app_commands.describe(bounty=text("bounty.options.bounty"))
    async def close(
        self, interaction: discord.Interaction, bounty: app_commands.Range[str, 1, 120]
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        found = await svc.bounties.find(interaction.guild_id, bounty)
        closed = await svc.bounties.close(interaction.guild_id, found.id, interaction.user.id)
        await reply(interaction, render("bounties.closed_now", lang(interaction), b=closed))

    @app_commands.command(name="submit", description=text("bounty.submit.description"))
    @app_commands.describe(bounty=text("bounty.options.bounty"), url=text("bounty.options.url"))
    async def submit(
        self,
        interaction: discord.Interaction,
        bounty: app_commands.Range[str, 1, 120],
        url: app_commands.Range[str, 8, 400],
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await svc.bounties.submit(interaction.guild_id, interaction.user.id, bounty, url)
        entry = await svc.bounties.entry_of(found.id, interaction.user.id, interaction.guild_id)
        carded = await post_card(interaction.client, svc, found, entry)
        await reply(
            interaction, render("bounties.submitted", lang(interaction), b=found, carded=carded)
        )

    @close.autocomplete("bounty")
    @submit.autocomplete("bounty")
    async def _bounty(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        svc = services(interaction)
        needle = current.strip().lower().lstrip("#")
        now = svc.clock.now()
        return [
            app_commands.Choice(name=f"#{b.id} {b.title}"[:100], value=str(b.id))
            for b in await svc.bounties.bounties(interaction.guild_id)
            if b.is_open(now) and (needle in b.title.lower() or needle in str(b.id))
        ][:25]

    @create.autocomplete("segment")
    async def _segment(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await segment_choices(interaction, current)
