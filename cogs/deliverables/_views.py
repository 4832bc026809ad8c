"""The deliverable verification card and how deliverables are shown."""

from __future__ import annotations

import re
from datetime import datetime

import discord
from babel.dates import format_timedelta

from bot.domain.deliverables import Deliverable, Status
from bot.domain.tiers import BENCHMARK_BP, Tier
from bot.i18n import render

CUSTOM_ID = "cb:dlv:{action}:{id}"
CUSTOM_ID_PATTERN = r"cb:dlv:(?P<action>approve|reject):(?P<id>[0-9]{1,20})"
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


def card_view(item: Deliverable, language: str) -> discord.ui.View | None:
    if item.status is not Status.SUBMITTED:
        return None
    view = discord.ui.View(timeout=None)
    for action, style in (
        ("approve", discord.ButtonStyle.success),
        ("reject", discord.ButtonStyle.danger),
    ):
        view.add_item(
            discord.ui.Button(
                label=render(f"deliverables.button_{action}", language),
                style=style,
                custom_id=CUSTOM_ID.format(action=action, id=item.id),
            )
        )
    return view


def parse_custom_id(custom_id: str) -> tuple[str, int] | None:
    match = re.fullmatch(CUSTOM_ID_PATTERN, custom_id)
    return (match["action"], int(match["id"])) if match else None
