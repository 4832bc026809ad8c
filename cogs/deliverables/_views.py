"""The deliverable verification card and how deliverables are shown."""

from __future__ import annotations

from datetime import datetime

import discord
from babel.dates import format_timedelta

from bot.domain.deliverables import Deliverable, Status
from bot.domain.tiers import BENCHMARK_BP, Tier
from bot.i18n import render

_BABEL = {"en": "en_GB", "nl": "nl_NL"}


def relative(moment: datetime, now: datetime, language: str) -> str:
    """'in 2 days' / '3 hours ago' in the user's language."""
    return format_timedelta(
        moment - now, add_direction=True, threshold=1.1, locale=_BABEL.get(language, "en_GB")
    )


def describe(item: Deliverable, language: str, timezone: str, now: datetime) -> dict:
    """Everything a template needs about one deliverable."""
    return {
        "d": item,
        "relative": relative(item.due_at, now, language),
        "overdue": item.overdue(now),
        "benchmark_bp": BENCHMARK_BP[Tier(item.creator_tier)],
        "timezone": timezone,
    }


def card_embed(item: Deliverable, language: str, timezone: str, now: datetime) -> discord.Embed:
    colour = {
        Status.SUBMITTED: discord.Colour.blurple(),
        Status.APPROVED: discord.Colour.green(),
        Status.REJECTED: discord.Colour.red(),
    }.get(item.status, discord.Colour.greyple())
    return discord.Embed(
        title=render("deliverables.card_title", language, d=item),
        description=render(
            "deliverables.card", language, **describe(item, language, timezone, now)
        ),
        colour=colour,
    )
