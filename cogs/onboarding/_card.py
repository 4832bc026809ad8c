"""The review card: an embed per application with persistent decision buttons."""

from __future__ import annotations

from typing import Any

import discord

from bot.domain.applications import Application, Status
from bot.domain.review_rules import undo_deadline
from bot.i18n import render

_COLOURS = {
    Status.OPEN: discord.Colour.blurple(),
    Status.INFO_REQUESTED: discord.Colour.gold(),
    Status.APPROVED: discord.Colour.green(),
    Status.REJECTED: discord.Colour.red(),
}


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
            reopen_until=undo_deadline(application.decided_at) if application.decided_at else None,
        ),
    )
    embed.set_footer(text=render("onboarding.card_footer", language, a=application))
    return embed


def card_view(application: Application, language: str) -> discord.ui.View | None:
    """Approve / Reject / Request info while the application is pending; Re-open after a
    rule's rejection (the button itself says when that is too late); nothing after others."""
    # The buttons' callbacks re-render this card (through _flows), so their module imports
    # this one; importing it here, at call time, keeps the two from importing each other.
    from cogs.onboarding._review import DecisionButton, ReopenButton

    if application.status is Status.REJECTED and application.decided_by_rule is not None:
        view = discord.ui.View(timeout=None)
        view.add_item(ReopenButton(application.id, language))
        return view
    if application.status not in (Status.OPEN, Status.INFO_REQUESTED):
        return None
    view = discord.ui.View(timeout=None)
    for action in ("approve", "reject", "info"):
        view.add_item(DecisionButton(action, application.id, language))
    return view


def card_kwargs(
    application: Application, language: str, timezone: str, notes: list[str] | None = None
) -> dict[str, Any]:
    """Everything a send or edit of the card needs."""
    return {
        "embed": card_embed(application, language, timezone, notes),
        "view": card_view(application, language),
        "allowed_mentions": discord.AllowedMentions.none(),
    }
