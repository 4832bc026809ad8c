"""``/privacy action``: a member downloads (``export``) or erases (``delete``) their data."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Services
from bot.clock import to_epoch
from bot.i18n import language_of, render
from bot.interactions import PersistentButton, lang, reply, services
from bot.notify import remove_role
from bot.services.privacy import Erasure, export_bytes
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

ACTIONS = ("export", "delete")
CONFIRM_SECONDS = 15 * 60
_STYLES = {"confirm": discord.ButtonStyle.danger, "cancel": discord.ButtonStyle.secondary}


class ErasureButton(
    PersistentButton,
    template=(
        r"cb:privacy:(?P<action>confirm|cancel)"
        r":(?P<user>[0-9]{1,20}):(?P<expires>[0-9]{1,12})"
    ),
):
    """Confirm or Cancel under an erase request; only the member who asked may use them.

    Routed by custom_id (not a stored view), so a confirmation survives a restart of the
    bot; the member's id and an expiry (epoch seconds) are part of the id.
    """

    def __init__(self, action: str, owner: int, expires: int, language: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=render(f"privacy.button_{action}", language),
                style=_STYLES[action],
                custom_id=f"cb:privacy:{action}:{owner}:{expires}",
            )
        )
        self.action = action
        self.owner = owner
        self.expires = expires

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ErasureButton:
        return cls(match["action"], int(match["user"]), int(match["expires"]), lang(interaction))

    async def press(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        language = lang(interaction)
        if interaction.user.id != self.owner or interaction.guild_id is None:
            await reply(interaction, render("privacy.not_yours", language))
            return
        if self.action == "cancel":
            await interaction.response.edit_message(
                content=render("privacy.cancelled", language), view=None
            )
            return
        if to_epoch(svc.clock.now()) > self.expires:
            await interaction.response.edit_message(
                content=render("privacy.expired", language), view=None
            )
            return
        await interaction.response.defer()
        erasure = await svc.privacy.erase_member(interaction.guild_id, self.owner)
        code_off = await _switch_off_code(svc, erasure)
        await _clean_discord(interaction.client, svc, interaction.guild_id, self.owner, erasure)
        await interaction.edit_original_response(
            content=render("privacy.erased", language, e=erasure, code_off=code_off), view=None
        )


def confirm_view(user_id: int, expires: int, language: str) -> discord.ui.View:
    """Confirm / Cancel buttons for erasing; only ``user_id`` may use them."""
    view = discord.ui.View(timeout=None)
    for action in ("confirm", "cancel"):
        view.add_item(ErasureButton(action, user_id, expires, language))
    return view


async def _switch_off_code(svc: Services, erasure: Erasure) -> bool | None:
    """The erased creator's code stops working in every connected shop (a shop that cannot
    answer now is retried by the sweep); None when there is no shop or no creator."""
    if erasure.creator_id is None or not svc.code_sync.connected:
        return None
    try:
        done = await svc.code_sync.follow_status(erasure.creator_id)
    except LookupError:  # a creator without a code has nothing in the shops
        return None
    return done.works


async def _clean_discord(
    client: discord.Client, svc: Services, guild_id: int, user_id: int, erasure: Erasure
) -> None:
    """Take the creator role away and blank the review cards that show the member."""
    settings = await svc.settings.get(guild_id)
    if erasure.creator_id is not None and settings.creator_role_id is not None:
        await remove_role(
            client, guild_id, user_id, settings.creator_role_id, "personal data erased"
        )
    guild = client.get_guild(guild_id)
    language = language_of(guild.preferred_locale if guild else None)
    cards = [("privacy.card_erased", *card) for card in erasure.review_cards]
    cards += [("sites.card_erased", *card) for card in erasure.site_cards]
    cards += [("bounties.card_erased", *card) for card in erasure.bounty_cards]
    for key, card_id, channel_id, message_id in cards:
        message = client.get_partial_messageable(channel_id).get_partial_message(message_id)
        embed = discord.Embed(
            title=render(f"{key}_title", language, id=card_id),
            description=render(key, language),
            colour=discord.Colour.dark_grey(),
        )
        try:
            await message.edit(content=None, embed=embed, view=None)
        except discord.HTTPException as exc:
            log.warning("could not blank review card %s: %s", card_id, exc.status)


class PrivacyCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ErasureButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ErasureButton)

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


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
