"""``/report [period]``: program analytics by creator and tier, with a CSV (managers)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import render
from bot.interactions import lang, manager_only, reply, services
from bot.services.reports import PERIODS, report_csv
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot


class ReportsCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    @app_commands.command(name="report", description=text("report.description"))
    @app_commands.describe(period=text("report.options.period"))
    @app_commands.choices(
        period=[app_commands.Choice(name=text(f"report.periods.{p}"), value=p) for p in PERIODS]
    )
    @manager_only()
    async def report(
        self, interaction: discord.Interaction, period: app_commands.Choice[str] | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        assert interaction.guild_id is not None
        chosen = period.value if period else "month"
        report = await svc.reports.report(interaction.guild_id, chosen)
        language = lang(interaction)
        common = {"currency": report.currency, "timezone": report.timezone}
        embed = discord.Embed(
            title=render("reports.title", language, period=chosen),
            description=render(
                "reports.headline",
                language,
                t=report.total,
                creators=len(report.creators),
                since=report.since,
                until=report.until,
                **common,
            ),
            colour=discord.Colour.blurple(),
        )
        embed.add_field(
            name=render("reports.tiers_title", language),
            value=render("reports.tiers", language, tiers=report.tiers, **common),
            inline=False,
        )
        if report.customers or report.total.recurring_minor:
            top = sorted(
                (c for c in report.creators if c.customers),
                key=lambda c: (-c.lifetime_value_minor, c.creator_id),
            )[:5]
            embed.add_field(
                name=render("reports.customers_title", language),
                value=render("reports.customers", language, r=report, top=top, **common),
                inline=False,
            )
        embed.add_field(
            name=render("reports.methods_title", language),
            value=render("reports.methods", language, methods=report.methods, **common),
            inline=False,
        )
        seeding = await svc.gifts.seeding(interaction.guild_id, report.since, report.until)
        if seeding:
            embed.add_field(
                name=render("reports.seeding_title", language),
                value=render(
                    "reports.seeding", language, offers=seeding[:5], more=len(seeding) - 5
                ),
                inline=False,
            )
        embed.set_footer(text=render("reports.footer", language, timezone=report.timezone))
        local_day = report.until.astimezone(ZoneInfo(report.timezone))
        filename = f"creator-report-{chosen}-{local_day:%Y-%m-%d}.csv"
        await reply(
            interaction,
            embed=embed,
            files=[discord.File(io.BytesIO(report_csv(report, seeding)), filename=filename)],
        )


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(ReportsCog(bot))
