"""``/sites add|list|remove`` (creators) and the DirectLink site review card (managers).

Each new site is posted in the review channel as a card with Approve and Reject; the
buttons are persistent (their state is their custom_id), so they work after a restart.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.sites import Site, SiteStatus
from bot.i18n import render
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
from bot.services.sites import SiteDecision
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

_COLOURS = {
    SiteStatus.PENDING: discord.Colour.blurple(),
    SiteStatus.APPROVED: discord.Colour.green(),
    SiteStatus.REJECTED: discord.Colour.red(),
    SiteStatus.REMOVED: discord.Colour.dark_grey(),
}


# --- the review card -----------------------------------------------------------------------


def card_kwargs(site: Site, user_id: int | None, language: str, timezone: str) -> dict[str, Any]:
    """Everything a send or edit of a site's card needs: buttons only while it waits."""
    embed = discord.Embed(
        title=render("sites.card_title", language, s=site),
        description=render("sites.card", language, s=site, user=user_id, timezone=timezone),
        colour=_COLOURS[site.status],
    )
    view = None
    if site.status is SiteStatus.PENDING:
        view = discord.ui.View(timeout=None)
        for action in ("approve", "reject"):
            view.add_item(SiteDecisionButton(action, site.id, language))
    return {"embed": embed, "view": view, "allowed_mentions": NO_MENTIONS}


async def post_card(client: discord.Client, svc: Services, site: Site) -> bool:
    """Post a waiting site's card in the review channel; False if there is none or it failed."""
    settings = await svc.settings.get(site.guild_id)
    channel_id = settings.review_channel_id
    if channel_id is None:
        return False
    creator = await svc.sites.creator_of(site)
    language = guild_language(client, site.guild_id)
    try:
        channel = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
        message = await channel.send(  # type: ignore[union-attr]
            **card_kwargs(site, creator.user_id, language, settings.timezone)
        )
    except discord.HTTPException as exc:
        log.warning("could not post the card of site %s: %s", site.id, exc.status)
        return False
    await svc.sites.attach_card(site.id, channel_id, message.id)
    return True


async def update_card(client: discord.Client, svc: Services, site: Site) -> None:
    """Re-render a site's card after a change (a card that is gone is left gone)."""
    if site.review_channel_id is None or site.review_message_id is None:
        return
    settings = await svc.settings.get(site.guild_id)
    creator = await svc.sites.creator_of(site)
    language = guild_language(client, site.guild_id)
    channel = client.get_partial_messageable(site.review_channel_id)
    message = channel.get_partial_message(site.review_message_id)
    try:
        await message.edit(**card_kwargs(site, creator.user_id, language, settings.timezone))
    except discord.HTTPException as exc:
        log.warning("could not update the card of site %s: %s", site.id, exc.status)


async def complete_decision(
    client: discord.Client, svc: Services, decision: SiteDecision, language: str
) -> str:
    """Tell the creator by DM and update the card; the note for the manager."""
    site, creator = decision.site, decision.creator
    approved = site.status is SiteStatus.APPROVED
    note = render("sites.note_decided", language, s=site, user=creator.user_id)
    if decision.notice is not None:
        guild = client.get_guild(site.guild_id)
        dm = render(
            "sites.dm_approved" if approved else "sites.dm_rejected",
            creator.locale,
            s=site,
            server=guild.name if guild else "Discord",
        )
        user_id = decision.notice.user_id
        delivery = await svc.notifications.send(
            decision.notice, lambda: send_dm(client, user_id, content=dm)
        )
        sent = delivery is Delivery.SENT
        note += "\n" + render("sites.note_dm", language, sent=sent)
    await update_card(client, svc, site)
    return note


class SiteDecisionButton(DecisionButton, prefix="site", area="sites"):
    """Approve or Reject on a DirectLink site's review card (managers only)."""

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        assert interaction.guild_id is not None
        decision = await svc.sites.decide(
            interaction.guild_id,
            self.subject_id,
            interaction.user.id,
            approve=self.action == "approve",
        )
        note = await complete_decision(interaction.client, svc, decision, lang(interaction))
        await reply(interaction, note)


# --- the creator's commands ----------------------------------------------------------------


class SitesGroup(
    app_commands.Group,
    name="sites",
    description=text("sites.description"),
    guild_only=True,
):
    """A creator's own sites for DirectLink attribution."""

    @app_commands.command(name="add", description=text("sites.add.description"))
    @app_commands.describe(url=text("sites.options.url"))
    async def add(
        self, interaction: discord.Interaction, url: app_commands.Range[str, 4, 300]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        assert interaction.guild_id is not None
        site = await svc.sites.add(interaction.guild_id, interaction.user.id, url)
        carded = await post_card(interaction.client, svc, site)
        await reply(interaction, render("sites.added", lang(interaction), s=site, carded=carded))

    @app_commands.command(name="list", description=text("sites.list.description"))
    async def list_(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        sites = await svc.sites.sites(interaction.guild_id, interaction.user.id)
        await reply(interaction, render("sites.list", lang(interaction), sites=sites))

    @app_commands.command(name="remove", description=text("sites.remove.description"))
    @app_commands.describe(site=text("sites.options.site"))
    async def remove(
        self, interaction: discord.Interaction, site: app_commands.Range[str, 1, 300]
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        removed = await svc.sites.remove(interaction.guild_id, interaction.user.id, site)
        await update_card(interaction.client, svc, removed)
        await reply(interaction, render("sites.removed", lang(interaction), s=removed))

    @remove.autocomplete("site")
    async def _site(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        sites = await services(interaction).sites.live_sites(
            interaction.guild_id, interaction.user.id
        )
        needle = current.strip().lower()
        return [
            app_commands.Choice(name=f"#{s.id} {s.match}"[:100], value=str(s.id))
            for s in sites
            if needle in str(s.match) or needle in str(s.id)
        ][:25]


class SitesCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SiteDecisionButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SiteDecisionButton)


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(SitesCog(bot))
    bot.tree.add_command(SitesGroup())
