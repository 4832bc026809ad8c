"""The deliverable verification card: posting it, its Approve / Reject buttons and the
modal asking what must change."""

from __future__ import annotations

import logging

import discord

from bot.app import Services
from bot.domain import notices
from bot.domain.deliverables import Deliverable, Status
from bot.i18n import render
from bot.interactions import (
    NO_MENTIONS,
    DecisionButton,
    TextModal,
    guild_language,
    is_manager,
    lang,
    reply,
    services,
)
from bot.notify import send_dm
from bot.services.deliverables import WrongState
from bot.services.notifications import Delivery
from cogs.deliverables._views import card_embed, describe

log = logging.getLogger(__name__)


async def post_card(client: discord.Client, svc: Services, item) -> None:  # type: ignore[no-untyped-def]
    """Post (or re-post) the verification card of a submitted deliverable."""
    settings = await svc.settings.get(item.guild_id)
    if settings.review_channel_id is None:
        return
    language = guild_language(client, item.guild_id)
    now = svc.clock.now()
    kwargs = {
        "embed": card_embed(item, language, settings.timezone, now),
        "allowed_mentions": NO_MENTIONS,
    }
    view = card_view(item, language)
    try:
        if item.review_message_id and item.review_channel_id:
            channel = client.get_partial_messageable(item.review_channel_id)
            await channel.get_partial_message(item.review_message_id).edit(view=view, **kwargs)
            return
        channel = client.get_partial_messageable(settings.review_channel_id)
        message = await channel.send(view=view, **kwargs) if view else await channel.send(**kwargs)
        await svc.deliverables.attach_card(item.id, settings.review_channel_id, message.id)
    except discord.HTTPException as exc:
        log.warning("could not post the card of deliverable %s: %s", item.id, exc.status)


def card_view(item: Deliverable, language: str) -> discord.ui.View | None:
    if item.status is not Status.SUBMITTED:
        return None
    view = discord.ui.View(timeout=None)
    for action in ("approve", "reject"):
        view.add_item(ReviewButton(action, item.id, language))
    return view


class RejectModal(TextModal):
    """Asks a manager what must change in a submitted post."""

    def __init__(self, deliverable_id: int, language: str) -> None:
        super().__init__(
            title=render("deliverables.reject_modal_title", language),
            label=render("deliverables.reject_modal_label", language),
            custom_id=f"cb:dlv-modal:{deliverable_id}",
        )
        self.deliverable_id = deliverable_id

    async def on_text(self, interaction: discord.Interaction, text: str) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        item = await svc.deliverables.reject(
            interaction.guild_id, interaction.user.id, self.deliverable_id, text
        )
        await post_card(interaction.client, svc, item)
        settings = await svc.settings.get(item.guild_id)
        dm = render(
            "deliverables.rejected_dm",
            item.creator_locale,
            **describe(item, item.creator_locale, settings.timezone, svc.clock.now()),
        )
        delivered = await _dm(interaction.client, svc, item, False, dm)
        await reply(
            interaction,
            render("deliverables.rejected", lang(interaction), d=item, delivered=delivered),
        )


async def _dm(
    client: discord.Client, svc: Services, item: Deliverable, approved: bool, content: str
) -> bool:
    if item.creator_user_id is None:
        return False
    notice = notices.deliverable_decision(
        item.guild_id, item.creator_user_id, item.id, approved, item.decided_at
    )
    outcome = await svc.notifications.send(
        notice, lambda: send_dm(client, notice.user_id, content=content)
    )
    return outcome is Delivery.SENT


class ReviewButton(DecisionButton, prefix="dlv", area="deliverables"):
    """Approve or Reject on a deliverable's verification card."""

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        svc = services(interaction)
        assert interaction.guild_id is not None
        if self.action == "reject":
            item = await svc.deliverables.get(interaction.guild_id, self.subject_id)
            if item.status.value != "submitted":
                raise WrongState(status=item.status.value, by=item.decided_by)
            await interaction.response.send_modal(RejectModal(self.subject_id, lang(interaction)))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        item = await svc.deliverables.approve(
            interaction.guild_id, interaction.user.id, self.subject_id
        )
        await post_card(interaction.client, svc, item)
        settings = await svc.settings.get(item.guild_id)
        dm = render(
            "deliverables.approved_dm",
            item.creator_locale,
            **describe(item, item.creator_locale, settings.timezone, svc.clock.now()),
            currency=item.currency,
        )
        await _dm(interaction.client, svc, item, True, dm)
        await reply(interaction, render("deliverables.approved", lang(interaction), d=item))
