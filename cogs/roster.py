"""``/creators`` (the roster, for managers, a page at a time) and ``/leaderboard`` (for all).

The roster's Previous/Next buttons carry the whole filter and the page they lead to in their
``custom_id``, so they keep working after a restart and any manager can page on.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.creators import CreatorStatus
from bot.domain.roster import PERIODS, LeaderboardMetric, RosterFilter, RosterSort
from bot.domain.tiers import Tier
from bot.i18n import render
from bot.interactions import (
    PersistentButton,
    is_manager,
    lang,
    manager_only,
    name_choices,
    reply,
    services,
)
from bot.services.roster import Leaderboard, RosterPage
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

_EMBED_LIMIT = 4096


def _filter_id(wanted: RosterFilter) -> str:
    tier = wanted.tier.value if wanted.tier else "-"
    return (
        f"{wanted.status.value}:{tier}:{wanted.campaign_id or 0}:{wanted.sort.value}"
        f":{wanted.period}"
    )


class RosterPageButton(
    PersistentButton,
    template=(
        r"cb:roster:(?P<dir>prev|next):(?P<page>[0-9]{1,6})"
        r":(?P<status>active|paused|removed):(?P<tier>nano|micro|macro|mega|-)"
        r":(?P<campaign>[0-9]{1,20}):(?P<sort>revenue|orders|epc|joined|last_sale)"
        r":(?P<period>week|month|all)"
    ),
):
    """Previous or Next under a roster page: shows page ``page`` of the same filter."""

    def __init__(
        self, direction: str, page: int, wanted: RosterFilter, language: str, *, disabled: bool
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=render(
                    "roster.button_previous" if direction == "prev" else "roster.button_next",
                    language,
                ),
                style=discord.ButtonStyle.secondary,
                custom_id=f"cb:roster:{direction}:{page}:{_filter_id(wanted)}",
                disabled=disabled,
            )
        )
        self.page = page
        self.wanted = wanted

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RosterPageButton:
        wanted = RosterFilter(
            status=CreatorStatus(match["status"]),
            tier=None if match["tier"] == "-" else Tier(match["tier"]),
            campaign_id=int(match["campaign"]) or None,
            sort=RosterSort(match["sort"]),
            period=match["period"],
        )
        return cls(match["dir"], int(match["page"]), wanted, lang(interaction), disabled=False)

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        assert interaction.guild_id is not None
        page = await services(interaction).roster.page(interaction.guild_id, self.wanted, self.page)
        language = lang(interaction)
        await interaction.response.edit_message(
            embed=roster_embed(page, language, csv=False), view=roster_view(page, language)
        )


def roster_embed(page: RosterPage, language: str, *, csv: bool) -> discord.Embed:
    span = page.span
    wanted = page.wanted
    description = render(
        "roster.page",
        language,
        rows=page.rows,
        first=page.first_rank,
        since=span.since,
        until=span.until,
        currency=span.currency,
        timezone=span.timezone,
        tier=wanted.tier.value if wanted.tier else None,
        campaign=page.campaign.name if page.campaign else None,
        sort=wanted.sort.value,
    )
    if len(description) > _EMBED_LIMIT:
        description = description[: _EMBED_LIMIT - 1] + "…"
    embed = discord.Embed(
        title=render("roster.title", language, status=wanted.status.value, period=span.period),
        description=description,
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(
        text=render(
            "roster.footer",
            language,
            page=page.page + 1,
            pages=page.pages,
            total=page.total,
            timezone=span.timezone,
            csv=csv,
        )
    )
    return embed


def roster_view(page: RosterPage, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(
        RosterPageButton(
            "prev", max(page.page - 1, 0), page.wanted, language, disabled=page.page == 0
        )
    )
    view.add_item(
        RosterPageButton(
            "next", page.page + 1, page.wanted, language, disabled=page.page + 1 >= page.pages
        )
    )
    return view


def leaderboard_embed(board: Leaderboard, language: str) -> discord.Embed:
    span = board.span
    embed = discord.Embed(
        title=render("leaderboard.title", language, metric=board.metric.value, period=span.period),
        description=render(
            "leaderboard.span",
            language,
            since=span.since,
            until=span.until,
            timezone=span.timezone,
        )
        + "\n\n"
        + render(
            "leaderboard.rows",
            language,
            rows=board.rows,
            metric=board.metric.value,
            currency=span.currency,
        ),
        colour=discord.Colour.gold(),
    )
    embed.set_footer(text=render("leaderboard.footer", language, timezone=span.timezone))
    return embed


class RosterCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # Pages shown before a restart keep their buttons: they are routed by custom_id.
        self.bot.add_dynamic_items(RosterPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RosterPageButton)

    @app_commands.command(name="creators", description=text("creators.description"))
    @app_commands.describe(
        status=text("creators.options.status"),
        tier=text("creators.options.tier"),
        campaign=text("creators.options.campaign"),
        sort=text("creators.options.sort"),
        period=text("creators.options.period"),
        csv=text("creators.options.csv"),
    )
    @app_commands.choices(
        status=[
            app_commands.Choice(name=text(f"creators.statuses.{s.value}"), value=s.value)
            for s in CreatorStatus
        ],
        tier=[app_commands.Choice(name=t.value, value=t.value) for t in Tier],
        sort=[
            app_commands.Choice(name=text(f"creators.sorts.{s.value}"), value=s.value)
            for s in RosterSort
        ],
        period=[app_commands.Choice(name=text(f"roster.periods.{p}"), value=p) for p in PERIODS],
    )
    @manager_only()
    async def creators(
        self,
        interaction: discord.Interaction,
        status: app_commands.Choice[str] | None = None,
        tier: app_commands.Choice[str] | None = None,
        campaign: str | None = None,
        sort: app_commands.Choice[str] | None = None,
        period: app_commands.Choice[str] | None = None,
        csv: bool = False,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        assert interaction.guild_id is not None
        found = (
            await svc.roster.campaign_named(interaction.guild_id, campaign) if campaign else None
        )
        wanted = RosterFilter(
            status=CreatorStatus(status.value) if status else CreatorStatus.ACTIVE,
            tier=Tier(tier.value) if tier else None,
            campaign_id=found.id if found else None,
            sort=RosterSort(sort.value) if sort else RosterSort.REVENUE,
            period=period.value if period else "month",
        )
        page = await svc.roster.page(interaction.guild_id, wanted)
        language = lang(interaction)
        files = None
        if csv:
            local_day = page.span.until.astimezone(ZoneInfo(page.span.timezone))
            filename = f"creators-{wanted.status.value}-{wanted.period}-{local_day:%Y-%m-%d}.csv"
            content = await svc.roster.csv(interaction.guild_id, wanted)
            files = [discord.File(io.BytesIO(content), filename=filename)]
        await reply(
            interaction,
            embed=roster_embed(page, language, csv=csv),
            view=roster_view(page, language),
            files=files,
        )

    @creators.autocomplete("campaign")
    async def _campaign(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).campaigns.campaign_names(interaction.guild_id)
        return name_choices(names, current)

    @app_commands.command(name="leaderboard", description=text("leaderboard.description"))
    @app_commands.guild_only()
    @app_commands.describe(
        period=text("leaderboard.options.period"), metric=text("leaderboard.options.metric")
    )
    @app_commands.choices(
        period=[app_commands.Choice(name=text(f"roster.periods.{p}"), value=p) for p in PERIODS],
        metric=[
            app_commands.Choice(name=text(f"leaderboard.metrics.{m.value}"), value=m.value)
            for m in LeaderboardMetric
        ],
    )
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        period: app_commands.Choice[str] | None = None,
        metric: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        board = await services(interaction).roster.leaderboard(
            interaction.guild_id,
            period.value if period else "week",
            LeaderboardMetric(metric.value) if metric else LeaderboardMetric.ORDERS,
        )
        # Public: only mentions (which never ping) and numbers, earnings only when opted in.
        await reply(interaction, embed=leaderboard_embed(board, lang(interaction)), ephemeral=False)


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(RosterCog(bot))
