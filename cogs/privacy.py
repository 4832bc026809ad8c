"""``/privacy action``: a member downloads (``export``) or erases (``delete``) their data."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Services
from bot.clock import to_epoch
from bot.i18n import language_of, render
from bot.interactions import answer_error, lang, reply, services
from bot.notify import remove_role
from bot.services.privacy import Erasure, export_bytes
from bot.translator import text

log = logging.getLogger(__name__)

ACTIONS = ("export", "delete")
CONFIRM_SECONDS = 15 * 60
# Routed by custom_id (not a stored view), so a confirmation survives a restart of the bot;
# the member's id and an expiry are part of the id.
CUSTOM_ID = "cb:privacy:{action}:{user}:{expires}"
CUSTOM_ID_PATTERN = re.compile(r"cb:privacy:(confirm|cancel):([0-9]{1,20}):([0-9]{1,12})")


def confirm_view(user_id: int, expires: int, language: str) -> discord.ui.View:
    """Confirm / Cancel buttons for erasing; only ``user_id`` may use them."""
    view = discord.ui.View(timeout=None)
    for action, style in (
        ("confirm", discord.ButtonStyle.danger),
        ("cancel", discord.ButtonStyle.secondary),
    ):
        view.add_item(
            discord.ui.Button(
                label=render(f"privacy.button_{action}", language),
                style=style,
                custom_id=CUSTOM_ID.format(action=action, user=user_id, expires=expires),
            )
        )
    return view


def parse_custom_id(custom_id: str) -> tuple[str, int, int] | None:
    match = CUSTOM_ID_PATTERN.fullmatch(custom_id)
    return (match[1], int(match[2]), int(match[3])) if match else None


class PrivacyCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="privacy", description=text("privacy.description"))
    @app_commands.guild_only()
    @app_commands.describe(action=text("privacy.options.action"))
    @app_commands.choices(
        action=[app_commands.Choice(name=text(f"privacy.actions.{a}"), value=a) for a in ACTIONS]
    )
    async def privacy(
        self, interaction: discord.Interaction, action: app_commands.Choice[str]
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        language = lang(interaction)
        if action.value == "export":
            await interaction.response.defer(ephemeral=True, thinking=True)
            data = await svc.privacy.export(interaction.guild_id, interaction.user.id)
            day = svc.clock.now().strftime("%Y-%m-%d")
            file = discord.File(
                io.BytesIO(export_bytes(data)), filename=f"creatorbot-my-data-{day}.json"
            )
            await reply(interaction, render("privacy.exported", language), files=[file])
            return
        plan = await svc.privacy.plan_erasure(interaction.guild_id, interaction.user.id)
        expires = to_epoch(svc.clock.now() + timedelta(seconds=CONFIRM_SECONDS))
        await reply(
            interaction,
            render("privacy.confirm", language, plan=plan, minutes=CONFIRM_SECONDS // 60),
            view=confirm_view(interaction.user.id, expires, language),
        )

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.component:
            return
        parsed = parse_custom_id(str((interaction.data or {}).get("custom_id", "")))
        if parsed is None:
            return
        try:
            await self._button(interaction, *parsed)
        except Exception as error:
            await answer_error(interaction, error, f"privacy button {parsed[0]}")

    async def _button(
        self, interaction: discord.Interaction, action: str, owner: int, expires: int
    ) -> None:
        svc = services(interaction)
        language = lang(interaction)
        if interaction.user.id != owner or interaction.guild_id is None:
            await reply(interaction, render("privacy.not_yours", language))
            return
        if action == "cancel":
            await interaction.response.edit_message(
                content=render("privacy.cancelled", language), view=None
            )
            return
        if to_epoch(svc.clock.now()) > expires:
            await interaction.response.edit_message(
                content=render("privacy.expired", language), view=None
            )
            return
        await interaction.response.defer()
        # Clicks still queued in memory carry visitor hashes: write them before erasing.
        await svc.tracking.flush()
        erasure = await svc.privacy.erase(interaction.guild_id, owner)
        svc.tracking.forget()  # the erased creator's links stop attributing now
        await self._clean_discord(svc, interaction.guild_id, owner, erasure)
        await interaction.edit_original_response(
            content=render("privacy.erased", language, e=erasure), view=None
        )

    async def _clean_discord(
        self, svc: Services, guild_id: int, user_id: int, erasure: Erasure
    ) -> None:
        """Take the creator role away and blank the review cards that show the member."""
        settings = await svc.settings.get(guild_id)
        if erasure.creator_id is not None and settings.creator_role_id is not None:
            await remove_role(
                self.bot, guild_id, user_id, settings.creator_role_id, "personal data erased"
            )
        guild = self.bot.get_guild(guild_id)
        language = language_of(guild.preferred_locale if guild else None)
        for application_id, channel_id, message_id in erasure.review_cards:
            message = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
            embed = discord.Embed(
                title=render("privacy.card_erased_title", language, id=application_id),
                description=render("privacy.card_erased", language),
                colour=discord.Colour.dark_grey(),
            )
            try:
                await message.edit(content=None, embed=embed, view=None)
            except discord.HTTPException as exc:
                log.warning("could not blank review card %s: %s", application_id, exc.status)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(PrivacyCog(bot))
