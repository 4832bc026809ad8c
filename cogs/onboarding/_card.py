"""The review card: an embed per application with persistent decision buttons."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.domain.applications import Application, Status
from bot.i18n import render

_COLOURS = {
    Status.OPEN: discord.Colour.blurple(),
    Status.INFO_REQUESTED: discord.Colour.gold(),
    Status.APPROVED: discord.Colour.green(),
    Status.REJECTED: discord.Colour.red(),
}
CUSTOM_ID = "cb:app:{action}:{id}"
CUSTOM_ID_PATTERN = r"cb:app:(?P<action>approve|reject|info):(?P<id>[0-9]{1,20})"


def card_embed(
    application: Application, language: str, timezone: str, notes: list[str] | None = None
) -> discord.Embed:
    """The card's embed: who applied, their numbers against the benchmark, the state."""
    embed = discord.Embed(
        title=render("onboarding.card_title", language, a=application),
        colour=_COLOURS[application.status],
        description=render(
            "onboarding.card",
            language,
            a=application,
            e=application.engagement,
            timezone=timezone,
            notes=notes or [],
        ),
    )
    embed.set_footer(text=render("onboarding.card_footer", language, a=application))
    return embed


def card_view(application: Application, language: str) -> discord.ui.View | None:
    """Approve / Reject / Request info while the application is pending; nothing after."""
    if application.status not in (Status.OPEN, Status.INFO_REQUESTED):
        return None
    view = discord.ui.View(timeout=None)
    for action, style in (
        ("approve", discord.ButtonStyle.success),
        ("reject", discord.ButtonStyle.danger),
        ("info", discord.ButtonStyle.secondary),
    ):
        view.add_item(
            discord.ui.Button(
                label=render(f"onboarding.button_{action}", language),
                style=style,
                custom_id=CUSTOM_ID.format(action=action, id=application.id),
            )
        )
    return view


def parse_custom_id(custom_id: str) -> tuple[str, int] | None:
    match = re.fullmatch(CUSTOM_ID_PATTERN, custom_id)
    return (match["action"], int(match["id"])) if match else None


def card_kwargs(
    application: Application, language: str, timezone: str, notes: list[str] | None = None
) -> dict[str, Any]:
    """Everything a send or edit of the card needs."""
    return {
        "embed": card_embed(application, language, timezone, notes),
        "view": card_view(application, language),
        "allowed_mentions": discord.AllowedMentions.none(),
    }
