"""``/stats`` and ``/earnings``: a creator's own numbers, privately."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotACreator
from bot.i18n import render
from bot.interactions import lang, reply, services
from bot.notify import send_dm
from bot.services.jobs import DEFAULT_PER_SECOND
from bot.services.notifications import Delivery
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

PERIODS = ("week", "month", "all")
_ONE_SECOND = timedelta(seconds=1)  # counts up to and including the current second


# First-sale DMs per second when nothing else runs in bulk (each opens a DM channel and
# sends: two requests); the DM channels set the pace, as for bulk jobs.
FIRST_SALES_PER_SECOND = DEFAULT_PER_SECOND


class EarningsCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        svc = self.bot.services
        svc.schedule.add_sweep_task("first-sale messages", self.announce_first_sales)

    async def announce_first_sales(self) -> int:
        """DM creators about their first sale (at most once each; the sweep calls this)."""
        if not self.bot.is_ready():
            return 0
        svc = self.bot.services
        sent = 0
        for notice in await svc.conversions.first_sales_to_announce():
            # The bot's shared pace (bot/pacing.py): a launch day's first sales are a bulk DM.
            await svc.jobs.pacer.step(FIRST_SALES_PER_SECOND)
            content = render(
                "earnings.first_sale",
                notice.locale,
                orders=notice.orders,
                earned=notice.earned,
                currency=notice.currency,
            )
            outcome = await svc.notifications.deliver(
                guild_id=notice.guild_id,
                user_id=notice.user_id,
                kind=notice.kind.value,
                dedupe_key=notice.dedupe_key,
                send=lambda uid=notice.user_id, text=content: send_dm(self.bot, uid, content=text),
            )
            sent += outcome is Delivery.SENT
        return sent

    async def _creator(self, interaction: discord.Interaction):  # type: ignore[no-untyped-def]
        assert interaction.guild_id is not None
        creator = await services(interaction).onboarding.creator_by_member(
            interaction.guild_id, interaction.user.id
        )
        if creator is None:
            raise NotACreator(own=True)
        return creator

    @app_commands.command(name="stats", description=text("stats.description"))
    @app_commands.guild_only()
    @app_commands.describe(period=text("stats.options.period"))
    @app_commands.choices(
        period=[app_commands.Choice(name=text(f"stats.periods.{p}"), value=p) for p in PERIODS]
    )
    async def stats(
        self, interaction: discord.Interaction, period: app_commands.Choice[str] | None = None
    ) -> None:
        svc = services(interaction)
        creator = await self._creator(interaction)
        # Counting a busy creator's clicks over all time can take a moment: answer "thinking"
        # first, so Discord's 3-second deadline never turns it into a failed command.
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await svc.settings.get(creator.guild_id)
        chosen = period.value if period else "all"
        report = await svc.performance.report(creator, chosen)
        language = lang(interaction)
        embed = discord.Embed(
            title=render("earnings.stats_title", language, period=chosen),
            description=render(
                "earnings.stats",
                language,
                s=report.stats,
                traffic=report.traffic,
                period=chosen,
                timezone=settings.timezone,
            ),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)

    @app_commands.command(name="earnings", description=text("earnings.description"))
    @app_commands.guild_only()
    async def earnings(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        creator = await self._creator(interaction)
        settings = await svc.settings.get(creator.guild_id)
        balances = await svc.conversions.balances(creator.guild_id, creator.id)
        recent = await svc.conversions.recent_earnings(creator.id)
        language = lang(interaction)
        embed = discord.Embed(
            title=render("earnings.earnings_title", language),
            description=render(
                "earnings.earnings",
                language,
                b=balances,
                recent=recent,
                timezone=settings.timezone,
            ),
            colour=discord.Colour.green(),
        )
        await reply(interaction, embed=embed)


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(EarningsCog(bot))
