"""The review card of a submission, with persistent Approve / Reject (managers only)."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.domain.bounties import Bounty, BountyEntry, EntryStatus
from bot.i18n import language_of, render
from bot.interactions import (
    NO_MENTIONS,
    DecisionButton,
    guild_language,
    is_manager,
    lang,
    reply,
    services,
)
from bot.notify import send_dm
from bot.registry import Services
from bot.services.notifications import Delivery
from cogs.bounties._posts import channel_of, tell_win

log = logging.getLogger(__name__)

_COLOURS = {
    EntryStatus.PENDING: discord.Colour.blurple(),
    EntryStatus.WON: discord.Colour.green(),
    EntryStatus.REJECTED: discord.Colour.red(),
}


# --- the review card of a submission --------------------------------------------------------


def card_kwargs(bounty: Bounty, entry: BountyEntry, language: str, timezone: str) -> dict[str, Any]:
    """Everything a send or edit of a submission's card needs: buttons only while it waits."""
    embed = discord.Embed(
        title=render("bounties.card_title", language, b=bounty),
        description=render("bounties.card", language, b=bounty, e=entry, tz=timezone),
        colour=_COLOURS[entry.status],
    )
    view = None
    if entry.status is EntryStatus.PENDING:
        view = discord.ui.View(timeout=None)
        for action in ("approve", "reject"):
            view.add_item(BountyEntryButton(action, entry.id, language))
    return {"embed": embed, "view": view, "allowed_mentions": NO_MENTIONS}


async def post_card(
    client: discord.Client, svc: Services, bounty: Bounty, entry: BountyEntry
) -> bool:
    """Post a waiting submission's card in the review channel; False if none or it failed."""
    settings = await svc.settings.get(entry.guild_id)
    channel_id = settings.review_channel_id
    if channel_id is None:
        return False
    language = guild_language(client, entry.guild_id)
    try:
        channel = await channel_of(client, channel_id)
        message = await channel.send(**card_kwargs(bounty, entry, language, settings.timezone))
    except discord.HTTPException as exc:
        log.warning("could not post the card of bounty entry %s: %s", entry.id, exc.status)
        return False
    await svc.bounties.attach_card(entry.id, channel_id, message.id)
    return True


async def update_card(
    client: discord.Client, svc: Services, bounty: Bounty, entry: BountyEntry
) -> None:
    if entry.review_channel_id is None or entry.review_message_id is None:
        return
    settings = await svc.settings.get(entry.guild_id)
    language = guild_language(client, entry.guild_id)
    message = client.get_partial_messageable(entry.review_channel_id).get_partial_message(
        entry.review_message_id
    )
    try:
        await message.edit(**card_kwargs(bounty, entry, language, settings.timezone))
    except discord.HTTPException as exc:
        log.warning("could not update the card of bounty entry %s: %s", entry.id, exc.status)


class BountyEntryButton(DecisionButton, prefix="bounty", area="bounties"):
    """Approve or Reject on a bounty submission's review card (managers only)."""

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        decision = await svc.bounties.decide(
            interaction.guild_id,
            self.subject_id,
            interaction.user.id,
            approve=self.action == "approve",
        )
        bounty, entry = decision.bounty, decision.entry
        client = interaction.client
        if entry.status is EntryStatus.WON:
            sent = await tell_win(client, svc, bounty, entry)
        else:
            sent = False
            if decision.notice is not None:
                content = render("bounties.rejected_dm", language_of(entry.locale), b=bounty)
                user_id = decision.notice.user_id
                delivery = await svc.notifications.send(
                    decision.notice, lambda: send_dm(client, user_id, content=content)
                )
                sent = delivery is Delivery.SENT
        await update_card(client, svc, bounty, entry)
        await reply(
            interaction, render("bounties.note_decided", language, b=bounty, e=entry, sent=sent)
        )
