"""The review card's decision buttons and the modal behind Reject and Request info."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.i18n import render
from bot.interactions import PersistentButton, TextModal, is_manager, lang, reply, services
from cogs.onboarding import _flows

_STYLES = {
    "approve": discord.ButtonStyle.success,
    "reject": discord.ButtonStyle.danger,
    "info": discord.ButtonStyle.secondary,
}


class ReasonModal(TextModal):
    """Asks a manager for a rejection reason or a question for the applicant."""

    def __init__(self, action: str, application_id: int, language: str) -> None:
        super().__init__(
            title=render(f"onboarding.{action}_modal_title", language),
            label=render(f"onboarding.{action}_modal_label", language),
            custom_id=f"cb:app-modal:{action}:{application_id}",
        )
        self.action = action
        self.application_id = application_id

    async def on_text(self, interaction: discord.Interaction, text: str) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        if self.action == "reject":
            rejection = await svc.onboarding.reject(
                interaction.guild_id, self.application_id, interaction.user.id, text
            )
            notes = await _flows.complete_rejection(interaction.client, svc, rejection)
        else:
            application = await svc.onboarding.request_info(
                interaction.guild_id, self.application_id, interaction.user.id, text
            )
            notes = await _flows.complete_info_request(interaction.client, svc, application)
        await reply(interaction, "\n".join(notes))


class DecisionButton(
    PersistentButton,
    template=r"cb:app:(?P<action>approve|reject|info):(?P<id>[0-9]{1,20})",
):
    """Approve, Reject or Request info on one application's review card."""

    def __init__(self, action: str, application_id: int, language: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=render(f"onboarding.button_{action}", language),
                style=_STYLES[action],
                custom_id=f"cb:app:{action}:{application_id}",
            )
        )
        self.action = action
        self.application_id = application_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DecisionButton:
        return cls(match["action"], int(match["id"]), lang(interaction))

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        svc = services(interaction)
        assert interaction.guild_id is not None
        application = await svc.onboarding.application(interaction.guild_id, self.application_id)
        if self.action in ("reject", "info"):
            # Raises AlreadyDecided before opening a modal for a card that is decided.
            await svc.onboarding.ensure_pending(application)
            await interaction.response.send_modal(
                ReasonModal(self.action, self.application_id, lang(interaction))
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        approval = await svc.onboarding.approve(
            interaction.guild_id, self.application_id, interaction.user.id
        )
        notes = await _flows.complete_approval(interaction.client, svc, approval)
        await reply(interaction, "\n".join(notes))


class ReopenButton(PersistentButton, template=r"cb:app:reopen:(?P<id>[0-9]{1,20})"):
    """Re-open on the card of an application an auto-review rule rejected (within a day)."""

    def __init__(self, application_id: int, language: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=render("onboarding.button_reopen", language),
                style=discord.ButtonStyle.secondary,
                custom_id=f"cb:app:reopen:{application_id}",
            )
        )
        self.application_id = application_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReopenButton:
        return cls(int(match["id"]), lang(interaction))

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        assert interaction.guild_id is not None
        application = await svc.onboarding.reopen(
            interaction.guild_id, self.application_id, interaction.user.id
        )
        notes = await _flows.complete_reopen(
            interaction.client, svc, application, interaction.user.id
        )
        await reply(interaction, "\n".join(notes))
