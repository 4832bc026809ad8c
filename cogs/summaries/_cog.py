"""Posting through discord.py, the manager commands and the creator's opt-in."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.settings import GuildSettings
from bot.i18n import language_of, render
from bot.interactions import NO_MENTIONS, ManagerGroup, guild_language, lang, reply, services
from bot.notify import send_dm
from bot.services.summaries import CreatorWeek, SummaryData
from bot.translator import text
from cogs.summaries._render import chart_file, dm_embed, summary_embed

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)


class DiscordPublisher:
    """:class:`~bot.services.summaries.SummaryPublisher` on the real client."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def ready(self) -> bool:
        return self.client.is_ready()

    async def post(self, settings: GuildSettings, summary: SummaryData) -> tuple[int, int]:
        channel_id = settings.announcements_channel_id
        if channel_id is None:
            raise RuntimeError("no announcements channel")
        language = guild_language(self.client, settings.guild_id)
        chart = await chart_file(summary, language)
        channel = self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
        message = await channel.send(  # type: ignore[union-attr]
            embed=summary_embed(summary, language), file=chart, allowed_mentions=NO_MENTIONS
        )
        return channel_id, message.id

    async def send_dm(
        self, settings: GuildSettings, summary: SummaryData, creator: CreatorWeek
    ) -> None:
        assert creator.user_id is not None
        language = language_of(creator.locale)
        await send_dm(self.client, creator.user_id, embed=dm_embed(summary, creator, language))


class SummaryGroup(
    ManagerGroup,
    name="summary",
    description=text("summary.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """``/summary post|preview|status`` (managers)."""

    @app_commands.command(name="post", description=text("summary.post.description"))
    async def post(self, interaction: discord.Interaction) -> None:
        # Posting and DMing every creator takes a while: answer within Discord's 3 s first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        assert interaction.guild_id is not None
        outcome = await svc.summaries.post_now(
            interaction.guild_id, interaction.user.id, interaction.id
        )
        settings = await svc.settings.get(interaction.guild_id)
        await reply(
            interaction,
            render(
                "summaries.posted",
                lang(interaction),
                outcome=outcome,
                channel_id=settings.announcements_channel_id,
            ),
        )

    @app_commands.command(name="preview", description=text("summary.preview.description"))
    async def preview(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        assert interaction.guild_id is not None
        summary = await svc.summaries.preview(interaction.guild_id)
        settings = await svc.settings.get(interaction.guild_id)
        language = guild_language(interaction.client, interaction.guild_id)
        await reply(
            interaction,
            render(
                "summaries.preview",
                lang(interaction),
                channel_id=settings.announcements_channel_id,
                recipients=len(summary.recipients),
            ),
            embed=summary_embed(summary, language),
            files=[await chart_file(summary, language)],
        )

    @app_commands.command(name="status", description=text("summary.status.description"))
    async def status(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        status = await svc.summaries.status(interaction.guild_id)
        settings = await svc.settings.get(interaction.guild_id)
        language = lang(interaction)
        embed = discord.Embed(
            title=render("summaries.status_title", language),
            description=render(
                "summaries.status",
                language,
                runs=status.runs,
                undeliverable=status.undeliverable,
                cron=settings.summary_cron,
                timezone=settings.timezone,
            ),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)


class SummariesCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot
        self.publisher = DiscordPublisher(bot)
        self._catch_up: asyncio.Task[int] | None = None

    async def cog_load(self) -> None:
        svc = self.bot.services
        await svc.summaries.attach(self.publisher)
        svc.schedule.add_sweep_task("weekly summaries", svc.summaries.sweep)

    async def cog_unload(self) -> None:
        self.bot.services.summaries.detach()
        if self._catch_up is not None:
            self._catch_up.cancel()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # On start (and after a reconnect): the latest week missed while the bot was down,
        # and any run a restart cut off. The sweep repeats this every few minutes.
        if self._catch_up is None or self._catch_up.done():
            svc = self.bot.services
            self._catch_up = asyncio.create_task(svc.summaries.sweep(), name="summary catch-up")
            self._catch_up.add_done_callback(_log_failure)

    @app_commands.command(name="public-earnings", description=text("public_earnings.description"))
    @app_commands.guild_only()
    @app_commands.describe(show=text("public_earnings.options.show"))
    @app_commands.choices(
        show=[
            app_commands.Choice(name=text("public_earnings.choices.on"), value="on"),
            app_commands.Choice(name=text("public_earnings.choices.off"), value="off"),
        ]
    )
    async def public_earnings(
        self, interaction: discord.Interaction, show: app_commands.Choice[str]
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        public = show.value == "on"
        changed = await svc.summaries.set_public_earnings(
            interaction.guild_id, interaction.user.id, public
        )
        await reply(
            interaction,
            render("summaries.public", lang(interaction), public=public, changed=changed),
        )


def _log_failure(task: asyncio.Task[int]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("summary catch-up failed", exc_info=task.exception())
