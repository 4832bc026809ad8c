"""The summary as Discord sees it: the channel embed with its chart, and a creator's DM."""

from __future__ import annotations

import io
from datetime import date

import discord
from babel.dates import format_date

from bot.charts import ChartText, daily_chart
from bot.i18n import render
from bot.services.summaries import CreatorWeek, SummaryData

CHART_FILE = "summary.png"
_BABEL_LOCALE = {"en": "en_GB", "nl": "nl_NL"}  # as bot.i18n: dates here have no time
_FIELD_LIMIT = 1024


def _day(day: date, pattern: str, lang: str) -> str:
    return format_date(day, pattern, locale=_BABEL_LOCALE.get(lang, "en_GB"))


def _span(summary: SummaryData, lang: str) -> dict[str, str]:
    days = summary.period.local_days()
    return {"first": _day(days[0], "d MMM", lang), "last": _day(days[-1], "d MMM y", lang)}


def _field(text: str) -> str:
    return text if len(text) <= _FIELD_LIMIT else text[: _FIELD_LIMIT - 1] + "…"


def summary_embed(summary: SummaryData, lang: str) -> discord.Embed:
    """The announcement: program totals, top creators, new creators, deliverables due."""
    common = {"currency": summary.currency, "timezone": summary.timezone}
    embed = discord.Embed(
        title=render("summaries.title", lang, kind=summary.kind, **_span(summary, lang)),
        description=render("summaries.totals", lang, t=summary.totals, **common),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name=render("summaries.top_title", lang),
        value=_field(render("summaries.top", lang, creators=summary.top, **common)),
        inline=False,
    )
    if summary.new_creators:
        embed.add_field(
            name=render("summaries.new_title", lang),
            value=_field(render("summaries.new", lang, creators=summary.new_creators)),
            inline=False,
        )
    if summary.deliverables_due:
        embed.add_field(
            name=render("summaries.due_title", lang),
            value=_field(
                render(
                    "summaries.due",
                    lang,
                    deliverables=summary.deliverables_due,
                    total=summary.deliverables_due_total,
                    **common,
                )
            ),
            inline=False,
        )
    embed.set_image(url=f"attachment://{CHART_FILE}")
    embed.set_footer(text=render("summaries.footer", lang, timezone=summary.timezone))
    return embed


async def chart_file(summary: SummaryData, lang: str) -> discord.File:
    """The daily clicks and orders chart, drawn off the event loop."""
    png = await daily_chart(
        [_day(d.day, "EEE d", lang) for d in summary.days],
        [d.clicks for d in summary.days],
        [d.orders for d in summary.days],
        ChartText(
            title=render("summaries.chart_title", lang, **_span(summary, lang)),
            clicks=render("summaries.chart_clicks", lang),
            orders=render("summaries.chart_orders", lang),
        ),
    )
    return discord.File(io.BytesIO(png), filename=CHART_FILE)


def dm_embed(summary: SummaryData, creator: CreatorWeek, lang: str) -> discord.Embed:
    """A creator's own numbers for the period and their balance."""
    return discord.Embed(
        title=render("summaries.dm_title", lang, kind=summary.kind, **_span(summary, lang)),
        description=render(
            "summaries.dm",
            lang,
            n=creator.numbers,
            b=creator.balance,
            currency=summary.currency,
        ),
        colour=discord.Colour.green(),
    )
